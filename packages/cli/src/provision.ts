// Brings a fresh (or existing) stack up to the repository's contracts: every topic in the
// catalogue exists as declared, and every event schema is registered with its compatibility
// level. Run by `stack up` and the demo; the same steps as `topics apply` and `schemas register`.
import {
  applyTopics,
  contractPaths,
  loadCatalogue,
  loadContract,
  planTopics,
  readExistingTopics,
  registerSchemas,
  subjectSpecs,
} from '@tributary/catalog';
import { connectTopicAdmin, createRegistryAdmin } from '@tributary/kafka';
import type { KafkaSettings, RegistrySettings } from '@tributary/config';
import type { Logger } from '@tributary/telemetry';

export interface ProvisionResult {
  topicsCreated: number;
  topicsChanged: number;
  topicsDeclared: number;
  schemasRegistered: number;
  subjects: number;
}

export async function provisionContracts(kafka: KafkaSettings, registry: RegistrySettings, logger: Logger): Promise<ProvisionResult> {
  const paths = contractPaths();
  const catalogue = loadCatalogue(paths);
  const admin = await connectTopicAdmin(kafka, logger);
  let topics;
  try {
    const existing = await readExistingTopics(admin, catalogue.topics, catalogue.namespaces);
    // applyTopics refuses unsafe plans (fewer partitions, another cleanup policy) with TOPICS_UNSAFE_CHANGE.
    topics = await applyTopics(admin, planTopics(existing, catalogue.topics, catalogue.namespaces));
  } finally {
    await admin.close();
  }
  const registrations = await registerSchemas(createRegistryAdmin(registry), subjectSpecs(loadContract(paths)));
  return {
    topicsCreated: topics.created.length,
    topicsChanged: topics.partitionsAdded.length + topics.configured.length,
    topicsDeclared: catalogue.topics.length,
    schemasRegistered: registrations.reduce((sum, r) => sum + r.registered.length, 0),
    subjects: registrations.length,
  };
}

export function describeProvision(result: ProvisionResult): string {
  return (
    `topics: ${result.topicsDeclared} declared, ${result.topicsCreated} created, ${result.topicsChanged} changed; ` +
    `schemas: ${result.subjects} subjects, ${result.schemasRegistered} versions registered`
  );
}

/** Client settings pointed at the endpoints a local stack reports (its ports are configurable). */
export function stackEndpoints(
  configured: { kafka: KafkaSettings; registry: RegistrySettings },
  endpoints: { kafkaBrokers: string; registryUrl: string },
): [KafkaSettings, RegistrySettings] {
  return [
    { ...configured.kafka, brokers: [endpoints.kafkaBrokers] },
    { ...configured.registry, url: endpoints.registryUrl },
  ];
}
