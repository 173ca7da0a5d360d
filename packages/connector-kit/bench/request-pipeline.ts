// What the request pipeline costs on top of a bare undici call, and what exact big integers cost
// the JSON parser. Run: npx node packages/connector-kit/bench/request-pipeline.ts
// A local HTTP server answers a 2 KB YouTube-like JSON body; no platform is involved.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { createRequester, definePlatformProfile, googleApiErrors, parseJsonText } from '../src/index.ts';

const CALLS = 5_000;
const item = (i: number) => ({
  kind: 'youtube#video',
  etag: 'abc',
  id: `vid${i}`,
  statistics: { viewCount: '123456', likeCount: '789', commentCount: '12' },
});
const payload = JSON.stringify({ items: Array.from({ length: 10 }, (_, i) => item(i)) });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(payload);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function measure(label: string, call: (i: number) => Promise<unknown>, concurrency: number): Promise<void> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CALLS) await call(next++);
    }),
  );
  const ms = performance.now() - start;
  process.stdout.write(
    `${label.padEnd(26)} in flight ${String(concurrency).padStart(2)}: ${Math.round(CALLS / (ms / 1000))} calls/s, ${Math.round((ms / CALLS) * 1000)} µs/call\n`,
  );
}

const agent = new Agent({ connections: 16 });
const requester = createRequester({ profile: definePlatformProfile({ platform: 'YOUTUBE', baseUrl: url, classify: googleApiErrors }) });
for (const concurrency of [1, 16]) {
  await measure(
    'undici + JSON.parse',
    async (i) => {
      const response = await request(`${url}/videos?id=${i}`, { dispatcher: agent });
      return JSON.parse(await response.body.text()) as unknown;
    },
    concurrency,
  );
  await measure(
    'requester',
    (i) => requester.request({ endpoint: 'videos.list', method: 'GET', path: '/videos', query: { id: i } }),
    concurrency,
  );
}
await requester.close();
await agent.close();
server.close();

const withUnsafeIds = JSON.stringify({
  data: Array.from({ length: 20_000 }, (_, i) => ({ id: `@${i}@`, like_count: i, caption: 'hello world' })),
}).replace(/"@(\d+)@"/g, (_match, i: string) => `1784140579318721${i.padStart(4, '0')}`);
const withoutLongNumbers = withUnsafeIds.replace(/1784140579318721/g, '17841');
for (const [label, text] of [
  ['no 16-digit runs', withoutLongNumbers],
  ['20,000 unsafe integers', withUnsafeIds],
] as const) {
  for (let warm = 0; warm < 3; warm++) parseJsonText(text);
  let start = performance.now();
  for (let i = 0; i < 20; i++) JSON.parse(text);
  const plain = (performance.now() - start) / 20;
  start = performance.now();
  for (let i = 0; i < 20; i++) parseJsonText(text);
  const exact = (performance.now() - start) / 20;
  process.stdout.write(
    `${label.padEnd(24)} ${(text.length / 1e6).toFixed(2)} MB: JSON.parse ${plain.toFixed(1)} ms, parseJsonText ${exact.toFixed(1)} ms\n`,
  );
}
