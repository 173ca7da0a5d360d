// One pipeline for every simulated endpoint: faults before the handler, the handler (which may ask
// for a page fault), faults on the 2xx body, then the ground-truth commit of what was served intact.
import { BEFORE_HANDLER_FAULTS, BODY_FAULTS } from './faults.ts';
import type { ActiveFault, FaultBoard, FaultKind } from './faults.ts';
import type { SimRequest, SimResponse } from './exchange.ts';
import { ServedLog } from './ground-truth.ts';
import type { GroundTruthRecorder } from './ground-truth.ts';
import { corruptBody } from './body-faults.ts';
import type { TimestampFields } from './body-faults.ts';
import type { PlatformName } from './platforms.ts';
import type { SimClock } from './clock.ts';

/** How a platform renders the faults that replace its answer. */
export interface FaultResponses {
  throttled(fault: ActiveFault, request: SimRequest): SimResponse;
  serverError(fault: ActiveFault, request: SimRequest): SimResponse;
}

export interface EndpointDeps {
  platform: PlatformName;
  clock: SimClock;
  faults: FaultBoard;
  recorder: GroundTruthRecorder;
  faultResponses: FaultResponses;
  timestamps: TimestampFields;
}

export interface EndpointContext {
  request: SimRequest;
  endpoint: string;
  /** Simulated instant of this request. */
  now: number;
  served: ServedLog;
  /** Consumes a page fault of this kind if one is set for the endpoint. */
  pageFault(kind: FaultKind): ActiveFault | null;
}

export async function runEndpoint(
  deps: EndpointDeps,
  endpoint: string,
  request: SimRequest,
  handler: (context: EndpointContext) => SimResponse | Promise<SimResponse>,
): Promise<SimResponse> {
  let delayMs: number | undefined;
  const before = deps.faults.take(deps.platform, endpoint, BEFORE_HANDLER_FAULTS);
  if (before?.kind === 'throttle') return deps.faultResponses.throttled(before, request);
  if (before?.kind === 'server-error') return deps.faultResponses.serverError(before, request);
  if (before?.kind === 'hang') return { status: 0, headers: {}, body: '', hang: true };
  if (before?.kind === 'delay') delayMs = before.delayMs ?? 30_000;

  const now = deps.clock.now();
  const served = new ServedLog(deps.platform, endpoint, now);
  const context: EndpointContext = {
    request,
    endpoint,
    now,
    served,
    pageFault: (kind) => deps.faults.take(deps.platform, endpoint, [kind]),
  };
  let response = await handler(context);
  if (response.status >= 200 && response.status < 300) {
    const bodyFault = deps.faults.take(deps.platform, endpoint, BODY_FAULTS);
    if (bodyFault) response = corruptBody(response, bodyFault, deps.timestamps);
    else deps.recorder.commit(served);
  }
  return delayMs === undefined ? response : { ...response, delayMs };
}
