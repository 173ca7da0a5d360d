import assert from 'node:assert/strict';
import { ExponentialBackoff, noJitterGenerator } from 'cockatiel';
import { ManualClock } from '../src/clock.ts';
import { CircuitBreakers, RetrySchedule } from '../src/resilience.ts';

describe('RetrySchedule', () => {
  it('draws full-jitter delays below an exponentially growing bound, capped by maxDelayMs', () => {
    for (let run = 0; run < 50; run++) {
      const schedule = new RetrySchedule({ initialDelayMs: 100, maxDelayMs: 1_000 });
      const bounds = [100, 200, 400, 800, 1_000, 1_000];
      for (const bound of bounds) {
        const delay = schedule.nextDelay();
        assert.ok(delay >= 0 && delay < bound, `delay ${delay} not in [0, ${bound})`);
      }
    }
  });

  it('uses Retry-After as a floor, capped by maxRetryAfterMs', () => {
    const schedule = new RetrySchedule({ initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 });
    assert.equal(schedule.nextDelay(3_000), 3_000);
    assert.equal(schedule.nextDelay(3_600_000), 5_000);
  });
});

describe('CircuitBreakers', () => {
  it('grows the half-open delay with a backoff factory and reports state changes', () => {
    const clock = new ManualClock(0);
    const changes: string[] = [];
    const breakers = new CircuitBreakers(
      clock,
      {
        consecutiveFailures: 1,
        halfOpenAfterMs: new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 1_000, maxDelay: 60_000 }),
      },
      { onStateChange: (key, from, to) => changes.push(`${key}:${from}->${to}`) },
    );
    breakers.admit('e|c').failure();
    assert.throws(() => breakers.admit('e|c'), { code: 'CONNECTOR_CIRCUIT_OPEN' });
    clock.advance(1_000);
    breakers.admit('e|c').failure(); // the trial fails: open again, for longer
    clock.advance(1_000);
    assert.throws(
      () => breakers.admit('e|c'),
      (error: { details: { retryAfterMs: number } }) => error.details.retryAfterMs === 1_000,
    );
    clock.advance(1_000);
    breakers.admit('e|c').success();
    assert.deepEqual(changes, [
      'e|c:closed->open',
      'e|c:open->half-open',
      'e|c:half-open->open',
      'e|c:open->half-open',
      'e|c:half-open->closed',
    ]);
  });

  it('a released trial (aborted call) lets the next call try instead', () => {
    const clock = new ManualClock(0);
    const breakers = new CircuitBreakers(clock, { consecutiveFailures: 1, halfOpenAfterMs: 10 });
    breakers.admit('k').failure();
    clock.advance(10);
    breakers.admit('k').release();
    assert.equal(breakers.states()[0]?.state, 'half-open');
    breakers.admit('k').success();
    assert.equal(breakers.states()[0]?.state, 'closed');
  });
});
