import type convict from 'convict';
import { clickhouseSchema, kafkaSchema, registrySchema } from '@tributary/config';
import type { ClickHouseSettings, KafkaSettings, RegistrySettings } from '@tributary/config';

export type StackChoice = 'auto' | 'configured' | 'containers' | 'local';

export interface TestHarnessSettings {
  test: { stack: StackChoice; keepStack: boolean; dockerSocket: string };
  kafka: KafkaSettings;
  registry: RegistrySettings;
  clickhouse: ClickHouseSettings;
}

export const testHarnessSchema: convict.Schema<TestHarnessSettings> = {
  test: {
    stack: {
      doc: 'Which stack integration tests use. auto: configured endpoints if any are set, else containers when a Docker engine answers, else the local stack.',
      format: ['auto', 'configured', 'containers', 'local'],
      default: 'auto',
      env: 'TRIBUTARY_TEST_STACK',
    },
    keepStack: {
      doc: 'Leave a local stack that the tests started running afterwards (faster re-runs).',
      format: Boolean,
      default: false,
      env: 'TRIBUTARY_TEST_KEEP_STACK',
    },
    dockerSocket: {
      doc: 'Docker engine socket probed in auto mode.',
      format: String,
      default: '/var/run/docker.sock',
      env: 'TRIBUTARY_TEST_DOCKER_SOCKET',
    },
  },
  kafka: kafkaSchema,
  registry: registrySchema,
  clickhouse: clickhouseSchema,
};
