// Brings a fresh (or existing) stack up to the repository's contracts: every topic in the
// catalogue exists as declared, every event schema is registered with its compatibility level,
// and ClickHouse has every migration and retention setting. Run by `stack up` and the demo; the
// same steps as `topics apply`, `schemas register` and `migrate`.
import { applyContracts } from '@tributary/catalog';
import type { ClickHouseRetentionSettings } from '@tributary/clickhouse';
import type { ClickHouseSettings, KafkaSettings, RegistrySettings } from '@tributary/config';
import type { Logger } from '@tributary/telemetry';
import { runMigrations } from './commands/migrate.ts';

export interface ProvisionResult {
  topicsCreated: number;
  topicsChanged: number;
  topicsDeclared: number;
  schemasRegistered: number;
  subjects: number;
  migrationsApplied: number;
}

export interface ProvisionTargets {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  clickhouse: ClickHouseSettings & { retention: ClickHouseRetentionSettings };
}

export async function provisionContracts({ kafka, registry, clickhouse }: ProvisionTargets, logger: Logger): Promise<ProvisionResult> {
  const { topics, topicsDeclared, registrations } = await applyContracts({ kafka, registry }, logger);
  const migrations = await runMigrations(clickhouse, logger);
  return {
    migrationsApplied: migrations.applied.length,
    topicsCreated: topics.created.length,
    topicsChanged: topics.partitionsAdded.length + topics.configured.length,
    topicsDeclared,
    schemasRegistered: registrations.reduce((sum, r) => sum + r.registered.length, 0),
    subjects: registrations.length,
  };
}

export function describeProvision(result: ProvisionResult): string {
  return (
    `topics: ${result.topicsDeclared} declared, ${result.topicsCreated} created, ${result.topicsChanged} changed; ` +
    `schemas: ${result.subjects} subjects, ${result.schemasRegistered} versions registered; ` +
    `ClickHouse: ${result.migrationsApplied} migrations applied`
  );
}

/** Client settings pointed at the endpoints a local stack reports (its ports are configurable). */
export function stackEndpoints(
  configured: ProvisionTargets,
  endpoints: { kafkaBrokers: string; registryUrl: string; clickhouseUrl: string },
): ProvisionTargets {
  return {
    kafka: { ...configured.kafka, brokers: [endpoints.kafkaBrokers] },
    registry: { ...configured.registry, url: endpoints.registryUrl },
    clickhouse: { ...configured.clickhouse, url: endpoints.clickhouseUrl },
  };
}
