// The main job on embedded defaults (`npm run demo`): the whole pipeline on one machine.
//
//   simulators (in this process) ─► source-tiktok · source-instagram · source-youtube
//     ─► social.raw.* ─► transform-enrich ─► social.enriched.* ─► transform-quality
//     ─► social.curated.* / social.quarantine.* ─► sink-clickhouse ─► ClickHouse
//
// Every service is its own process started from its main.ts and configured by environment, as in
// a deployment. Each run simulates new accounts (seeded by the run's start time), so repeated runs
// add to the same tables without colliding, and the summary covers this run only. The run stops
// after `durationMs` or on Ctrl-C: sources first, then the pipeline drains (lag 0), then the
// processors and the sink stop — nothing in flight is lost.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ClickHouseClient } from '@tributary/clickhouse';
import { processEnvironment, repoRoot } from '@tributary/config';
import type { TopicAdmin } from '@tributary/kafka';
import { sourceEnvironment, startPlatformSim } from '@tributary/platform-sim';
import type { PlatformSim } from '@tributary/platform-sim';
import type { Logger } from '@tributary/telemetry';
import { STAGE_TOPICS, createProgressDisplay, describeSnapshot, takeSnapshot, topicEnds } from './progress.ts';
import type { Snapshot } from './progress.ts';
import { startService } from './services.ts';
import type { ManagedService } from './services.ts';
import { querySummary } from './summary.ts';
import type { DemoSummary } from './summary.ts';

export interface DemoOptions {
  durationMs: number;
  accountsPerPlatform: number;
  postsPerAccount: number;
  /** Environment pointing the services at Kafka, the registry and ClickHouse. */
  endpointsEnv: Record<string, string>;
  admin: TopicAdmin;
  clickhouse: ClickHouseClient;
  logger: Logger;
  /** Where progress is drawn (stderr of the CLI). */
  progress: NodeJS.WriteStream;
  /** Resolves when the operator asks to stop early (Ctrl-C). */
  interrupted: Promise<void>;
  /** How long draining may take after the sources stopped. */
  drainTimeoutMs?: number;
}

export interface DemoResult {
  startedAt: number;
  logDirectory: string;
  final: Snapshot;
  drained: boolean;
  summary: DemoSummary;
  serviceErrors: Record<string, number>;
  served: { entities: number; metricObservations: number };
}

const SOURCES = ['tiktok', 'instagram', 'youtube'] as const;
// The demo polls twenty times faster than production cadences, so posts get several snapshots in a minute or two.
const DEMO_CADENCE_SCALE = '0.05';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = Date.now();
  const runId = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const logDirectory = join(repoRoot(), '.local-stack', 'demo', runId);
  mkdirSync(logDirectory, { recursive: true });
  const display = createProgressDisplay(options.progress);
  const say = (text: string): void => void options.progress.write(`${text}\n`);
  const services: ManagedService[] = [];
  let sim: PlatformSim | undefined;
  const killAll = (): void => {
    for (const service of services) if (service.running()) void service.stop(0);
  };
  process.once('exit', killAll);

  try {
    const baseline = await topicEnds(options.admin, Object.values(STAGE_TOPICS).flat());
    sim = await startPlatformSim({
      seed: `tributary-demo-${runId}`,
      clock: { startTime: startedAt, speed: 1 }, // the sources run on the system clock
      accounts: { tiktok: options.accountsPerPlatform, instagram: options.accountsPerPlatform, youtube: options.accountsPerPlatform },
      knobs: { content: { postsPerAccount: options.postsPerAccount, historyDays: 14, revisionProbability: 0.1 } },
    });
    // A few of the platforms' bad days, so the resilience and quality paths have something to do.
    sim.faults.set({ platform: 'tiktok', kind: 'throttle', count: 3, retryAfterSeconds: 1 });
    sim.faults.set({ platform: 'instagram', kind: 'server-error', count: 2, status: 503 });
    sim.faults.set({ platform: 'tiktok', kind: 'future-timestamps', endpoint: 'video.list', count: 1 });
    say(`✔ platform simulators up (seed tributary-demo-${runId}): ${options.accountsPerPlatform} accounts per platform`);

    const base = {
      ...processEnvironment(),
      ...options.endpointsEnv,
      TRIBUTARY_LOG_LEVEL: 'info',
    };
    const processors: Array<{ name: string; main: string; env: Record<string, string>; readyMessage: string }> = [
      {
        name: 'transform-enrich',
        main: 'services/transform-enrich/src/main.ts',
        env: { TRIBUTARY_ENRICH_HTTP_PORT: '0' },
        readyMessage: 'transform-enrich running.',
      },
      {
        name: 'transform-quality',
        main: 'services/transform-quality/src/main.ts',
        env: { TRIBUTARY_QUALITY_HTTP_PORT: '0' },
        readyMessage: 'transform-quality running.',
      },
      { name: 'sink-clickhouse', main: 'services/sink-clickhouse/src/main.ts', env: {}, readyMessage: 'Sink running.' },
    ];
    for (const spec of processors) services.push(startService({ ...spec, env: { ...base, ...spec.env } }, logDirectory));
    await Promise.all(services.map((service) => service.ready));
    say('✔ transform-enrich, transform-quality and sink-clickhouse running');

    const youtubeWebhookPort = await freePort();
    const sourceEnv: Record<(typeof SOURCES)[number], Record<string, string>> = {
      tiktok: sourceEnvironment(sim, 'tiktok'),
      instagram: sourceEnvironment(sim, 'instagram'),
      youtube: {
        ...sourceEnvironment(sim, 'youtube'),
        TRIBUTARY_SOURCE_YOUTUBE_WEBSUB_SECRET: `demo-websub-${runId}`,
        TRIBUTARY_SOURCE_YOUTUBE_WEBHOOK_PORT: String(youtubeWebhookPort),
        TRIBUTARY_SOURCE_YOUTUBE_WEBSUB_CALLBACK_URL: `http://127.0.0.1:${youtubeWebhookPort}/webhooks/youtube`,
      },
    };
    const sources = SOURCES.map((name) => {
      const prefix = `TRIBUTARY_SOURCE_${name.toUpperCase()}`;
      return startService(
        {
          name: `source-${name}`,
          main: `services/source-${name}/src/main.ts`,
          env: {
            ...base,
            [`${prefix}_HTTP_PORT`]: '0',
            [`${prefix}_WEBHOOK_PORT`]: '0',
            [`${prefix}_CADENCE_SCALE`]: DEMO_CADENCE_SCALE,
            ...sourceEnv[name],
          },
          readyMessage: 'Source running.',
        },
        logDirectory,
      );
    });
    services.push(...sources);
    const ready = await Promise.all(sources.map((source) => source.ready));
    const metricsUrls = ready.map((line) => String(line.health).replace(/\/health$/, ''));
    const webhookUrl = (index: number): string | null =>
      typeof ready[index]?.webhooks === 'string' ? String(ready[index]!.webhooks) : null;
    if (webhookUrl(0)) sim.webhooks.setTarget('tiktok', `${webhookUrl(0)}/webhooks/tiktok`);
    if (webhookUrl(1)) sim.webhooks.setTarget('instagram', `${webhookUrl(1)}/webhooks/instagram`);
    say(`✔ source-tiktok, source-instagram and source-youtube collecting (logs: ${logDirectory})`);
    say(`  running for ${Math.round(options.durationMs / 1000)}s — Ctrl-C stops early (gracefully)\n`);

    const progressSources = { admin: options.admin, clickhouse: options.clickhouse, baseline, metricsUrls, startedAt };
    let last = await takeSnapshot(progressSources);
    let stopRequested = false;
    void options.interrupted.then(() => (stopRequested = true));
    const deadline = startedAt + options.durationMs;
    let commentSent = false;
    while (!stopRequested && Date.now() < deadline) {
      await Promise.race([delay(1_000), options.interrupted]);
      // Halfway, a follower comments on an Instagram post: the delivery arrives signed, through the webhook receiver.
      if (!commentSent && Date.now() > startedAt + options.durationMs / 2) {
        commentSent = true;
        const media = sim.groundTruth().entities.find((entity) => entity.platform === 'instagram' && entity.kind === 'media');
        if (media) await sim.webhooks.instagramComment(media.id).catch(() => undefined);
      }
      last = await takeSnapshot(progressSources).catch(() => last);
      display.show(describeSnapshot(last, 'collecting'));
      const exited = services.find((service) => !service.running());
      if (exited) throw new Error(`${exited.name} stopped unexpectedly; see ${exited.logFile}`);
    }

    // Stop collecting, then let the pipeline drain before stopping it.
    display.show(describeSnapshot(last, 'collected · stopping the sources'), true);
    await Promise.all(sources.map((source) => source.stop(30_000)));
    const drainDeadline = Date.now() + (options.drainTimeoutMs ?? 90_000);
    let drained = false;
    while (Date.now() < drainDeadline) {
      // The snapshot already holds every consumer group's lag; a failed one counts as not drained.
      const snapshot = await takeSnapshot(progressSources).catch(() => undefined);
      if (snapshot) {
        last = snapshot;
        display.show(describeSnapshot(last, 'sources stopped · draining'));
        if (Object.values(snapshot.lag).every((lag) => lag === 0)) {
          drained = true;
          break;
        }
      }
      await delay(1_000);
    }
    for (const service of services.slice(0, 3)) await service.stop(30_000);
    last = await takeSnapshot(progressSources).catch(() => last);
    display.show(describeSnapshot(last, drained ? 'stopped · drained' : 'stopped · NOT fully drained'), true);
    display.done();

    const truth = sim.groundTruth();
    const summary = await querySummary(options.clickhouse, startedAt);
    return {
      startedAt,
      logDirectory,
      final: last,
      drained,
      summary,
      serviceErrors: Object.fromEntries(services.map((service) => [service.name, service.errors().length])),
      served: { entities: truth.entities.length, metricObservations: truth.metrics.length },
    };
  } finally {
    await Promise.all(services.map((service) => service.stop(10_000)));
    process.off('exit', killAll);
    await sim?.close();
  }
}
