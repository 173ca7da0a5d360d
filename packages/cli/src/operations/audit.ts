// The operator audit trail: every action that moves or removes data writes an
// io.tributary.system.OperatorAction to tributary.operator-audit under `<action>:<action_id>` —
// STARTED before anything changes, COMPLETED or FAILED after, with counts and per-partition
// offsets in `details`. If the STARTED record cannot be written, the action does not start.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { EVENT_SCHEMAS } from '@tributary/events';
import type { OperatorAction } from '@tributary/events';
import { createSerde } from '@tributary/kafka';
import type { AvroSchema, Producer } from '@tributary/kafka';
import type { OperatorTargets } from './targets.ts';

export const AUDIT_TOPIC = 'tributary.operator-audit';

export type OperatorActionName = 'DLQ_REDRIVE' | 'DLQ_PURGE' | 'QUARANTINE_RELEASE' | 'REPLAY';

export interface AuditStart {
  action: OperatorActionName;
  sourceTopic: string;
  target: string | null;
  selection: string;
  records: number;
  details?: Record<string, string>;
}

export interface AuditedAction {
  readonly actionId: string;
  readonly actor: string;
  completed(records: number, details: Record<string, string>): Promise<void>;
  failed(error: unknown, records: number, details?: Record<string, string>): Promise<void>;
}

/** The OS user running the tool (the audit's actor). */
export function operatorName(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Writes the STARTED record and returns the handle for the outcome. */
export async function startAudit(targets: OperatorTargets, producer: Producer, start: AuditStart): Promise<AuditedAction> {
  const encoder = await createSerde(targets.registry).encoder<OperatorAction>(`${AUDIT_TOPIC}-value`, {
    schema: EVENT_SCHEMAS['io.tributary.system.OperatorAction'].schema as AvroSchema,
  });
  const actionId = randomUUID();
  const actor = operatorName();
  const write = async (status: 'STARTED' | 'COMPLETED' | 'FAILED', records: number, details: Record<string, string>): Promise<void> => {
    const value: OperatorAction = {
      action_id: actionId,
      action: start.action,
      status,
      actor,
      host: hostname(),
      at: Date.now(),
      source_topic: start.sourceTopic,
      target: start.target,
      selection: start.selection,
      records,
      details,
    };
    await producer.send([{ topic: AUDIT_TOPIC, key: `${start.action}:${actionId}`, value: encoder.encode(value) }]);
  };
  await write('STARTED', start.records, start.details ?? {});
  return {
    actionId,
    actor,
    completed: (records, details) => write('COMPLETED', records, details),
    failed: (error, records, details = {}) =>
      write('FAILED', records, { ...details, error: error instanceof Error ? error.message : String(error) }),
  };
}

/**
 * Runs `work` between a STARTED and a COMPLETED audit record. When it throws, a FAILED record
 * (with what `partial` says was done before the failure) is written and the error rethrown.
 */
export async function audited<T extends { records: number; details: Record<string, string> }>(
  targets: OperatorTargets,
  producer: Producer,
  start: AuditStart,
  work: (action: AuditedAction) => Promise<T>,
  partial: () => { records: number; details: Record<string, string> } = () => ({ records: 0, details: {} }),
): Promise<T & { actionId: string }> {
  const action = await startAudit(targets, producer, start);
  let result: T;
  try {
    result = await work(action);
  } catch (error) {
    const done = partial();
    await action
      .failed(error, done.records, done.details)
      .catch((auditError: unknown) => targets.logger.error({ err: auditError }, 'FAILED audit record not written.'));
    throw error;
  }
  await action.completed(result.records, result.details);
  return { ...result, actionId: action.actionId };
}
