// The runSourceService options of source-instagram: the declaration, the request pipeline (profile, OAuth refresh
// of Instagram Login tokens, Meta usage quota) and the webhook route. Tests run the same wiring against the simulator.
import {
  createConnectorMetrics,
  createCredentialStore,
  createOAuthAuthenticator,
  createQuotaLedger,
  createRequester,
  parseSeedCredentials,
} from '@tributary/connector-kit';
import type { Clock, Requester, RequesterDependencies, RetryOptions, RunSourceServiceOptions } from '@tributary/connector-kit';
import { instagramProfile, instagramQuotaPolicies, instagramRefreshSpec } from './profile.ts';
import { createInstagramSource } from './source.ts';
import type { InstagramSource } from './source.ts';
import type { InstagramSourceSettings } from './spec.ts';
import { instagramWebhookRoute } from './webhooks.ts';
import { insightsCadence } from './source.ts';

/** The request pipeline: Graph profile, OAuth refresh of Instagram Login tokens, Meta usage quota. */
export function createInstagramRequester(
  values: Pick<InstagramSourceSettings, 'instagram' | 'credentials'>,
  dependencies: RequesterDependencies & { retry?: RetryOptions },
): Requester {
  const { logger, clock } = dependencies;
  const ig = values.instagram;
  return createRequester({
    profile: instagramProfile({ baseUrl: ig.apiBaseUrl, apiVersion: ig.apiVersion }),
    authenticator: createOAuthAuthenticator({
      platform: 'INSTAGRAM',
      credentials: parseSeedCredentials(ig.seedCredentials, 'instagram.seedCredentials'),
      refresh: instagramRefreshSpec(ig),
      store: createCredentialStore(values.credentials),
      clock,
      logger,
      refreshSkewMs: ig.refreshSkewMs,
    }),
    quota: createQuotaLedger({
      platform: 'INSTAGRAM',
      policies: instagramQuotaPolicies({ pauseAtPercent: ig.usagePauseAtPercent }),
      clock,
      logger,
    }),
    metrics: createConnectorMetrics(dependencies.registry),
    clock,
    logger,
    ...(dependencies.retry ? { retry: dependencies.retry } : {}),
  });
}

export function createInstagramService(
  loadSettings: () => InstagramSourceSettings,
  options: { clock?: Clock } = {},
): RunSourceServiceOptions<InstagramSourceSettings> & { source: InstagramSource } {
  const settings = loadSettings();
  const source = createInstagramSource(settings.instagram);
  return {
    source,
    declaration: source.declaration,
    loadSettings: () => settings,
    ...(options.clock ? { clock: options.clock } : {}),
    createRequester: (values, dependencies) => {
      source.issues.attach(dependencies.registry, dependencies.logger);
      return createInstagramRequester(values, dependencies);
    },
    webhooks: (values, { logger, writer, run }) =>
      values.instagram.appSecret === ''
        ? []
        : [
            instagramWebhookRoute({
              source: source.declaration.name,
              appSecret: values.instagram.appSecret,
              verifyToken: values.instagram.verifyToken,
              apiVersion: values.instagram.apiVersion,
              snapshotBucketMs: insightsCadence(values.instagram).minIntervalMs,
              issues: source.issues,
              read: source.read,
              ourMedia: source.ourMedia,
              writer,
              run,
              logger,
            }),
          ],
  };
}
