// User-defined transformations: one JSONata expression per enriched topic, declared in
// configuration (enrich.transformsFile, a YAML or JSON map `{ <topic>: <expression> }`, and/or the
// inline JSON map enrich.transforms). JSONata is a query and transformation language without I/O,
// imports or code execution; it is what the expressions can do, nothing more.
//
// Semantics:
//   - Input `$`: the enriched event as decoded (optional values plain or null, longs as numbers).
//     Bindings: $topic (the output topic), $key (the record key, or null).
//   - Result: the event to emit. It must be an object valid against the topic's schema, and its
//     envelope must be unchanged (event_id is the event's identity through every stage).
//   - $now() and $millis() answer the event's envelope.collected_at, not the wall clock, so a
//     replay transforms the same way.
//   - Guards: each evaluation stops after `timeoutMs` or beyond `maxDepth` nested evaluations
//     (jsonata's own guardrails, checked at every evaluation step) and sequences are capped at
//     `maxSequence` items.
//   - Failure (throws, times out, too deep, returns nothing, returns an invalid event, changes the
//     envelope) is a data error: ENRICH_TRANSFORM_FAILED or ENRICH_TRANSFORM_INVALID, and the
//     record goes to dlq.transform-enrich with that reason.
//   - Boot: every expression is compiled and dry-run against the topic's golden examples
//     (schemas/avro/examples, enriched first); a compile error, an unknown topic or a failed dry run
//     is a ConfigError naming the topic (and the position in the expression) — the service does not start.
// Deletions pass through both stages unchanged: social.enriched.deletions cannot be transformed.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import jsonata from 'jsonata';
import { parse as parseYaml } from 'yaml';
import { ConfigError, TributaryError } from '@tributary/errors';
import { avroType } from '@tributary/events';
import type { EventSchemaName } from '@tributary/events';
import { ENRICH_ROUTES } from './enrich-event.ts';
import type { EnrichOutputTopic } from './enrich-event.ts';

export interface TransformLimits {
  timeoutMs: number;
  maxDepth: number;
  maxSequence: number;
}

export const DEFAULT_TRANSFORM_LIMITS: TransformLimits = { timeoutMs: 50, maxDepth: 200, maxSequence: 100_000 };

const TRANSFORMABLE: ReadonlyMap<string, EventSchemaName> = new Map(
  Object.values(ENRICH_ROUTES)
    .filter((route) => route.output !== 'social.enriched.deletions')
    .map((route) => [route.output, route.schema]),
);

export interface UserTransform {
  topic: EnrichOutputTopic;
  schema: EventSchemaName;
  source: string;
  /** The event to emit for `event` (already enriched); throws a data TributaryError on any failure. */
  apply(event: unknown, key: string | null): Promise<unknown>;
}

interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

function describeJsonataError(error: unknown): string {
  const failure = error as JsonataFailure;
  const at = typeof failure.position === 'number' ? ` at position ${failure.position}` : '';
  return `${failure.code ?? 'error'}${at}: ${failure.message ?? String(error)}`;
}

/** Reads `{ topic: expression }` from a YAML or JSON file and/or an inline JSON object. */
export function readTransformDeclarations(file: string, inline: string): Record<string, string> {
  const declared: Record<string, string> = {};
  const add = (origin: string, parsed: unknown): void => {
    if (parsed === null || parsed === undefined) return;
    if (typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ConfigError('ENRICH_TRANSFORMS_INVALID', `${origin} must map topics to JSONata expressions.`, {
        hint: 'Example: { "social.enriched.posts": "$ ~> | enrichment.text | { \\"hashtags\\": [] } |" }',
      });
    for (const [topic, expression] of Object.entries(parsed)) {
      if (typeof expression !== 'string' || expression.trim() === '')
        throw new ConfigError(
          'ENRICH_TRANSFORMS_INVALID',
          `${origin}: the transform for ${topic} must be a non-empty JSONata expression string.`,
        );
      if (Object.hasOwn(declared, topic))
        throw new ConfigError('ENRICH_TRANSFORMS_INVALID', `${origin}: a transform for ${topic} is declared twice (file and inline).`);
      declared[topic] = expression;
    }
  };
  if (file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError('ENRICH_TRANSFORMS_UNREADABLE', `enrich.transformsFile ${file} cannot be read: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      add(`enrich.transformsFile ${file}`, parseYaml(text));
    } catch (cause) {
      if (cause instanceof ConfigError) throw cause;
      throw new ConfigError(
        'ENRICH_TRANSFORMS_INVALID',
        `enrich.transformsFile ${file} is not valid YAML or JSON: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  if (inline.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(inline);
    } catch (cause) {
      throw new ConfigError('ENRICH_TRANSFORMS_INVALID', `enrich.transforms is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    add('enrich.transforms', parsed);
  }
  return declared;
}

function dataError(
  code: 'ENRICH_TRANSFORM_FAILED' | 'ENRICH_TRANSFORM_INVALID',
  topic: string,
  message: string,
  cause?: unknown,
): TributaryError {
  return new TributaryError(code, `User transform of ${topic}: ${message}`, {
    failureType: 'data',
    ...(cause === undefined ? {} : { cause }),
    hint: 'Fix the expression in enrich.transformsFile / enrich.transforms, then redrive the dead letters.',
    details: { topic },
  });
}

/** Why `value` does not fit `schema` (first few paths), or null when it does. */
function schemaProblems(schema: EventSchemaName, value: unknown): string | null {
  const problems: string[] = [];
  const valid = avroType(schema).isValid(value, {
    errorHook: (path: string[], found: unknown) => {
      if (problems.length < 3) problems.push(`${path.join('.') || '(root)'} = ${JSON.stringify(found) ?? 'undefined'}`);
    },
  });
  return valid ? null : problems.join('; ');
}

export function compileTransform(topic: string, source: string, limits: TransformLimits = DEFAULT_TRANSFORM_LIMITS): UserTransform {
  const schema = TRANSFORMABLE.get(topic);
  if (schema === undefined) {
    throw new ConfigError(
      'ENRICH_TRANSFORM_TOPIC_UNKNOWN',
      `A transform is declared for ${topic}, which transform-enrich does not write (or which cannot be transformed).`,
      {
        hint: `Transformable topics: ${[...TRANSFORMABLE.keys()].join(', ')}. Deletions pass through unchanged.`,
      },
    );
  }
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      sequence: limits.maxSequence,
    } as jsonata.JsonataOptions);
  } catch (cause) {
    throw new ConfigError('ENRICH_TRANSFORM_COMPILE', `The transform for ${topic} does not compile: ${describeJsonataError(cause)}`, {
      cause,
      details: { topic, position: (cause as JsonataFailure).position },
    });
  }
  return {
    topic: topic as EnrichOutputTopic,
    schema,
    source,
    async apply(event, key) {
      const envelope = (event as { envelope: { collected_at: number } }).envelope;
      const clock = { now: () => new Date(envelope.collected_at).toISOString(), millis: () => envelope.collected_at };
      let result: unknown;
      try {
        result = await expression.evaluate(event, { topic, key, ...clock });
      } catch (cause) {
        throw dataError('ENRICH_TRANSFORM_FAILED', topic, describeJsonataError(cause), cause);
      }
      if (result === undefined || result === null || typeof result !== 'object' || Array.isArray(result))
        throw dataError(
          'ENRICH_TRANSFORM_INVALID',
          topic,
          `returned ${result === undefined ? 'nothing' : JSON.stringify(result)?.slice(0, 80)}, not an event.`,
        );
      // jsonata marks arrays it built as sequences; a JSON round trip leaves plain values.
      const plain = JSON.parse(JSON.stringify(result)) as { envelope?: unknown };
      // Compared as JSON: decoded events are avsc record instances, the result is plain objects.
      const original = JSON.parse(JSON.stringify((event as { envelope: unknown }).envelope)) as unknown;
      if (!isDeepStrictEqual(plain.envelope, original))
        throw dataError('ENRICH_TRANSFORM_INVALID', topic, 'changed the envelope (event identity must not change).');
      const problems = schemaProblems(schema, plain);
      if (problems !== null)
        throw dataError('ENRICH_TRANSFORM_INVALID', topic, `returned an event that does not fit ${schema}: ${problems}`);
      return plain;
    },
  };
}

/** Compiles every declared transform and dry-runs it on `examples(topic)` (enriched golden records). */
export async function compileTransforms(
  declared: Record<string, string>,
  limits: TransformLimits,
  examples: (topic: EnrichOutputTopic) => { name: string; event: unknown }[],
): Promise<Map<string, UserTransform>> {
  const transforms = new Map<string, UserTransform>();
  for (const [topic, source] of Object.entries(declared)) {
    const transform = compileTransform(topic, source, limits);
    for (const example of examples(transform.topic)) {
      try {
        await transform.apply(example.event, null);
      } catch (cause) {
        throw new ConfigError(
          'ENRICH_TRANSFORM_DRY_RUN',
          `The transform for ${topic} fails on the golden example ${example.name}: ${(cause as Error).message}`,
          {
            cause,
            hint: 'The examples are schemas/avro/examples/social/*; an expression must turn each of them into a valid event.',
            details: { topic, example: example.name },
          },
        );
      }
    }
    transforms.set(topic, transform);
  }
  return transforms;
}
