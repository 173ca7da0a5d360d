// Writes docs/configuration.md from the convict schemas, so the documented settings are the
// declared settings. `--check` fails (exit 1) when the file is stale; CI runs that.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSchema, repoRoot } from '@tributary/config';
import type { SettingDescription } from '@tributary/config';
import { cliSchema } from '../packages/cli/src/context.ts';
import { testHarnessSchema } from '../packages/testing/src/spec.ts';
import { localStackSchema } from '@tributary/local-stack';
import { clickhouseEmbeddedSchema } from '@tributary/clickhouse-embedded';
import { sinkSchema } from '@tributary/sink-clickhouse';
import { tiktokSourceSchema } from '@tributary/source-tiktok';
import { instagramSourceSchema } from '@tributary/source-instagram';
import { youtubeSourceSchema } from '@tributary/source-youtube';
import { platformSimSchema } from '@tributary/platform-sim';
import { enrichSchema } from '@tributary/transform-enrich';
import { qualitySchema } from '@tributary/transform-quality';

const sections: { title: string; intro: string; rows: SettingDescription[] }[] = [
  {
    title: 'Shared settings (every service and the CLI)',
    intro: 'Endpoints and telemetry. The defaults point at the local stack on 127.0.0.1; set these to use external services.',
    rows: describeSchema(cliSchema),
  },
  {
    title: 'Local stack (`tributary stack …`)',
    intro: 'Where and how deploy/local runs Kafka, the registry and embedded ClickHouse.',
    rows: describeSchema(localStackSchema),
  },
  {
    title: 'Embedded ClickHouse server (services/clickhouse-embedded)',
    intro: "The process that owns chDB and serves ClickHouse's HTTP interface.",
    rows: describeSchema(clickhouseEmbeddedSchema),
  },
  {
    title: 'ClickHouse sink (services/sink-clickhouse)',
    intro:
      'What the sink lands and how it batches and retries; it also reads the shared Kafka, registry, ClickHouse (with clickhouse.retention.*) and telemetry settings.',
    rows: describeSchema(sinkSchema).filter((row) => row.key.startsWith('sink.')),
  },
  {
    title: 'Platform simulators (services/platform-sim)',
    intro:
      'The standalone TikTok/Instagram/YouTube simulators for the demo and crash tests (base URLs, admin routes and knobs: services/platform-sim/README.md); it also reads the shared telemetry settings.',
    rows: describeSchema(platformSimSchema).filter((row) => row.key.startsWith('platformSim.')),
  },
  {
    title: 'Sources: shared settings (services/source-<platform>)',
    intro:
      'Every source composes the same runtime, health, webhook and credential settings under its own prefix; shown for source-tiktok (`TRIBUTARY_SOURCE_TIKTOK_*`), the same keys exist as `TRIBUTARY_SOURCE_INSTAGRAM_*` and `TRIBUTARY_SOURCE_YOUTUBE_*` (health ports 9471/9472/9473, webhook ports 8471/8472/8473). Sources also read the shared Kafka, registry and telemetry settings.',
    rows: describeSchema(tiktokSourceSchema).filter((row) => /^(source|http|webhook|credentials)\./.test(row.key)),
  },
  {
    title: 'source-tiktok (TikTok Display API v2)',
    intro:
      'Defaults are the real API; the simulator is configured through `TRIBUTARY_SOURCE_TIKTOK_API_BASE_URL` (services/source-tiktok/README.md).',
    rows: describeSchema(tiktokSourceSchema).filter((row) => row.key.startsWith('tiktok.')),
  },
  {
    title: 'source-instagram (Instagram Graph API)',
    intro: 'Defaults are the real API; see services/source-instagram/README.md for running against the simulator.',
    rows: describeSchema(instagramSourceSchema).filter((row) => row.key.startsWith('instagram.')),
  },
  {
    title: 'source-youtube (YouTube Data API v3, Analytics v2, WebSub)',
    intro:
      'Defaults are the real Google endpoints; the simulator is configured through the `_URL` settings (services/source-youtube/README.md).',
    rows: describeSchema(youtubeSourceSchema).filter((row) => row.key.startsWith('youtube.')),
  },
  {
    title: 'transform-enrich (services/transform-enrich)',
    intro:
      'Processor settings (`TRIBUTARY_ENRICH_*`), its health port and the enrichment options: history depth, language detection and user-defined JSONata transforms (services/transform-enrich/README.md); it also reads the shared Kafka, registry and telemetry settings.',
    rows: describeSchema(enrichSchema).filter((row) => /^(processor|http|enrich)\./.test(row.key)),
  },
  {
    title: 'transform-quality (services/transform-quality)',
    intro:
      'Processor settings (`TRIBUTARY_QUALITY_*`), its health port and the quality tolerances and anomaly detection (rule catalogue: services/transform-quality/README.md); it also reads the shared Kafka, registry and telemetry settings.',
    rows: describeSchema(qualitySchema).filter((row) => /^(processor|http|quality)\./.test(row.key)),
  },
  {
    title: 'Test harness',
    intro: 'Which stack integration tests run against.',
    rows: describeSchema(testHarnessSchema).filter((row) => row.key.startsWith('test.')),
  },
];

function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replaceAll('|', '\\|');
}

let text = `# Configuration\n\nGenerated from the convict schemas by \`npm run docs:config\`; do not edit by hand.\n\n`;
text +=
  'Precedence: defaults < JSON config files (`TRIBUTARY_CONFIG_FILE`, comma-separated, or `--config`) < environment variables < command-line flags. ';
text +=
  'Validation is strict: unknown keys and malformed values stop the process at boot with every problem listed. Secrets are masked in every dump.\n';
for (const section of sections) {
  text += `\n## ${section.title}\n\n${section.intro}\n\n| key | environment variable | format | default | description |\n|---|---|---|---|---|\n`;
  for (const row of section.rows) {
    text += `| \`${row.key}\` | \`${row.env ?? ''}\` | ${cell(row.format)} | \`${cell(row.default)}\` | ${cell(row.doc)}${row.sensitive ? ' (secret)' : ''} |\n`;
  }
}

const target = join(repoRoot(), 'docs/configuration.md');
if (process.argv.includes('--check')) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== text) {
    process.stderr.write('docs/configuration.md is out of date: run `npm run docs:config`.\n');
    process.exit(1);
  }
  process.stdout.write('docs/configuration.md is up to date.\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`Wrote ${target}\n`);
}
