// Admin routes under /_sim, so a separate process (the demo, a crash test) can drive the simulator:
//   GET  /_sim/health                         {ok, now}
//   GET  /_sim/clock   POST /_sim/clock {advanceMs} | {time}
//   GET  /_sim/faults  POST /_sim/faults <FaultSpec>  DELETE /_sim/faults?id=&platform=
//   GET  /_sim/knobs   POST /_sim/knobs <KnobChanges>
//   GET  /_sim/ground-truth?from=&to=&platform=
//   GET  /_sim/credentials (issued at start)   POST /_sim/credentials {platform, account, scopes?}
//   GET  /_sim/webhooks/attempts?platform=&event=
//   POST /_sim/events {type: tiktok.authorization.removed | instagram.verify | instagram.comment |
//                      instagram.mention | youtube.delete | youtube.title, ...}
//   GET  /_sim/stats
// Unauthenticated: the simulator binds loopback only and holds no real secrets.
import { jsonBody, jsonResponse, segments } from '../core/exchange.ts';
import type { SimRequest, SimResponse } from '../core/exchange.ts';
import { isPlatformName } from '../core/platforms.ts';
import type { FaultSpec } from '../core/faults.ts';
import type { KnobChanges } from '../knobs.ts';
import type { PlatformSim } from '../sim.ts';

function optionalNumber(value: string | null): number | undefined {
  return value === null || value === '' ? undefined : Number(value);
}

export async function handleAdmin(sim: PlatformSim, request: SimRequest): Promise<SimResponse> {
  const route = `${request.method} /${segments(request.path).join('/')}`;
  const body = (jsonBody(request) ?? {}) as Record<string, unknown>;
  const query = request.query;
  try {
    switch (route) {
      case 'GET /health':
        return jsonResponse(200, { ok: true, now: sim.now() });
      case 'GET /clock':
        return jsonResponse(200, { now: sim.now(), iso: new Date(sim.now()).toISOString() });
      case 'POST /clock':
        if (typeof body.advanceMs === 'number') await sim.advance(body.advanceMs);
        else if (typeof body.time === 'number') await sim.setTime(body.time);
        else return jsonResponse(400, { error: 'Send {"advanceMs": n} or {"time": epochMs}.' });
        return jsonResponse(200, { now: sim.now(), iso: new Date(sim.now()).toISOString() });
      case 'GET /faults':
        return jsonResponse(200, { faults: sim.faults.list() });
      case 'POST /faults':
        if (!isPlatformName(body.platform)) return jsonResponse(400, { error: 'platform must be tiktok, instagram or youtube.' });
        return jsonResponse(200, { fault: sim.faults.set(body as unknown as FaultSpec) });
      case 'DELETE /faults': {
        const platform = query.get('platform');
        if (platform !== null && !isPlatformName(platform)) return jsonResponse(400, { error: 'Unknown platform.' });
        const id = query.get('id');
        return jsonResponse(200, {
          cleared: sim.faults.clear({ ...(id === null ? {} : { id }), ...(platform === null ? {} : { platform }) }),
        });
      }
      case 'GET /knobs':
        return jsonResponse(200, sim.knobs);
      case 'POST /knobs':
        sim.setKnobs(body as KnobChanges);
        return jsonResponse(200, sim.knobs);
      case 'GET /ground-truth': {
        const platform = query.get('platform');
        const from = optionalNumber(query.get('from'));
        const to = optionalNumber(query.get('to'));
        return jsonResponse(
          200,
          sim.groundTruth({
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            ...(isPlatformName(platform) ? { platform } : {}),
          }),
        );
      }
      case 'GET /credentials':
        return jsonResponse(200, sim.credentials());
      case 'POST /credentials': {
        if (!isPlatformName(body.platform) || typeof body.account !== 'string')
          return jsonResponse(400, { error: 'Send {"platform", "account", "scopes"?}.' });
        const scopes = Array.isArray(body.scopes) ? (body.scopes as string[]) : undefined;
        return jsonResponse(200, sim.issueCredential(body.platform, body.account, scopes));
      }
      case 'GET /webhooks/attempts': {
        const platform = query.get('platform');
        const event = query.get('event');
        return jsonResponse(200, {
          attempts: sim.webhooks.attempts({ ...(isPlatformName(platform) ? { platform } : {}), ...(event === null ? {} : { event }) }),
        });
      }
      case 'POST /events':
        return jsonResponse(200, { result: await runEvent(sim, body) });
      case 'GET /stats':
        return jsonResponse(200, sim.stats());
      default:
        return jsonResponse(404, { error: `No admin route ${route}.` });
    }
  } catch (error) {
    return jsonResponse(400, { error: (error as Error).message });
  }
}

async function runEvent(sim: PlatformSim, body: Record<string, unknown>): Promise<unknown> {
  const text = (name: string): string => {
    const value = body[name];
    if (typeof value !== 'string') throw new TypeError(`${name} (string) is required.`);
    return value;
  };
  switch (body.type) {
    case 'tiktok.authorization.removed':
      return sim.webhooks.tiktokRemoveAuthorization(text('openId'), typeof body.reason === 'number' ? body.reason : 1);
    case 'instagram.verify':
      return sim.webhooks.instagramVerify(typeof body.url === 'string' ? body.url : undefined);
    case 'instagram.comment':
      return sim.webhooks.instagramComment(text('mediaId'));
    case 'instagram.mention':
      return sim.webhooks.instagramMention(text('mediaId'), typeof body.commentId === 'string' ? body.commentId : undefined);
    case 'youtube.delete':
      return sim.webhooks.youtubeDeleteVideo(text('videoId'));
    case 'youtube.title':
      return sim.webhooks.youtubeChangeTitle(text('videoId'), text('title'));
    default:
      throw new RangeError(`Unknown event type ${String(body.type)}.`);
  }
}
