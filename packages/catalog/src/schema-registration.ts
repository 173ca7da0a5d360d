// Explicit schema registration and checks against a running Confluent-API registry
// (`tributary schemas register|check`). Each Avro topic's value subject gets its compatibility
// level first, then the released versions it does not have yet, oldest first — so the registry's
// version list mirrors the repository's history and its own transitive checks mean the same as
// ours. Registering again changes nothing.
import type { RegistryAdmin } from '@tributary/kafka';
import { checkHistory, incompatibilities, isTransitive } from './compatibility.ts';
import type { CompatibilityFinding, CompatibilityLevel } from './compatibility.ts';
import { isReleased, latestVersion } from './contract.ts';
import type { EventContract, EventSchema } from './contract.ts';
import { versionText } from './schema-history.ts';
import type { HistoryVersion } from './schema-history.ts';
import { avroTopics } from './topic-catalogue.ts';

export interface SubjectSpec {
  subject: string;
  topic: string;
  schema: string;
  compatibility: CompatibilityLevel;
  /** Released versions, oldest first. */
  versions: HistoryVersion[];
}

/**
 * Like subjectSpecs, but a schema whose source changed since its newest released version gets
 * that change as a candidate next version, so `schemas check` can judge work in progress.
 */
export function candidateSubjectSpecs(contract: EventContract): SubjectSpec[] {
  const candidates = new Map<string, HistoryVersion>();
  for (const schema of contract.schemas) {
    if (isReleased(schema)) continue;
    const version = (latestVersion(schema)?.version ?? 0) + 1;
    candidates.set(schema.fullName, {
      version,
      path: `${schema.source.path} (unreleased)`,
      text: versionText(schema.source.text, schema.resolved, schema.selfContained),
      schema: schema.resolved,
    });
  }
  return subjectSpecs(contract).map((spec) => {
    const candidate = candidates.get(spec.schema);
    return candidate ? { ...spec, versions: [...spec.versions, candidate] } : spec;
  });
}

/** The sources whose changes are not yet recorded as a released version. */
export function unreleasedSchemas(contract: EventContract): EventSchema[] {
  return contract.schemas.filter((schema) => !isReleased(schema));
}

/** One subject per Avro topic, with the released versions of its schema. */
export function subjectSpecs(contract: EventContract): SubjectSpec[] {
  const byName = new Map(contract.schemas.map((schema): [string, EventSchema] => [schema.fullName, schema]));
  return avroTopics(contract.catalogue).map((topic) => ({
    subject: topic.value.subject,
    topic: topic.name,
    schema: topic.value.schema,
    compatibility: topic.value.compatibility,
    versions: byName.get(topic.value.schema)?.history ?? [],
  }));
}

export interface Registration {
  subject: string;
  compatibility: { before: string | undefined; after: CompatibilityLevel };
  /** Repository versions registered by this run, with the registry's ids. */
  registered: { version: number; id: number }[];
  /** The registry's id and version for the newest repository version. */
  latest: { version: number; id: number; registryVersion: number } | undefined;
}

export async function registerSubject(registry: RegistryAdmin, spec: SubjectSpec): Promise<Registration> {
  const before = await registry.getCompatibility(spec.subject);
  // Before the first version exists, so even version 1 lives under the policy.
  if (before !== spec.compatibility) await registry.setCompatibility(spec.subject, spec.compatibility);

  let present = 0; // the newest repository version the registry already has
  for (let i = spec.versions.length - 1; i >= 0; i--) {
    const version = spec.versions[i];
    if (version && (await registry.lookup(spec.subject, version.text))) {
      present = version.version;
      break;
    }
  }
  // A subject with versions of its own but none of ours: add only the newest and let the
  // registry's compatibility rule judge it against what is there.
  const existing = present === 0 ? await registry.listVersions(spec.subject) : [];
  const pending = spec.versions.filter((version) => version.version > present).slice(existing.length > 0 ? -1 : 0);

  const registered: { version: number; id: number }[] = [];
  for (const version of pending) registered.push({ version: version.version, id: await registry.register(spec.subject, version.text) });

  const newest = spec.versions.at(-1);
  const found = newest ? await registry.lookup(spec.subject, newest.text) : undefined;
  return {
    subject: spec.subject,
    compatibility: { before, after: spec.compatibility },
    registered,
    latest: newest && found ? { version: newest.version, id: found.id, registryVersion: found.version } : undefined,
  };
}

export async function registerSchemas(registry: RegistryAdmin, specs: readonly SubjectSpec[]): Promise<Registration[]> {
  const results: Registration[] = [];
  for (const spec of specs) results.push(await registerSubject(registry, spec));
  return results;
}

export type CheckStatus = 'registered' | 'compatible' | 'incompatible' | 'not-registered';

export interface SchemaCheck {
  subject: string;
  /** The newest repository version that was checked. */
  version: number;
  status: CheckStatus;
  /** Verdicts from POST /compatibility/subjects/{s}/versions/latest and …/versions (all). */
  latest: boolean | undefined;
  all: boolean | undefined;
  /** The subject's level in the registry, when it differs from the catalogue's. */
  levelMismatch?: { registry: string | undefined; catalogue: CompatibilityLevel };
}

/**
 * Asks the registry about the newest repository version of every subject: already registered,
 * compatible (would be accepted), incompatible, or a subject the registry does not have yet.
 * The verdict uses the all-versions check for transitive levels, since Apicurio's (and
 * Confluent's) versions/latest endpoint compares with the latest version only.
 */
export async function checkSubject(registry: RegistryAdmin, spec: SubjectSpec): Promise<SchemaCheck> {
  const newest = spec.versions.at(-1);
  const version = newest?.version ?? 0;
  const level = await registry.getCompatibility(spec.subject);
  const levelMismatch = level === spec.compatibility ? {} : { levelMismatch: { registry: level, catalogue: spec.compatibility } };
  const versions = await registry.listVersions(spec.subject);
  if (!newest || versions.length === 0)
    return { subject: spec.subject, version, status: 'not-registered', latest: undefined, all: undefined, ...levelMismatch };
  if (await registry.lookup(spec.subject, newest.text))
    return { subject: spec.subject, version, status: 'registered', latest: true, all: true, ...levelMismatch };
  const latest = await registry.testCompatibility(spec.subject, newest.text, 'latest');
  const all = await registry.testCompatibility(spec.subject, newest.text, 'all');
  const compatible = isTransitive(spec.compatibility) ? all : latest;
  return { subject: spec.subject, version, status: compatible ? 'compatible' : 'incompatible', latest, all, ...levelMismatch };
}

export async function checkSchemas(registry: RegistryAdmin, specs: readonly SubjectSpec[]): Promise<SchemaCheck[]> {
  const results: SchemaCheck[] = [];
  for (const spec of specs) results.push(await checkSubject(registry, spec));
  return results;
}

/** The offline check: every released version against every earlier one, as the subject's level requires. */
export function checkSubjectHistory(spec: SubjectSpec): CompatibilityFinding[] {
  return incompatibilities(checkHistory(spec.versions, spec.compatibility));
}
