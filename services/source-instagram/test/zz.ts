import { Harness, MINUTE } from '/work/main/services/source-instagram/test/harness.ts';
const START = Date.parse('2026-11-20T12:00:00Z');
const h = await Harness.start({ startTime: START, instagram: { mediaPageSize: 10 } });
console.log(
  h.sent
    .map((s) => `${(s.at - START) / 1000}s ${s.endpoint} ${s.endpoint.includes('batch') ? JSON.parse(String(s.query.batch)).length : ''}`)
    .join('\n'),
);
await h.advance(31 * MINUTE);
console.log('---');
console.log(
  h.sent
    .map((s) => `${(s.at - START) / 1000}s ${s.endpoint} ${s.endpoint.includes('batch') ? JSON.parse(String(s.query.batch)).length : ''}`)
    .join('\n'),
);
console.log(h.source.issues.counts(), JSON.stringify(h.run.health().map((x) => [x.stream, x.lastFailureCode])));
await h.stop();
