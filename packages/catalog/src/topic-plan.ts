// What `tributary topics apply` would change: the difference between the catalogue and the
// cluster, as a list of actions. Safe changes are planned (create a topic, add partitions, set
// configuration); changes that would rewrite the meaning of existing data are refused with the
// reason and a way out (fewer partitions, another cleanup policy, another replication factor).
// Topics are never deleted: existing topics under Tributary's namespaces that the catalogue does
// not declare are only reported.
import type { ReplicationFactor, TopicSpec } from './topic-catalogue.ts';

/** The part of a topic the plan compares; TopicState from @tributary/kafka fits. */
export interface ExistingTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Effective configuration. */
  config: Record<string, string>;
  /** The topic's own overrides. */
  overrides: Record<string, string>;
}

export type DesiredTopic = Pick<TopicSpec, 'name' | 'partitions' | 'replicationFactor' | 'config'>;

export interface ConfigChange {
  name: string;
  /** The effective value now (null when the broker reports none). */
  from: string | null;
  to: string;
}

export type TopicAction =
  | { action: 'create'; topic: string; partitions: number; replicationFactor: ReplicationFactor; config: Record<string, string> }
  | {
      action: 'update';
      topic: string;
      /** Set when partitions are added. */
      partitions?: { from: number; to: number };
      config: ConfigChange[];
      /** The complete override set to write when config changes (current overrides + changes). */
      overrides?: Record<string, string>;
      /** Consequences an operator should know about. */
      notes: string[];
    }
  | { action: 'refuse'; topic: string; problems: string[] }
  | { action: 'none'; topic: string };

export interface TopicPlan {
  actions: TopicAction[];
  /** Existing topics under the catalogue's namespaces that it does not declare; left alone. */
  undeclared: string[];
}

/** Values Kafka treats as equal even when spelled differently. */
function normaliseValue(name: string, value: string): string {
  if (name === 'cleanup.policy')
    return value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .sort()
      .join(',');
  return value.trim();
}

function days(ms: number): string {
  return ms === -1 ? 'forever' : ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms} ms`;
}

function planOne(existing: ExistingTopic, desired: DesiredTopic): TopicAction {
  const problems: string[] = [];
  const notes: string[] = [];

  if (desired.partitions < existing.partitions) {
    problems.push(
      `partitions ${existing.partitions} -> ${desired.partitions}: Kafka cannot remove partitions. Set partitions: ${existing.partitions} in the catalogue, or move to a new topic.`,
    );
  }
  if (desired.replicationFactor !== 'broker-default' && desired.replicationFactor !== existing.replicationFactor) {
    problems.push(
      `replication factor ${existing.replicationFactor} -> ${desired.replicationFactor}: needs a partition reassignment (kafka-reassign-partitions), which apply does not do. Reassign by hand, then run apply again.`,
    );
  }

  const config: ConfigChange[] = [];
  for (const [name, wanted] of Object.entries(desired.config)) {
    const current = existing.config[name] ?? null;
    if (current !== null && normaliseValue(name, current) === normaliseValue(name, wanted)) continue;
    if (name === 'cleanup.policy' && current !== null) {
      problems.push(
        `cleanup.policy ${current} -> ${wanted}: changes what the existing records mean (compaction drops superseded keys, delete drops by age). Create a new topic and migrate, or keep ${current}.`,
      );
      continue;
    }
    if (name === 'retention.ms' && current !== null) {
      const now = Number(current);
      const next = Number(wanted);
      if (next !== -1 && (now === -1 || next < now))
        notes.push(`retention shrinks from ${days(now)} to ${days(next)}: older records become eligible for deletion`);
    }
    config.push({ name, from: current, to: wanted });
  }

  if (problems.length > 0) return { action: 'refuse', topic: existing.name, problems };

  const partitions = desired.partitions > existing.partitions ? { from: existing.partitions, to: desired.partitions } : undefined;
  if (partitions) {
    notes.push(
      `partitions ${partitions.from} -> ${partitions.to}: keys map to new partitions, so per-key order holds only from this point on (consumers should be drained first)`,
    );
  }
  if (!partitions && config.length === 0) return { action: 'none', topic: existing.name };

  return {
    action: 'update',
    topic: existing.name,
    ...(partitions ? { partitions } : {}),
    config,
    ...(config.length > 0
      ? { overrides: { ...existing.overrides, ...Object.fromEntries(config.map((change) => [change.name, change.to])) } }
      : {}),
    notes,
  };
}

/**
 * Plans the changes that make `existing` match `desired`. `existing` holds the topics that exist
 * (at least those named in `desired`); any of them under `namespaces` but not desired is reported
 * as undeclared.
 */
export function planTopics(
  existing: readonly ExistingTopic[],
  desired: readonly DesiredTopic[],
  namespaces: readonly string[] = [],
): TopicPlan {
  const byName = new Map(existing.map((topic) => [topic.name, topic]));
  const wanted = new Set(desired.map((topic) => topic.name));
  const actions = desired.map((topic): TopicAction => {
    const current = byName.get(topic.name);
    if (!current)
      return {
        action: 'create',
        topic: topic.name,
        partitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        config: { ...topic.config },
      };
    return planOne(current, topic);
  });
  const undeclared = existing
    .map((topic) => topic.name)
    .filter((name) => !wanted.has(name) && namespaces.some((prefix) => name.startsWith(prefix)))
    .sort();
  return { actions, undeclared };
}

export function refusals(plan: TopicPlan): Extract<TopicAction, { action: 'refuse' }>[] {
  return plan.actions.filter((action): action is Extract<TopicAction, { action: 'refuse' }> => action.action === 'refuse');
}

export function changes(plan: TopicPlan): Exclude<TopicAction, { action: 'none' }>[] {
  return plan.actions.filter((action): action is Exclude<TopicAction, { action: 'none' }> => action.action !== 'none');
}

/** One line per action, for people: `+ create`, `~ update`, `! refuse`; unchanged topics are counted. */
export function formatPlan(plan: TopicPlan): string[] {
  const lines: string[] = [];
  const config = (entries: Record<string, string>): string =>
    Object.entries(entries)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
  for (const action of plan.actions) {
    if (action.action === 'create') {
      lines.push(
        `+ create ${action.topic}: partitions=${action.partitions} replication=${action.replicationFactor} ${config(action.config)}`.trimEnd(),
      );
    } else if (action.action === 'update') {
      const parts = [
        ...(action.partitions ? [`partitions ${action.partitions.from} -> ${action.partitions.to}`] : []),
        ...action.config.map((change) => `${change.name} ${change.from ?? '(unset)'} -> ${change.to}`),
      ];
      lines.push(`~ update ${action.topic}: ${parts.join(', ')}`);
      for (const note of action.notes) lines.push(`    note: ${note}`);
    } else if (action.action === 'refuse') {
      lines.push(`! refuse ${action.topic}:`);
      for (const problem of action.problems) lines.push(`    ${problem}`);
    }
  }
  const unchanged = plan.actions.filter((action) => action.action === 'none').length;
  if (unchanged > 0) lines.push(`= ${unchanged} topic${unchanged === 1 ? '' : 's'} already as declared`);
  for (const name of plan.undeclared) lines.push(`? ${name} exists under a Tributary namespace but is not in the catalogue (left alone)`);
  return lines;
}
