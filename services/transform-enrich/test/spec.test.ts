import assert from 'node:assert/strict';
import type { TributaryError } from '@tributary/errors';
import { DEFAULT_HTTP_PORT, enrichOptionsOf, loadEnrichSettings } from '../src/index.ts';

describe('transform-enrich settings', () => {
  it('defaults: group transform-enrich, health port 9470, 16 snapshots, no transforms', () => {
    const settings = loadEnrichSettings({ env: {} });
    assert.equal(settings.processor.groupId, 'transform-enrich');
    assert.equal(settings.http.port, DEFAULT_HTTP_PORT);
    assert.equal(DEFAULT_HTTP_PORT, 9470);
    assert.equal(settings.enrich.historyDepth, 16);
    assert.equal(settings.enrich.transformsFile, '');
    assert.equal(settings.telemetry.serviceName, 'transform-enrich');
  });

  it('reads TRIBUTARY_ENRICH_* from the environment', () => {
    const settings = loadEnrichSettings({
      env: {
        TRIBUTARY_ENRICH_HISTORY_DEPTH: '4',
        TRIBUTARY_ENRICH_TRANSFORMS_FILE: '/etc/tributary/transforms.yaml',
        TRIBUTARY_ENRICH_HTTP_PORT: '0',
        TRIBUTARY_ENRICH_TOPIC_OVERRIDES: 'social.raw.posts=staging.raw.posts',
      },
    });
    assert.equal(settings.enrich.historyDepth, 4);
    assert.equal(settings.enrich.transformsFile, '/etc/tributary/transforms.yaml');
    assert.equal(settings.http.port, 0);
    assert.deepEqual(settings.processor.topicOverrides, ['social.raw.posts=staging.raw.posts']);
  });

  it('refuses invalid values', () => {
    assert.throws(
      () => loadEnrichSettings({ env: { TRIBUTARY_ENRICH_HISTORY_DEPTH: '0' } }),
      (error: unknown) => (error as TributaryError).code === 'CONFIG_INVALID',
    );
    const settings = loadEnrichSettings({ env: { TRIBUTARY_ENRICH_LANGUAGE_AMBIGUITY_MARGIN: '1.5' } });
    assert.throws(
      () => enrichOptionsOf(settings),
      (error: unknown) => (error as TributaryError).code === 'ENRICH_SETTINGS_INVALID',
    );
  });
});
