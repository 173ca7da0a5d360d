// Sessions: one query at a time per session, as on a server — but a query counts as finished once
// its answer is sent. A client sends the next query of a session as soon as it has read the
// answer, while the server may still be restoring per-query settings; that query waits for the
// cleanup instead of failing with SESSION_IS_LOCKED (seen on a loaded CI machine).
import assert from 'node:assert/strict';
import type { Engine, EngineConnection } from '../src/engine.ts';
import { Sessions } from '../src/sessions.ts';

function fakeEngine(): Engine & { opened: number; closed: number } {
  const engine = {
    opened: 0,
    closed: 0,
    connect(): EngineConnection {
      engine.opened += 1;
      return { close: () => void (engine.closed += 1) } as unknown as EngineConnection;
    },
  };
  return engine as unknown as Engine & { opened: number; closed: number };
}

const request = (id: string) => ({ id, timeoutSeconds: undefined, check: false, close: false });

describe('clickhouse-embedded: sessions', () => {
  it('refuses a second query while the first is still answering', async () => {
    const sessions = new Sessions(fakeEngine());
    const first = await sessions.acquire(request('a'));
    await assert.rejects(sessions.acquire(request('a')), /locked by a concurrent client/);
    first.release();
    (await sessions.acquire(request('a'))).release();
    sessions.closeAll();
  });

  it('lets the next query wait for the cleanup of one that has answered, on the same connection', async () => {
    const engine = fakeEngine();
    const sessions = new Sessions(engine);
    const first = await sessions.acquire(request('b'));
    first.answered();
    let second: Awaited<ReturnType<Sessions['acquire']>> | undefined;
    const waiting = sessions.acquire(request('b')).then((lease) => (second = lease));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(second, undefined, 'still waiting while the first cleans up');
    first.release();
    await waiting;
    assert.equal(second!.connection, first.connection, 'the session keeps its connection');
    assert.equal(engine.opened, 1);
    // Two waiters: the first takes the session, the other is refused as concurrent.
    second!.answered();
    const both = Promise.allSettled([sessions.acquire(request('b')), sessions.acquire(request('b'))]);
    second!.release();
    const [taken, refused] = await both;
    assert.equal(taken.status, 'fulfilled');
    assert.equal(refused.status, 'rejected');
    assert.match(String((refused as PromiseRejectedResult).reason), /locked by a concurrent client/);
    (taken as PromiseFulfilledResult<Awaited<ReturnType<Sessions['acquire']>>>).value.release();
    sessions.closeAll();
  });
});
