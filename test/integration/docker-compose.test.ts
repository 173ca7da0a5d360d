// docker-compose.yml cannot run on machines without a Docker engine, so this test keeps it
// honest statically: the services exist, host ports bind loopback and match Tributary's
// default configuration, and the platform services point at the in-network endpoints.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { clickhouseSchema, kafkaSchema, loadConfig, registrySchema, repoRoot } from '@tributary/config';
import { CONTAINER_IMAGES } from '@tributary/testing';

interface ComposeService {
  image?: string;
  ports?: string[];
  environment?: Record<string, string | number>;
  command?: string[];
  volumes?: string[];
  build?: { dockerfile: string };
}

const root = repoRoot();
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const defaults = loadConfig({ kafka: kafkaSchema, registry: registrySchema, clickhouse: clickhouseSchema }, { env: {} }).values;

function hostPorts(service: ComposeService): Map<number, number> {
  const map = new Map<number, number>();
  for (const spec of service.ports ?? []) {
    const match = /^127\.0\.0\.1:(\d+):(\d+)$/.exec(spec);
    assert.ok(match, `port "${spec}" must bind 127.0.0.1 explicitly`);
    map.set(Number(match[1]), Number(match[2]));
  }
  return map;
}

describe('docker-compose.yml', () => {
  it('declares the stack and observability services', () => {
    for (const name of ['kafka', 'schema-registry', 'clickhouse', 'jaeger', 'prometheus', 'grafana']) {
      assert.ok(compose.services[name], `service ${name} is declared`);
    }
  });

  it('binds every published port to loopback', () => {
    for (const service of Object.values(compose.services)) hostPorts(service);
  });

  it('publishes Kafka, the registry and ClickHouse on the ports of the default configuration', () => {
    const brokerPort = Number(defaults.kafka.brokers[0]?.split(':')[1]);
    assert.ok(hostPorts(compose.services.kafka!).has(brokerPort), `kafka publishes ${brokerPort}`);
    assert.match(String(compose.services.kafka!.environment?.KAFKA_ADVERTISED_LISTENERS), new RegExp(`127\\.0\\.0\\.1:${brokerPort}`));

    const registryUrl = new URL(defaults.registry.url);
    const registryPorts = hostPorts(compose.services['schema-registry']!);
    assert.ok(registryPorts.has(Number(registryUrl.port)), `schema-registry publishes ${registryUrl.port}`);
    assert.equal(registryUrl.pathname, '/apis/ccompat/v7');

    const clickhouseUrl = new URL(defaults.clickhouse.url);
    assert.ok(hostPorts(compose.services.clickhouse!).has(Number(clickhouseUrl.port)), `clickhouse publishes ${clickhouseUrl.port}`);
  });

  it('uses the same images as the testcontainers path', () => {
    assert.equal(compose.services['schema-registry']!.image, CONTAINER_IMAGES.registry);
    assert.equal(compose.services.clickhouse!.image, CONTAINER_IMAGES.clickhouse);
  });

  it('points platform services at in-network endpoints that exist', () => {
    const platform = Object.entries(compose.services).filter(([, service]) => service.build);
    assert.ok(platform.length > 0, 'at least one platform service');
    for (const [name, service] of platform) {
      const env = service.environment ?? {};
      const broker = String(env.TRIBUTARY_KAFKA_BROKERS);
      assert.match(
        String(compose.services.kafka!.environment?.KAFKA_ADVERTISED_LISTENERS),
        new RegExp(broker.replace('.', '\\.')),
        `${name}: ${broker} is advertised`,
      );
      for (const key of ['TRIBUTARY_REGISTRY_URL', 'TRIBUTARY_CLICKHOUSE_URL', 'TRIBUTARY_OTLP_ENDPOINT']) {
        const host = new URL(String(env[key])).hostname;
        assert.ok(compose.services[host], `${name}: ${key} points at service ${host}`);
      }
      assert.ok(existsSync(join(root, service.build!.dockerfile)), `${name}: Dockerfile exists`);
      const entry = service.command?.[1];
      if (entry) assert.ok(existsSync(join(root, entry)), `${name}: entry ${entry} exists`);
    }
  });

  it('mounts provisioning files that exist', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) assert.ok(existsSync(join(root, source)), `${source} exists`);
      }
    }
  });
});
