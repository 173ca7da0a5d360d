// Shared setup for quota ledger tests: a ledger on a TestClock with a log capture, and a
// tracker that records when each acquire was admitted.
import { createLogger } from '@tributary/telemetry';
import type { Platform } from '@tributary/events';
import type { QuotaCall, RequestPriority } from '../../src/contracts.ts';
import { createQuotaLedger } from '../../src/quota/ledger.ts';
import type { QuotaPolicy } from '../../src/quota/ledger.ts';
import { TestClock } from './test-clock.ts';

export function setup(platform: Platform, policies: QuotaPolicy[], start: number | string = '2026-11-24T00:00:00Z') {
  const clock = new TestClock(start);
  const lines: string[] = [];
  const logger = createLogger({ serviceName: 'quota-test', level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const ledger = createQuotaLedger({ platform, policies, clock, logger });
  const admitted: Array<{ label: string; at: number }> = [];
  const rejected: Array<{ label: string; reason: unknown }> = [];
  const acquire = (label: string, call: Partial<QuotaCall> & { endpoint: string }, signal?: AbortSignal) => {
    const full: QuotaCall = { cost: 1, priority: 'fresh' as RequestPriority, ...call };
    return ledger.acquire(full, signal).then(
      () => void admitted.push({ label, at: clock.now() }),
      (reason: unknown) => void rejected.push({ label, reason }),
    );
  };
  const logMessages = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { clock, ledger, admitted, rejected, acquire, lines, logMessages };
}
