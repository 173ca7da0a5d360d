// A fan-out stream's request as ONE Graph batch (POST /?batch=[…], ≤ 50 sub-requests, each counted against the
// budgets) and the walk over its answer, one item per planned sub-request in request order. Failed items are reported
// alone (counted, with the Graph code) so the rest of the batch lands. Generic for any Meta fan-out: it belongs in the
// kit next to metaGraphBatchFetch (which drives the requester itself and so does not fit a fan-out declaration).
import { metaGraphErrors, parseJsonText } from '@tributary/connector-kit';
import type { ApiRequest, ApiResponse, StreamContext } from '@tributary/connector-kit';
import type { DataIssue, DataIssues } from './records.ts';

/** One sub-request: what it is about and its URL relative to the version (`<id>/insights?metric=…`). */
export interface BatchPart {
  entityId: string;
  relativeUrl: string;
}

export const MAX_BATCH_PARTS = 50;

export function graphBatchRequest(endpoint: string, context: StreamContext, parts: readonly BatchPart[]): ApiRequest {
  const batch = parts.map((part) => ({ method: 'GET', relative_url: part.relativeUrl }));
  return {
    endpoint,
    method: 'POST',
    path: '/',
    query: { batch: JSON.stringify(batch), include_headers: true },
    cost: parts.length,
    credential: context.credential,
    priority: context.priority,
  };
}

/** Calls `each` with the parsed body of every successful item; failed items are reported as `failure` (10 separately). */
export function forEachBatchAnswer<Part extends BatchPart>(
  response: ApiResponse,
  parts: readonly Part[],
  issues: DataIssues,
  failure: DataIssue,
  each: (part: Part, body: unknown) => void,
): void {
  const answers = Array.isArray(response.body) ? (response.body as unknown[]) : [];
  parts.forEach((part, index) => {
    const answer = answers[index] as { code?: unknown; body?: unknown } | null | undefined;
    if (typeof answer !== 'object' || answer === null) {
      issues.report(failure, part.entityId, 'no answer (the sub-request timed out)');
      return;
    }
    let body: unknown;
    try {
      body = typeof answer.body === 'string' ? parseJsonText(answer.body) : answer.body;
    } catch {
      issues.report(failure, part.entityId, 'the answer is not JSON');
      return;
    }
    const code = Number(answer.code);
    if (code >= 200 && code < 300) {
      each(part, body);
      return;
    }
    const verdict = metaGraphErrors(code, body, {}, { now: response.receivedAt });
    issues.report(verdict?.code === '10' ? 'insights-not-enough-viewers' : failure, part.entityId, verdict?.code ?? `HTTP ${code}`);
  });
}
