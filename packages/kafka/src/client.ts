// kafkajs factory. The rest of Tributary never imports kafkajs directly (issue: kafkajs is
// unmaintained since 2023, so the client must stay swappable behind this package).
import { Kafka, Partitioners, logLevel as KafkaLogLevel } from 'kafkajs';
import type { KafkaConfig, logCreator, SASLOptions } from 'kafkajs';
import type { KafkaSettings } from '@tributary/config';
import type { Logger } from '@tributary/telemetry';

export type { Kafka } from 'kafkajs';

// kafkajs logs connection churn at info/error; keep only warnings and worse unless debugging.
// Its protocol layer logs every error response ("Response InitProducerId…: coordinator is
// loading") at ERROR before retrying it; those are debug detail: what is not recovered surfaces
// as a thrown error that the caller reports.
function bridgeLogs(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...fields } = log;
      const text = `Kafka client: ${String(message)}`;
      if (String(message).startsWith('Response ')) logger.debug({ kafka: fields }, text);
      else if (level === KafkaLogLevel.ERROR) logger.error({ kafka: fields }, text);
      else if (level === KafkaLogLevel.WARN) logger.warn({ kafka: fields }, text);
      else logger.debug({ kafka: fields }, text);
    };
}

function sasl(settings: KafkaSettings): SASLOptions | undefined {
  const { mechanism, username, password } = settings.sasl;
  if (mechanism === '') return undefined;
  return { mechanism, username, password } as SASLOptions;
}

export function createKafka(settings: KafkaSettings, clientName: string, logger: Logger): Kafka {
  const saslOptions = sasl(settings);
  const config: KafkaConfig = {
    clientId: `${settings.clientId}-${clientName}`,
    brokers: [...settings.brokers],
    ssl: settings.ssl,
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    logLevel: KafkaLogLevel.WARN,
    logCreator: bridgeLogs(logger.child({ component: 'kafka' })),
    ...(saslOptions ? { sasl: saslOptions } : {}),
  };
  return new Kafka(config);
}

/**
 * The partitioner every Tributary producer uses: murmur2, as the Java client's default, so a key
 * lands on the same partition whichever client produced it (per-entity ordering depends on it).
 */
export const javaCompatiblePartitioner = Partitioners.DefaultPartitioner;
