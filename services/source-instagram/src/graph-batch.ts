// A fan-out stream's request as ONE Graph batch (POST /?batch=[…], ≤ 50 sub-requests, each counted against the
// budgets) and the walk over its answer, one item per entity in request order. Failed items are reported alone
// (counted, with the Graph code) so the rest of the batch lands. Generic for any Meta fan-out: it belongs in the kit
// next to metaGraphBatchFetch (which drives the requester itself and so does not fit a fan-out declaration).
import { metaGraphErrors, parseJsonText } from '@tributary/connector-kit';
import type { ApiRequest, ApiResponse, DiscoveredEntity, StreamContext } from '@tributary/connector-kit';
import type { DataIssue, DataIssues } from './records.ts';

export function graphBatchRequest(
  endpoint: string,
  context: StreamContext,
  entities: readonly DiscoveredEntity[],
  relativeUrl: (entity: DiscoveredEntity) => string,
): ApiRequest {
  const batch = entities.map((entity) => ({ method: 'GET', relative_url: relativeUrl(entity) }));
  return {
    endpoint,
    method: 'POST',
    path: '/',
    query: { batch: JSON.stringify(batch), include_headers: true },
    cost: entities.length,
    credential: context.credential,
    priority: context.priority,
  };
}

/** Calls `each` with the parsed body of every successful item; failed items are reported as `failure` (10 separately). */
export function forEachBatchAnswer(
  response: ApiResponse,
  entities: readonly DiscoveredEntity[],
  issues: DataIssues,
  failure: DataIssue,
  each: (entity: DiscoveredEntity, body: unknown) => void,
): void {
  const answers = Array.isArray(response.body) ? (response.body as unknown[]) : [];
  entities.forEach((entity, index) => {
    const answer = answers[index] as { code?: unknown; body?: unknown } | null | undefined;
    if (typeof answer !== 'object' || answer === null) {
      issues.report(failure, entity.id, 'no answer (the sub-request timed out)');
      return;
    }
    let body: unknown;
    try {
      body = typeof answer.body === 'string' ? parseJsonText(answer.body) : answer.body;
    } catch {
      issues.report(failure, entity.id, 'the answer is not JSON');
      return;
    }
    const code = Number(answer.code);
    if (code >= 200 && code < 300) {
      each(entity, body);
      return;
    }
    const verdict = metaGraphErrors(code, body, {}, { now: response.receivedAt });
    issues.report(verdict?.code === '10' ? 'insights-not-enough-viewers' : failure, entity.id, verdict?.code ?? `HTTP ${code}`);
  });
}
