// The request pipeline's metrics (prom-client). Labels stay low-cardinality: platform, the
// declared endpoint name, an outcome from a closed set, a quota scope; never ids, URLs or
// credentials. Circuit and quota gauges are read from the requesters' health() at scrape time.
// One ConnectorMetrics per Registry (asking again returns the same one); requesters share it.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequesterHealth, ResponseVerdictKind } from './contracts.ts';

/** What one HTTP attempt ended as. */
export type AttemptOutcome =
  | 'ok'
  | 'not_modified'
  | 'auth_expired'
  | 'auth_revoked'
  | 'throttled'
  | 'quota_exhausted'
  | 'transient'
  | 'client'
  | 'malformed'
  | 'timeout'
  | 'network'
  | 'too_large';

export function outcomeOfVerdict(kind: ResponseVerdictKind): AttemptOutcome {
  return kind.replace('-', '_') as AttemptOutcome;
}

export type CacheResult = 'hit' | 'miss' | 'not_modified' | 'shared';

export interface ConnectorMetrics {
  readonly registry: Registry;
  attempt(platform: string, endpoint: string, outcome: AttemptOutcome, seconds: number): void;
  retry(platform: string, endpoint: string, reason: AttemptOutcome): void;
  cache(platform: string, result: CacheResult): void;
  /** A successful answer that was normalised rather than refused (e.g. duplicate_keys: the last value kept). */
  anomaly(platform: string, endpoint: string, kind: 'duplicate_keys'): void;
  /** Reports a requester's circuits and quotas on every scrape; returns the function that stops it. */
  track(platform: string, health: () => RequesterHealth): () => void;
}

const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;

const perRegistry = new WeakMap<Registry, ConnectorMetrics>();

/** The pipeline metrics on `registry` (a fresh Registry by default); the same object for the same registry. */
export function createConnectorMetrics(registry: Registry = new Registry()): ConnectorMetrics {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const tracked = new Set<{ platform: string; health: () => RequesterHealth }>();
  const requests = new Counter({
    name: 'tributary_connector_requests_total',
    help: 'HTTP attempts against platform APIs, by outcome (retries count as attempts).',
    labelNames: ['platform', 'endpoint', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tributary_connector_request_duration_seconds',
    help: 'Duration of one HTTP attempt, from sending to the whole body read.',
    labelNames: ['platform', 'endpoint'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'tributary_connector_retries_total',
    help: 'Attempts repeated after a throttled or transient answer, a timeout or a network error.',
    labelNames: ['platform', 'endpoint', 'reason'] as const,
    registers: [registry],
  });
  const cache = new Counter({
    name: 'tributary_connector_cache_total',
    help: 'Requests by how the cache answered: hit (TTL), miss (network), not_modified (304), shared (joined an in-flight call).',
    labelNames: ['platform', 'result'] as const,
    registers: [registry],
  });
  const anomalies = new Counter({
    name: 'tributary_connector_response_anomalies_total',
    help: 'Successful answers normalised instead of refused, by kind (duplicate_keys: an object repeated a key; the last value was kept).',
    labelNames: ['platform', 'endpoint', 'kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'tributary_connector_circuit_state',
    help: 'Circuit breakers per endpoint and state (one breaker per endpoint and credential).',
    labelNames: ['platform', 'endpoint', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { platform, health } of tracked) {
        const counts = new Map<string, number>();
        for (const circuit of health().circuits) {
          const endpoint = circuit.key.split('|', 1)[0]!;
          for (const state of CIRCUIT_STATES) counts.set(`${endpoint}\n${state}`, counts.get(`${endpoint}\n${state}`) ?? 0);
          counts.set(`${endpoint}\n${circuit.state}`, counts.get(`${endpoint}\n${circuit.state}`)! + 1);
        }
        for (const [key, count] of counts) {
          const [endpoint, state] = key.split('\n') as [string, string];
          this.set({ platform, endpoint, state }, count);
        }
      }
    },
  });
  new Gauge({
    name: 'tributary_connector_quota_used',
    help: 'Quota units used in the current window, per scope the quota ledger tracks.',
    labelNames: ['platform', 'scope'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { platform, health } of tracked)
        for (const quota of health().quotas) this.set({ platform, scope: quota.scope }, quota.used);
    },
  });
  new Gauge({
    name: 'tributary_connector_quota_remaining',
    help: 'Quota units left in the current window, per scope the quota ledger tracks.',
    labelNames: ['platform', 'scope'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { platform, health } of tracked) {
        for (const quota of health().quotas) this.set({ platform, scope: quota.scope }, Math.max(0, quota.limit - quota.used));
      }
    },
  });

  const metrics: ConnectorMetrics = {
    registry,
    attempt(platform, endpoint, outcome, seconds) {
      requests.inc({ platform, endpoint, outcome });
      duration.observe({ platform, endpoint }, seconds);
    },
    retry(platform, endpoint, reason) {
      retries.inc({ platform, endpoint, reason });
    },
    cache(platform, result) {
      cache.inc({ platform, result });
    },
    anomaly(platform, endpoint, kind) {
      anomalies.inc({ platform, endpoint, kind });
    },
    track(platform, health) {
      const entry = { platform, health };
      tracked.add(entry);
      return () => tracked.delete(entry);
    },
  };
  perRegistry.set(registry, metrics);
  return metrics;
}
