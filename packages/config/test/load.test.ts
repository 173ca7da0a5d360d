import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@tributary/errors';
import { clickhouseSchema, describeSchema, kafkaSchema, loadConfig, registrySchema, telemetrySchema } from '../src/index.ts';

const schema = { kafka: kafkaSchema, registry: registrySchema, clickhouse: clickhouseSchema, telemetry: telemetrySchema('test-service') };

function tempJson(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('config/loadConfig', () => {
  it('returns embedded defaults that point at the local stack', () => {
    const { values, isExplicit } = loadConfig(schema, { env: {} });
    assert.deepEqual(values.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(values.registry.url, 'http://127.0.0.1:8081/apis/ccompat/v7');
    assert.equal(values.clickhouse.url, 'http://127.0.0.1:8123');
    assert.equal(values.telemetry.serviceName, 'test-service');
    assert.equal(isExplicit('kafka.brokers'), false);
  });

  it('reads the environment, coercing lists and numbers, and marks keys explicit', () => {
    const { values, isExplicit } = loadConfig(schema, {
      env: { TRIBUTARY_KAFKA_BROKERS: 'a:9092, b:9093', TRIBUTARY_KAFKA_REQUEST_TIMEOUT_MS: '500' },
    });
    assert.deepEqual(values.kafka.brokers, ['a:9092', 'b:9093']);
    assert.equal(values.kafka.requestTimeoutMs, 500);
    assert.equal(isExplicit('kafka.brokers'), true);
    assert.equal(isExplicit('kafka'), true);
    assert.equal(isExplicit('registry'), false);
  });

  it('lets the environment win over a config file, and the file over defaults', () => {
    const file = tempJson({ clickhouse: { url: 'https://ch.example:8443', database: 'analytics' } });
    const { values, isExplicit } = loadConfig(schema, { env: { TRIBUTARY_CLICKHOUSE_DATABASE: 'fromenv' }, files: [file] });
    assert.equal(values.clickhouse.url, 'https://ch.example:8443');
    assert.equal(values.clickhouse.database, 'fromenv');
    assert.equal(isExplicit('clickhouse.url'), true);
  });

  it('rejects unknown keys and bad formats, naming each problem', () => {
    const file = tempJson({ kafka: { brokerz: ['x:1'] } });
    assert.throws(
      () => loadConfig(schema, { env: { TRIBUTARY_CLICKHOUSE_URL: 'ftp://nope', TRIBUTARY_KAFKA_BROKERS: 'no-port' }, files: [file] }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.match(error.message, /clickhouse\.url/);
        assert.match(error.message, /kafka\.brokers/);
        assert.match(error.message, /brokerz/);
        return true;
      },
    );
  });

  it('fails clearly on a missing or malformed config file', () => {
    assert.throws(() => loadConfig(schema, { env: {}, files: ['/nonexistent/tributary.json'] }), { code: 'CONFIG_FILE_MISSING' });
    const file = join(mkdtempSync(join(tmpdir(), 'tributary-config-')), 'bad.json');
    writeFileSync(file, '{ not json');
    assert.throws(() => loadConfig(schema, { env: {}, files: [file] }), { code: 'CONFIG_FILE_INVALID' });
  });

  it('masks sensitive values in the redacted dump', () => {
    const { values, redacted } = loadConfig(schema, {
      env: { TRIBUTARY_CLICKHOUSE_PASSWORD: 'hunter2-canary', TRIBUTARY_KAFKA_SASL_PASSWORD: 'sasl-canary' },
    });
    assert.equal(values.clickhouse.password, 'hunter2-canary');
    const dump = JSON.stringify(redacted());
    assert.doesNotMatch(dump, /hunter2-canary|sasl-canary/);
    assert.match(dump, /Sensitive/);
  });

  it('applies overrides last and freezes the result', () => {
    const { values } = loadConfig(schema, { env: { TRIBUTARY_LOG_LEVEL: 'debug' }, overrides: { 'telemetry.logLevel': 'warn' } });
    assert.equal(values.telemetry.logLevel, 'warn');
    assert.throws(() => {
      (values.telemetry as { logLevel: string }).logLevel = 'info';
    }, TypeError);
  });

  it('describes every setting for the generated docs', () => {
    const rows = describeSchema(schema);
    const password = rows.find((row) => row.key === 'clickhouse.password');
    assert.ok(password);
    assert.equal(password.env, 'TRIBUTARY_CLICKHOUSE_PASSWORD');
    assert.equal(password.sensitive, true);
    assert.equal(password.default, '(secret)');
    assert.ok(
      rows.every((row) => row.doc.length > 0 && row.env !== undefined),
      'every setting has a doc and an env var',
    );
  });
});
