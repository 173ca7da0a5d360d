// Reading the cluster's topics and applying a plan through the narrow TopicAdmin of
// @tributary/kafka. A plan with refusals applies nothing: the catalogue and the cluster must be
// reconciled by a person first.
import { ConfigError } from '@tributary/errors';
import type { TopicAdmin } from '@tributary/kafka';
import { refusals } from './topic-plan.ts';
import type { DesiredTopic, ExistingTopic, TopicPlan } from './topic-plan.ts';

/** The existing topics a plan needs: the desired ones that exist, and everything under the namespaces. */
export async function readExistingTopics(
  admin: TopicAdmin,
  desired: readonly DesiredTopic[],
  namespaces: readonly string[],
): Promise<ExistingTopic[]> {
  const wanted = new Set(desired.map((topic) => topic.name));
  const names = (await admin.listTopics()).filter((name) => wanted.has(name) || namespaces.some((prefix) => name.startsWith(prefix)));
  return admin.describeTopics(names);
}

export interface ApplyResult {
  created: string[];
  partitionsAdded: { topic: string; from: number; to: number }[];
  configured: { topic: string; names: string[] }[];
}

export async function applyTopics(admin: TopicAdmin, plan: TopicPlan): Promise<ApplyResult> {
  const refused = refusals(plan);
  if (refused.length > 0) {
    throw new ConfigError(
      'TOPICS_UNSAFE_CHANGE',
      `The catalogue asks for ${refused.length} change${refused.length === 1 ? '' : 's'} that apply refuses to make:\n${refused
        .map((action) => `  ${action.topic}: ${action.problems.join(' ')}`)
        .join('\n')}`,
      {
        hint: 'Nothing was changed. Align the catalogue with the cluster (or migrate by hand), then run apply again.',
        details: { refused: refused.map((action) => action.topic) },
      },
    );
  }
  const result: ApplyResult = { created: [], partitionsAdded: [], configured: [] };
  const creates = plan.actions.filter((action) => action.action === 'create');
  if (creates.length > 0) {
    await admin.createTopics(
      creates.map((action) => ({
        name: action.topic,
        partitions: action.partitions,
        replicationFactor: action.replicationFactor,
        config: action.config,
      })),
    );
    result.created.push(...creates.map((action) => action.topic));
  }
  for (const action of plan.actions) {
    if (action.action !== 'update') continue;
    if (action.overrides) {
      await admin.setOverrides(action.topic, action.overrides);
      result.configured.push({ topic: action.topic, names: action.config.map((change) => change.name) });
    }
    if (action.partitions) {
      await admin.createPartitions(action.topic, action.partitions.to);
      result.partitionsAdded.push({ topic: action.topic, ...action.partitions });
    }
  }
  return result;
}
