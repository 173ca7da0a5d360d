// Brings a cluster and a registry up to the repository's contracts: every topic in the catalogue
// exists as declared and every event schema is registered with its compatibility level. The same
// steps as `tributary topics apply` and `schemas register`; used by `stack up`, the demo and the
// test harness. ClickHouse migrations are the ClickHouse package's part.
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import { connectTopicAdmin, createRegistryAdmin } from '@tributary/kafka';
import type { Logger } from '@tributary/telemetry';
import { loadContract } from './contract.ts';
import { contractPaths } from './paths.ts';
import { registerSchemas, subjectSpecs } from './schema-registration.ts';
import type { Registration } from './schema-registration.ts';
import { applyTopics, readExistingTopics } from './topic-apply.ts';
import type { ApplyResult } from './topic-apply.ts';
import { loadCatalogue } from './topic-catalogue.ts';
import { planTopics } from './topic-plan.ts';

export interface AppliedContracts {
  topics: ApplyResult;
  topicsDeclared: number;
  registrations: Registration[];
}

export async function applyContracts(
  targets: { kafka: KafkaSettings; registry: RegistrySettings },
  logger: Logger,
): Promise<AppliedContracts> {
  const paths = contractPaths();
  const catalogue = loadCatalogue(paths);
  const admin = await connectTopicAdmin(targets.kafka, logger);
  let topics: ApplyResult;
  try {
    const existing = await readExistingTopics(admin, catalogue.topics, catalogue.namespaces);
    // applyTopics refuses unsafe plans (fewer partitions, another cleanup policy) with TOPICS_UNSAFE_CHANGE.
    topics = await applyTopics(admin, planTopics(existing, catalogue.topics, catalogue.namespaces));
  } finally {
    await admin.close();
  }
  const registrations = await registerSchemas(createRegistryAdmin(targets.registry), subjectSpecs(loadContract(paths)));
  return { topics, topicsDeclared: catalogue.topics.length, registrations };
}
