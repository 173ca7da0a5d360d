// The containers path of the test stack, for machines with a Docker engine: the same three
// services as the local stack, from images. Images are pinned to the versions the local
// stack runs (docker-compose.yml uses the same tags).
import { GenericContainer, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { KafkaContainer } from '@testcontainers/kafka';
import { ClickHouseContainer } from '@testcontainers/clickhouse';

export const CONTAINER_IMAGES = {
  kafka: 'confluentinc/cp-kafka:8.1.0', // Kafka 4.1 in KRaft mode; the module's supported image family
  registry: 'apicurio/apicurio-registry:3.0.9',
  clickhouse: 'clickhouse/clickhouse-server:26.3',
} as const;

export interface ContainerStack {
  brokers: string[];
  registryUrl: string;
  clickhouse: { url: string; username: string; password: string };
  stop(): Promise<void>;
}

export async function startContainerStack(): Promise<ContainerStack> {
  const started: StartedTestContainer[] = [];
  try {
    const [kafka, registry, clickhouse] = await Promise.all([
      new KafkaContainer(CONTAINER_IMAGES.kafka).withKraft().start(),
      new GenericContainer(CONTAINER_IMAGES.registry)
        .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forHttp('/health/ready', 8080))
        .start(),
      new ClickHouseContainer(CONTAINER_IMAGES.clickhouse).start(),
    ]);
    started.push(kafka, registry, clickhouse);
    return {
      brokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      clickhouse: { url: clickhouse.getHttpUrl(), username: clickhouse.getUsername(), password: clickhouse.getPassword() },
      stop: async () => {
        await Promise.all(started.map((container) => container.stop()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((container) => container.stop()));
    throw error;
  }
}
