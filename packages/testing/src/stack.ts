// The stack integration tests run against, resolved once per test run in this order:
//   1. configured  - endpoints set explicitly (env or config file): use them as they are;
//   2. containers  - a Docker engine answers: Kafka, Apicurio and ClickHouse via testcontainers;
//   3. local       - otherwise: the local stack from deploy/local (started, or reused if running).
// The run prints which one it used. The repository's contracts (the topic catalogue and every
// event schema) are applied to it once, as `tributary stack up` does, so tests of services that
// produce to catalogue topics find their topics and subjects. Whatever this run started, it stops
// at the end (unless TRIBUTARY_TEST_KEEP_STACK=true for a local stack).
import { applyContracts } from '@tributary/catalog';
import { loadConfig } from '@tributary/config';
import type { ClickHouseSettings, KafkaSettings, RegistrySettings } from '@tributary/config';
import { stackUp, stackDown } from '@tributary/local-stack';
import { createLogger } from '@tributary/telemetry';
import { dockerEngineAnswers } from './docker.ts';
import { startContainerStack } from './containers.ts';
import { testHarnessSchema } from './spec.ts';
import type { StackChoice } from './spec.ts';

export interface TestStack {
  kind: Exclude<StackChoice, 'auto'>;
  kafka: KafkaSettings;
  registry: RegistrySettings;
  clickhouse: ClickHouseSettings;
  /** Environment for child processes (services, CLI) so they reach the same stack. */
  env: Record<string, string>;
}

let resolving: Promise<TestStack> | undefined;
let cleanup: (() => Promise<void>) | undefined;

/** The stack for this run; the first call starts or finds it, later calls share it. */
export function useTestStack(): Promise<TestStack> {
  resolving ??= resolveTestStack();
  return resolving;
}

/** Stops whatever useTestStack started. Registered as a mocha root hook. */
export async function releaseTestStack(): Promise<void> {
  const stop = cleanup;
  cleanup = undefined;
  resolving = undefined;
  if (stop) await stop();
}

function report(line: string): void {
  process.stdout.write(`  [test stack] ${line}\n`);
}

async function resolveTestStack(): Promise<TestStack> {
  const config = loadConfig(testHarnessSchema);
  const { test } = config.values;
  let kafka = { ...config.values.kafka, brokers: [...config.values.kafka.brokers] };
  let registry = { ...config.values.registry };
  let clickhouse = { ...config.values.clickhouse };
  let kind: TestStack['kind'];

  const explicit = config.isExplicit('kafka') || config.isExplicit('registry') || config.isExplicit('clickhouse');
  if (test.stack === 'configured' || (test.stack === 'auto' && explicit)) {
    kind = 'configured';
  } else if (test.stack === 'containers' || (test.stack === 'auto' && (await dockerEngineAnswers(test.dockerSocket)))) {
    kind = 'containers';
    report('starting Kafka, Apicurio Registry and ClickHouse containers (testcontainers)…');
    const containers = await startContainerStack();
    cleanup = containers.stop;
    kafka = { ...kafka, brokers: containers.brokers };
    registry = { ...registry, url: containers.registryUrl };
    clickhouse = { ...clickhouse, ...containers.clickhouse };
  } else {
    kind = 'local';
    report('no endpoints configured and no Docker engine: using the local stack (deploy/local)…');
    const logger = createLogger({ serviceName: 'test-stack', level: 'warn' });
    const result = await stackUp({ logger });
    if (result.started.length > 0 && !test.keepStack) {
      cleanup = () => stackDown({ components: result.started, logger });
    }
    kafka = { ...kafka, brokers: [result.endpoints.kafkaBrokers] };
    registry = { ...registry, url: result.endpoints.registryUrl };
    clickhouse = { ...clickhouse, url: result.endpoints.clickhouseUrl };
    report(`local stack: started [${result.started.join(', ')}], reused [${result.reused.join(', ')}]`);
  }

  report(`using ${kind}: Kafka ${kafka.brokers.join(',')} · registry ${registry.url} · ClickHouse ${clickhouse.url}`);
  const applied = await applyContracts({ kafka, registry }, createLogger({ serviceName: 'test-stack', level: 'warn' }));
  report(
    `contracts applied: ${applied.topics.created.length} of ${applied.topicsDeclared} catalogue topics created, ` +
      `${applied.registrations.reduce((sum, r) => sum + r.registered.length, 0)} schema versions registered`,
  );
  return {
    kind,
    kafka,
    registry,
    clickhouse,
    env: {
      TRIBUTARY_KAFKA_BROKERS: kafka.brokers.join(','),
      TRIBUTARY_REGISTRY_URL: registry.url,
      TRIBUTARY_CLICKHOUSE_URL: clickhouse.url,
      TRIBUTARY_CLICKHOUSE_USERNAME: clickhouse.username,
      TRIBUTARY_CLICKHOUSE_PASSWORD: clickhouse.password,
    },
  };
}
