// Schema fragments. A service composes the ones it needs into its own schema:
//   const schema = { kafka: kafkaSchema, registry: registrySchema, telemetry: telemetrySchema('sink-clickhouse') };
// Every leaf has doc, format, default and env; secrets are marked sensitive so dumps mask them.
// Names are nouns with units (requestTimeoutMs), never repeating the parent (kafka.brokers).
import type convict from 'convict';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: { mechanism: '' | 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export const kafkaSchema: convict.Schema<KafkaSettings> = {
  brokers: {
    doc: 'Kafka bootstrap brokers, host:port, comma-separated in the environment.',
    format: 'broker-list',
    default: ['127.0.0.1:9092'],
    env: 'TRIBUTARY_KAFKA_BROKERS',
  },
  clientId: {
    doc: 'Kafka client id prefix; the service name is appended.',
    format: String,
    default: 'tributary',
    env: 'TRIBUTARY_KAFKA_CLIENT_ID',
  },
  ssl: { doc: 'Connect to the brokers over TLS.', format: Boolean, default: false, env: 'TRIBUTARY_KAFKA_SSL' },
  sasl: {
    mechanism: {
      doc: 'SASL mechanism; empty for none.',
      format: ['', 'plain', 'scram-sha-256', 'scram-sha-512'],
      default: '',
      env: 'TRIBUTARY_KAFKA_SASL_MECHANISM',
    },
    username: { doc: 'SASL user name.', format: String, default: '', env: 'TRIBUTARY_KAFKA_SASL_USERNAME' },
    password: { doc: 'SASL password.', format: String, default: '', env: 'TRIBUTARY_KAFKA_SASL_PASSWORD', sensitive: true },
  },
  connectionTimeoutMs: {
    doc: 'Time to establish a broker connection.',
    format: 'positive-int',
    default: 3000,
    env: 'TRIBUTARY_KAFKA_CONNECTION_TIMEOUT_MS',
  },
  requestTimeoutMs: {
    doc: 'Time to wait for a broker response.',
    format: 'positive-int',
    default: 30000,
    env: 'TRIBUTARY_KAFKA_REQUEST_TIMEOUT_MS',
  },
};

export interface RegistrySettings {
  url: string;
  username: string;
  password: string;
  requestTimeoutMs: number;
}

export const registrySchema: convict.Schema<RegistrySettings> = {
  url: {
    doc: 'Confluent-API schema registry base URL (Apicurio: .../apis/ccompat/v7).',
    format: 'http-url',
    default: 'http://127.0.0.1:8081/apis/ccompat/v7',
    env: 'TRIBUTARY_REGISTRY_URL',
  },
  username: { doc: 'Registry basic-auth user; empty for none.', format: String, default: '', env: 'TRIBUTARY_REGISTRY_USERNAME' },
  password: { doc: 'Registry basic-auth password.', format: String, default: '', env: 'TRIBUTARY_REGISTRY_PASSWORD', sensitive: true },
  requestTimeoutMs: {
    doc: 'Time to wait for a registry response.',
    format: 'positive-int',
    default: 10000,
    env: 'TRIBUTARY_REGISTRY_REQUEST_TIMEOUT_MS',
  },
};

export interface ClickHouseSettings {
  url: string;
  username: string;
  password: string;
  database: string;
  requestTimeoutMs: number;
}

export const clickhouseSchema: convict.Schema<ClickHouseSettings> = {
  url: {
    doc: "ClickHouse HTTP(S) endpoint: a ClickHouse server, or the local stack's embedded engine.",
    format: 'http-url',
    default: 'http://127.0.0.1:8123',
    env: 'TRIBUTARY_CLICKHOUSE_URL',
  },
  username: { doc: 'ClickHouse user.', format: String, default: 'default', env: 'TRIBUTARY_CLICKHOUSE_USERNAME' },
  password: { doc: 'ClickHouse password.', format: String, default: '', env: 'TRIBUTARY_CLICKHOUSE_PASSWORD', sensitive: true },
  database: { doc: "Database that holds Tributary's tables.", format: String, default: 'default', env: 'TRIBUTARY_CLICKHOUSE_DATABASE' },
  requestTimeoutMs: {
    doc: 'Time to wait for a ClickHouse response.',
    format: 'positive-int',
    default: 30000,
    env: 'TRIBUTARY_CLICKHOUSE_REQUEST_TIMEOUT_MS',
  },
};

export interface HttpSettings {
  host: string;
  port: number;
  maxBodyBytes: number;
}

/** The service's own HTTP listener (health, metrics, webhooks). Each service picks its default port. */
export function httpSchema(defaultPort: number, envPrefix = 'TRIBUTARY_HTTP'): convict.Schema<HttpSettings> {
  return {
    host: {
      doc: 'Interface to bind; loopback unless deployed behind a proxy.',
      format: String,
      default: '127.0.0.1',
      env: `${envPrefix}_HOST`,
    },
    port: { doc: 'Port to bind; 0 picks a free port.', format: 'port', default: defaultPort, env: `${envPrefix}_PORT` },
    maxBodyBytes: {
      doc: 'Largest request body accepted before any work is done.',
      format: 'positive-int',
      default: 1_048_576,
      env: `${envPrefix}_MAX_BODY_BYTES`,
    },
  };
}

export interface TelemetrySettings {
  serviceName: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  otlpEndpoint: string;
}

export function telemetrySchema(serviceName: string): convict.Schema<TelemetrySettings> {
  return {
    serviceName: { doc: 'Service name in logs, traces and metrics.', format: String, default: serviceName, env: 'TRIBUTARY_SERVICE_NAME' },
    logLevel: {
      doc: 'Minimum log level.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'TRIBUTARY_LOG_LEVEL',
    },
    otlpEndpoint: {
      doc: 'OTLP/HTTP endpoint for traces (e.g. http://127.0.0.1:4318); empty keeps traces in-process (ids still reach logs).',
      format: 'optional-http-url',
      default: '',
      env: 'TRIBUTARY_OTLP_ENDPOINT',
    },
  };
}
