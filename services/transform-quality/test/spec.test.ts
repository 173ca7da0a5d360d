// transform-quality settings: defaults, the environment, and the checks formats cannot express.
import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import { DEFAULT_RULE_SETTINGS, loadQualitySettings } from '../src/index.ts';

describe('transform-quality settings', () => {
  it('defaults: group transform-quality, health port 9474, the documented tolerances', () => {
    const settings = loadQualitySettings({ env: {}, files: [] });
    assert.equal(settings.processor.groupId, 'transform-quality');
    assert.equal(settings.http.port, 9474);
    assert.equal(settings.telemetry.serviceName, 'transform-quality');
    assert.deepEqual(settings.quality, DEFAULT_RULE_SETTINGS);
  });

  it('reads TRIBUTARY_QUALITY_* from the environment, numbers included', () => {
    const settings = loadQualitySettings({
      env: {
        TRIBUTARY_QUALITY_ANOMALY_THRESHOLD: '4.5',
        TRIBUTARY_QUALITY_ANOMALY_WINDOW_SAMPLES: '32',
        TRIBUTARY_QUALITY_COUNTER_DECREASE_RATIO: '0.02',
        TRIBUTARY_QUALITY_HTTP_PORT: '0',
        TRIBUTARY_QUALITY_TOPIC_OVERRIDES: 'social.enriched.posts=test.posts',
      },
      files: [],
    });
    assert.equal(settings.quality.anomaly.threshold, 4.5);
    assert.equal(settings.quality.anomaly.windowSamples, 32);
    assert.equal(settings.quality.counterDecreaseRatio, 0.02);
    assert.equal(settings.http.port, 0);
    assert.deepEqual(settings.processor.topicOverrides, ['social.enriched.posts=test.posts']);
  });

  it('refuses a baseline that could never judge and a ratio of 1 or more, naming both', () => {
    assert.throws(
      () =>
        loadQualitySettings({
          env: { TRIBUTARY_QUALITY_ANOMALY_MIN_SAMPLES: '100', TRIBUTARY_QUALITY_COUNTER_DECREASE_RATIO: '1.5' },
          files: [],
        }),
      (error: unknown) =>
        isTributaryError(error) &&
        error.failureType === 'config' &&
        error.message.includes('minSamples') &&
        error.message.includes('counterDecreaseRatio'),
    );
  });
});
