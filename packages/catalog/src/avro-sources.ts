// Avro sources: every .avsc file under schemas/avro (except history/ and examples/) defines one
// named type. Files refer to types in other files by full name; resolveSchema() inlines each
// referenced definition at its first use, so every top-level schema is self-contained — exactly
// what a Confluent-API registry stores under a subject, with no schema references to manage
// (docs/adr/0011).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import avro from 'avsc';
import { ConfigError } from '@tributary/errors';
import { isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import type { ContractPaths } from './paths.ts';

export interface AvroSource {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  fullName: string;
  definition: JsonObject;
  /** The file's text, verbatim. */
  text: string;
}

export type AvroSources = ReadonlyMap<string, AvroSource>;

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED_KINDS = new Set(['record', 'error', 'enum', 'fixed']);
/** Directories under schemas/avro that hold derived files, not sources. */
const NOT_SOURCES = new Set(['history', 'examples']);

export function isPrimitive(name: string): boolean {
  return PRIMITIVES.has(name);
}

/** A record, enum or fixed definition (as opposed to a reference to one by name). */
export type NamedDefinition = JsonObject & { type: 'record' | 'error' | 'enum' | 'fixed'; name: string };

export function isNamedDefinition(node: Json | undefined): node is NamedDefinition {
  return isJsonObject(node) && typeof node.type === 'string' && NAMED_KINDS.has(node.type) && typeof node.name === 'string';
}

/** The full name of a named definition, given the namespace it appears in. */
export function fullNameOf(definition: JsonObject, enclosingNamespace: string | undefined): string {
  const name = String(definition.name);
  if (name.includes('.')) return name;
  const namespace = typeof definition.namespace === 'string' ? definition.namespace : enclosingNamespace;
  return namespace ? `${namespace}.${name}` : name;
}

/** A type reference made absolute: names without a dot live in the enclosing namespace. */
export function qualify(reference: string, namespace: string | undefined): string {
  if (isPrimitive(reference) || reference.includes('.') || !namespace) return reference;
  return `${namespace}.${reference}`;
}

function namespaceOf(fullName: string): string | undefined {
  const at = fullName.lastIndexOf('.');
  return at === -1 ? undefined : fullName.slice(0, at);
}

function shortNameOf(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function listAvscFiles(dir: string, top: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === top && NOT_SOURCES.has(entry.name)) continue;
      files.push(...listAvscFiles(path, top));
    } else if (entry.name.endsWith('.avsc')) {
      files.push(path);
    }
  }
  return files;
}

export function repoRelative(paths: ContractPaths, file: string): string {
  return relative(paths.root, file).split(sep).join('/');
}

/** Reads every source file; each must define exactly one named type with a unique full name. */
export function loadAvroSources(paths: ContractPaths): Map<string, AvroSource> {
  const sources = new Map<string, AvroSource>();
  for (const file of listAvscFiles(paths.avroDir, paths.avroDir)) {
    const path = repoRelative(paths, file);
    const text = readFileSync(file, 'utf8');
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (error) {
      throw new ConfigError('SCHEMA_SOURCE_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, { details: { path } });
    }
    if (!isNamedDefinition(definition as Json) || typeof (definition as JsonObject).name !== 'string') {
      throw new ConfigError('SCHEMA_SOURCE_INVALID', `${path} must define one named Avro type (a record, enum or fixed with a name).`, {
        hint: 'Put each record or enum in its own file; refer to it from other files by its full name.',
        details: { path },
      });
    }
    const named = definition as JsonObject;
    const fullName = fullNameOf(named, undefined);
    const existing = sources.get(fullName);
    if (existing) {
      throw new ConfigError('SCHEMA_DUPLICATE_TYPE', `${fullName} is defined twice: in ${existing.path} and ${path}.`, {
        details: { fullName },
      });
    }
    sources.set(fullName, { path, fullName, definition: named, text });
  }
  return sources;
}

/** Full names of the named types a definition refers to (directly, not transitively). */
export function referencedTypes(definition: JsonObject): string[] {
  const found = new Set<string>();
  const visit = (node: Json | undefined, namespace: string | undefined): void => {
    if (typeof node === 'string') {
      if (!isPrimitive(node)) found.add(qualify(node, namespace));
    } else if (Array.isArray(node)) {
      for (const branch of node) visit(branch, namespace);
    } else if (isNamedDefinition(node)) {
      const ns = namespaceOf(fullNameOf(node, namespace));
      if (Array.isArray(node.fields)) for (const field of node.fields) if (isJsonObject(field)) visit(field.type, ns);
    } else if (isJsonObject(node)) {
      if (node.type === 'array') visit(node.items, namespace);
      else if (node.type === 'map') visit(node.values, namespace);
      else if (typeof node.type === 'string' && !isPrimitive(node.type)) visit(node.type, namespace);
    }
  };
  visit(definition, undefined);
  found.delete(fullNameOf(definition, undefined));
  return [...found];
}

/**
 * The self-contained schema of `fullName`: every referenced named type is inlined where it is
 * first used and referred to by full name afterwards. Named definitions get an explicit
 * namespace, so the result reads the same wherever a definition lands.
 */
export function resolveSchema(fullName: string, sources: AvroSources): JsonObject {
  const defined = new Set<string>();
  const stack: string[] = [];

  const visitNamed = (node: JsonObject, enclosingNamespace: string | undefined): JsonObject => {
    const full = fullNameOf(node, enclosingNamespace);
    if (defined.has(full))
      throw new ConfigError('SCHEMA_DUPLICATE_TYPE', `${full} is defined more than once inside ${fullName}.`, { details: { fullName } });
    defined.add(full);
    const namespace = namespaceOf(full);
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'name') {
        out.name = shortNameOf(full);
        if (namespace) out.namespace = namespace;
      } else if (key === 'namespace') {
        continue;
      } else if (key === 'fields' && Array.isArray(value)) {
        out.fields = value.map((field) =>
          isJsonObject(field) ? { ...field, type: visit(field.type ?? null, namespace, `${full}.${String(field.name)}`) } : field,
        );
      } else {
        out[key] = value;
      }
    }
    return out;
  };

  const visit = (node: Json, namespace: string | undefined, at: string): Json => {
    if (typeof node === 'string') {
      if (isPrimitive(node)) return node;
      const full = qualify(node, namespace);
      if (defined.has(full)) return full;
      const source = sources.get(full);
      if (!source) {
        throw new ConfigError('SCHEMA_UNKNOWN_TYPE', `${at} refers to ${full}, which no file in schemas/avro defines.`, {
          hint: 'Check the spelling, or add a file defining that type; references use the full name (namespace.Name).',
          details: { fullName, reference: full },
        });
      }
      if (stack.includes(full)) return full; // recursive type: refer to the definition in progress
      stack.push(full);
      try {
        return visitNamed(source.definition, undefined);
      } finally {
        stack.pop();
      }
    }
    if (Array.isArray(node)) return node.map((branch) => visit(branch, namespace, at));
    if (isJsonObject(node)) {
      if (isNamedDefinition(node)) return visitNamed(node, namespace);
      if (node.type === 'array') return { ...node, items: visit(node.items ?? null, namespace, `${at}[]`) };
      if (node.type === 'map') return { ...node, values: visit(node.values ?? null, namespace, `${at}{}`) };
      if (typeof node.type === 'string' && !isPrimitive(node.type) && Object.keys(node).length === 1)
        return visit(node.type, namespace, at);
      return { ...node };
    }
    return node;
  };

  const source = sources.get(fullName);
  if (!source) throw new ConfigError('SCHEMA_UNKNOWN_TYPE', `No file in schemas/avro defines ${fullName}.`, { details: { fullName } });
  stack.push(fullName);
  const resolved = visitNamed(source.definition, undefined);
  avro.Type.forSchema(resolved as never); // throws on anything Avro itself rejects (bad defaults, bad names)
  return resolved;
}

/**
 * Tributary's rules on top of Avro's, so every schema can evolve under FULL_TRANSITIVE and maps
 * cleanly to TypeScript and ClickHouse (docs/adr/0011). Returns one message per violation.
 */
export function schemaRuleViolations(resolved: JsonObject): string[] {
  const problems: string[] = [];
  const visit = (node: Json | undefined, at: string, field?: JsonObject): void => {
    if (Array.isArray(node)) {
      if (node.length !== 2 || node[0] !== 'null') {
        problems.push(
          `${at}: unions must be ["null", T] (optional values). For alternatives per platform, use a record of optional slots.`,
        );
      } else if (field && field.default !== null) {
        problems.push(`${at}: an optional field needs "default": null.`);
      }
      for (const branch of node) visit(branch, at);
      return;
    }
    if (!isJsonObject(node)) return;
    const { type } = node;
    if (typeof node.logicalType === 'string' && !(node.logicalType === 'timestamp-millis' && type === 'long')) {
      problems.push(`${at}: logical type ${node.logicalType} on ${String(type)} is not used here; timestamps are long/timestamp-millis.`);
    }
    if (type === 'fixed' || type === 'error') problems.push(`${at}: ${type} types are not used here.`);
    if (type === 'array') visit(node.items, `${at}[]`);
    if (type === 'map') visit(node.values, `${at}{}`);
    if (type === 'enum') {
      const name = String(node.name);
      if (typeof node.doc !== 'string' || node.doc === '') problems.push(`${name}: enums need a doc.`);
      if (node.default === undefined) problems.push(`${name}: enums need a default symbol, so a reader can read symbols added later.`);
      if (Array.isArray(node.symbols))
        for (const symbol of node.symbols)
          if (!/^[A-Z][A-Z0-9_]*$/.test(String(symbol))) problems.push(`${name}: symbol ${String(symbol)} is not UPPER_SNAKE_CASE.`);
    }
    if (type === 'record') {
      const name = String(node.name);
      if (typeof node.doc !== 'string' || node.doc === '') problems.push(`${name}: records need a doc.`);
      for (const item of Array.isArray(node.fields) ? node.fields : []) {
        if (!isJsonObject(item)) continue;
        const path = `${name}.${String(item.name)}`;
        if (!/^[a-z][a-z0-9_]*$/.test(String(item.name))) problems.push(`${path}: field names are snake_case.`);
        if (typeof item.doc !== 'string' || item.doc === '') problems.push(`${path}: fields need a doc.`);
        visit(item.type, path, item);
      }
    }
  };
  visit(resolved, String(resolved.name));
  return problems;
}
