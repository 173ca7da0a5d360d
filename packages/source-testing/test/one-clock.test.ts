// One simulated time: both clocks move together through every due timer; the recording writer fails on demand.
import assert from 'node:assert/strict';
import { ManualClock } from '@tributary/connector-kit';
import { Counter, Registry } from 'prom-client';
import { RecordingWriter, advanceTogether, counterValue } from '../src/index.ts';

describe('source-testing', () => {
  it('advanceTogether fires the due timers in order with the simulator at the same time, and ends both at the target', async () => {
    const clock = new ManualClock(1_000);
    let simNow = 1_000;
    const seen: Array<[number, number]> = [];
    const sim = { now: () => simNow, setTime: async (time: number) => void (simNow = time) };
    for (const ms of [300, 100]) void clock.sleep(ms).then(() => seen.push([clock.now(), simNow]));
    let settles = 0;
    await advanceTogether(
      { clock, sim, settle: async () => void ((settles += 1), await new Promise((resolve) => setImmediate(resolve))) },
      500,
    );
    assert.deepEqual(seen, [
      [1_100, 1_100],
      [1_300, 1_300],
    ]);
    assert.equal(clock.now(), 1_500);
    assert.equal(simNow, 1_500);
    assert.ok(settles >= 4, 'settled before, after each timer and at the end');
  });

  it('RecordingWriter keeps values per topic and fails for a failing topic or failWith', async () => {
    const writer = new RecordingWriter();
    await writer.write([{ topic: 'a', key: 'k', value: { envelope: { event_id: 'e', entity_id: 'x', observation: 'o' } } }]);
    assert.equal(writer.of('a')[0]?.envelope.entity_id, 'x');
    assert.deepEqual(writer.on('b'), []);
    writer.failingTopics.add('b');
    await assert.rejects(writer.write([{ topic: 'b', key: 'k', value: {} }]), /writing to b failed/);
    writer.failWith = new Error('down');
    await assert.rejects(writer.write([{ topic: 'a', key: 'k', value: {} }]), /down/);
    assert.equal(writer.events.length, 1);
  });

  it('counterValue sums the values whose labels match (undefined matches any), 0 for an unknown metric', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'demo_total', help: 'demo', labelNames: ['outcome', 'endpoint'], registers: [registry] });
    counter.inc({ outcome: 'ok', endpoint: 'a' }, 2);
    counter.inc({ outcome: 'ok', endpoint: 'b' }, 3);
    counter.inc({ outcome: 'throttled', endpoint: 'a' });
    assert.equal(await counterValue(registry, 'demo_total', { outcome: 'ok', endpoint: undefined }), 5);
    assert.equal(await counterValue(registry, 'demo_total', { outcome: 'ok', endpoint: 'b' }), 3);
    assert.equal(await counterValue(registry, 'missing_total'), 0);
  });
});
