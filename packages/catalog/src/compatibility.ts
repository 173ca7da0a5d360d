// Offline schema compatibility, the same question a registry answers, asked of avsc: can data
// written with one schema be read with another (Avro schema resolution, avsc createResolver)?
// On top of Avro's rules, a changed logical type (timestamp-millis -> timestamp-micros) counts as
// incompatible: avsc resolves both as long, but the numbers would mean something else.
// The policy (docs/adr/0010) is FULL_TRANSITIVE: every version reads, and is read by, every
// earlier version.
import avro from 'avsc';
import { isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { fullNameOf, isNamedDefinition, isPrimitive, qualify } from './avro-sources.ts';

export type CompatibilityLevel =
  'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

/** The level every event subject gets unless the catalogue says otherwise (docs/adr/0010). */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'FULL_TRANSITIVE';

/** backward: the newer schema reads data written with the older; forward: the older reads the newer's data. */
export type Direction = 'backward' | 'forward';

export interface SchemaVersion {
  version: number;
  schema: JsonObject;
}

export interface CompatibilityFinding {
  /** The version being checked and the earlier version it was checked against. */
  version: number;
  against: number;
  direction: Direction;
  problems: string[];
}

export function directionsOf(level: CompatibilityLevel): Direction[] {
  if (level.startsWith('FULL')) return ['backward', 'forward'];
  if (level.startsWith('BACKWARD')) return ['backward'];
  if (level.startsWith('FORWARD')) return ['forward'];
  return [];
}

export function isTransitive(level: CompatibilityLevel): boolean {
  return level.endsWith('_TRANSITIVE');
}

/** Why `reader` cannot read data written with `writer`; empty when it can. */
export function readProblems(writer: JsonObject, reader: JsonObject): string[] {
  const problems: string[] = [];
  try {
    avro.Type.forSchema(reader as never).createResolver(avro.Type.forSchema(writer as never));
  } catch (error) {
    problems.push((error as Error).message);
  }
  problems.push(...logicalTypeChanges(writer, reader));
  return problems;
}

/** Checks `candidate` against earlier versions (all of them if transitive, else the latest). */
export function checkCandidate(
  candidate: SchemaVersion,
  earlier: readonly SchemaVersion[],
  level: CompatibilityLevel,
): CompatibilityFinding[] {
  const previous = isTransitive(level) ? earlier : earlier.slice(-1);
  const findings: CompatibilityFinding[] = [];
  for (const old of previous) {
    for (const direction of directionsOf(level)) {
      const problems = direction === 'backward' ? readProblems(old.schema, candidate.schema) : readProblems(candidate.schema, old.schema);
      findings.push({ version: candidate.version, against: old.version, direction, problems });
    }
  }
  return findings;
}

/** Checks every version of a history against the ones before it, as the registry would on each registration. */
export function checkHistory(versions: readonly SchemaVersion[], level: CompatibilityLevel): CompatibilityFinding[] {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  return sorted.flatMap((version, i) => checkCandidate(version, sorted.slice(0, i), level));
}

export function incompatibilities(findings: readonly CompatibilityFinding[]): CompatibilityFinding[] {
  return findings.filter((finding) => finding.problems.length > 0);
}

export function describeFinding(subject: string, finding: CompatibilityFinding): string {
  const how =
    finding.direction === 'backward'
      ? `v${finding.version} cannot read v${finding.against} data`
      : `v${finding.against} cannot read v${finding.version} data`;
  return `${subject}: ${how}: ${finding.problems.join('; ')}`;
}

// --- logical types -------------------------------------------------------------------------

function namedDefinitions(schema: JsonObject): Map<string, JsonObject> {
  const named = new Map<string, JsonObject>();
  const visit = (node: Json | undefined, namespace: string | undefined): void => {
    if (Array.isArray(node)) for (const branch of node) visit(branch, namespace);
    else if (isNamedDefinition(node)) {
      const full = fullNameOf(node, namespace);
      named.set(full, node);
      const ns = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined;
      if (Array.isArray(node.fields)) for (const field of node.fields) if (isJsonObject(field)) visit(field.type, ns);
    } else if (isJsonObject(node)) {
      if (node.type === 'array') visit(node.items, namespace);
      if (node.type === 'map') visit(node.values, namespace);
    }
  };
  visit(schema, undefined);
  return named;
}

interface Side {
  named: Map<string, JsonObject>;
}

/** Dereferences names; returns the node and the namespace its own references resolve in. */
function deref(
  node: Json | undefined,
  side: Side,
  namespace: string | undefined,
): { node: Json | undefined; namespace: string | undefined } {
  if (typeof node === 'string' && !isPrimitive(node)) {
    const full = qualify(node, namespace);
    const found = side.named.get(full) ?? side.named.get(node);
    return { node: found, namespace: full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined };
  }
  if (isNamedDefinition(node)) {
    const full = fullNameOf(node, namespace);
    return { node, namespace: full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined };
  }
  if (
    isJsonObject(node) &&
    typeof node.type === 'string' &&
    !isPrimitive(node.type) &&
    !['array', 'map'].includes(node.type) &&
    node.logicalType === undefined
  ) {
    return deref(node.type, side, namespace);
  }
  return { node, namespace };
}

function kindOf(node: Json | undefined): string {
  if (typeof node === 'string') return node;
  if (isNamedDefinition(node)) return `${String(node.type)}:${String(node.name)}`;
  if (isJsonObject(node)) return String(node.type);
  return Array.isArray(node) ? 'union' : 'unknown';
}

function logicalOf(node: Json | undefined): string | undefined {
  return isJsonObject(node) && typeof node.logicalType === 'string' ? node.logicalType : undefined;
}

function logicalTypeChanges(writer: JsonObject, reader: JsonObject): string[] {
  const problems: string[] = [];
  const w: Side = { named: namedDefinitions(writer) };
  const r: Side = { named: namedDefinitions(reader) };
  const seen = new Set<string>();

  const compare = (
    wNode: Json | undefined,
    wNs: string | undefined,
    rNode: Json | undefined,
    rNs: string | undefined,
    at: string,
  ): void => {
    const wd = deref(wNode, w, wNs);
    const rd = deref(rNode, r, rNs);
    const wt = wd.node;
    const rt = rd.node;
    if (Array.isArray(wt) || Array.isArray(rt)) {
      const wBranches = Array.isArray(wt) ? wt : [wt ?? null];
      const rBranches = Array.isArray(rt) ? rt : [rt ?? null];
      for (const wb of wBranches) {
        const wk = kindOf(deref(wb, w, wd.namespace).node);
        const match = rBranches.find((rb) => kindOf(deref(rb, r, rd.namespace).node) === wk);
        if (match !== undefined) compare(wb, wd.namespace, match, rd.namespace, at);
      }
      return;
    }
    const wLogical = logicalOf(wt);
    const rLogical = logicalOf(rt);
    if (wLogical !== rLogical && kindOf(wt) === kindOf(rt)) {
      problems.push(`${at}: logical type changes from ${wLogical ?? 'none'} to ${rLogical ?? 'none'}`);
    }
    if (isNamedDefinition(wt) && isNamedDefinition(rt) && wt.type === 'record' && rt.type === 'record') {
      const key = `${String(wt.name)}|${String(rt.name)}`;
      if (seen.has(key)) return;
      seen.add(key);
      const wFields = Array.isArray(wt.fields) ? wt.fields.filter(isJsonObject) : [];
      for (const rField of Array.isArray(rt.fields) ? rt.fields.filter(isJsonObject) : []) {
        const names = [rField.name, ...(Array.isArray(rField.aliases) ? rField.aliases : [])];
        const wField = wFields.find((field) => names.includes(field.name ?? null));
        if (wField) compare(wField.type, wd.namespace, rField.type, rd.namespace, `${at}.${String(rField.name)}`);
      }
    } else if (isJsonObject(wt) && isJsonObject(rt) && wt.type === 'array' && rt.type === 'array') {
      compare(wt.items, wd.namespace, rt.items, rd.namespace, `${at}[]`);
    } else if (isJsonObject(wt) && isJsonObject(rt) && wt.type === 'map' && rt.type === 'map') {
      compare(wt.values, wd.namespace, rt.values, rd.namespace, `${at}{}`);
    }
  };

  compare(writer, undefined, reader, undefined, String(reader.name));
  return problems;
}
