// HTTP sessions (session_id=…): each session owns one engine connection, so what a query leaves
// in the session — SET settings, USE, temporary tables — is there for the next query of the same
// session, as on a server. Like the server: one query at a time per session (a concurrent one
// fails with SESSION_IS_LOCKED), an idle session closes after session_timeout seconds (default
// 60), session_check=1 requires an existing session (SESSION_NOT_FOUND), close_session=1 closes
// it after the query. A query counts as finished once its answer is sent: the next query of the
// session waits for the little cleanup that follows (restoring per-query settings) instead of
// failing, because a client may send it as soon as it has read the answer.
import type { Engine, EngineConnection } from './engine.ts';
import { clickHouseError } from './errors.ts';
import type { SessionRequest } from './http-protocol.ts';
import { sessionTimeoutMs } from './http-protocol.ts';

interface Entry {
  connection: EngineConnection;
  busy: boolean;
  /** Set once the busy query's answer is sent: resolves when its cleanup released the session. */
  finishing: Promise<void> | undefined;
  timeoutMs: number;
  expiresAt: number;
}

export interface SessionLease {
  connection: EngineConnection;
  /** The answer is sent; only cleanup remains (a next query of the session waits for release). */
  answered(): void;
  release(): void;
}

export class Sessions {
  readonly #engine: Engine;
  readonly #entries = new Map<string, Entry>();
  readonly #sweeper: NodeJS.Timeout;
  #closing = false;

  constructor(engine: Engine) {
    this.#engine = engine;
    this.#sweeper = setInterval(() => this.#sweep(), 1000);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#entries.size;
  }

  async acquire(request: SessionRequest): Promise<SessionLease> {
    if (this.#closing) throw clickHouseError('ABORTED', 'The server is shutting down', { status: 503 });
    let entry = this.#entries.get(request.id);
    // A previous query that already answered is only cleaning up: wait for it rather than refuse.
    while (entry?.busy && entry.finishing !== undefined) {
      await entry.finishing;
      entry = this.#entries.get(request.id);
    }
    if (entry === undefined) {
      if (request.check) throw clickHouseError('SESSION_NOT_FOUND', `Session ${request.id} not found`);
      const timeoutMs = sessionTimeoutMs(request);
      entry = { connection: this.#engine.connect(), busy: false, finishing: undefined, timeoutMs, expiresAt: Date.now() + timeoutMs };
      this.#entries.set(request.id, entry);
    }
    if (entry.busy) throw clickHouseError('SESSION_IS_LOCKED', `Session ${request.id} is locked by a concurrent client`);
    entry.busy = true;
    if (request.timeoutSeconds !== undefined) entry.timeoutMs = sessionTimeoutMs(request);
    const current = entry;
    let finished: (() => void) | undefined;
    return {
      connection: current.connection,
      answered: () => {
        if (current.finishing === undefined) current.finishing = new Promise<void>((resolve) => (finished = resolve));
      },
      release: () => {
        current.busy = false;
        current.finishing = undefined;
        current.expiresAt = Date.now() + current.timeoutMs;
        if (request.close || this.#closing) this.#remove(request.id, current);
        finished?.();
      },
    };
  }

  #remove(id: string, entry: Entry): void {
    if (this.#entries.get(id) === entry) this.#entries.delete(id);
    entry.connection.close();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      if (!entry.busy && entry.expiresAt <= now) this.#remove(id, entry);
    }
  }

  /** Closes every idle session (busy ones close when their query releases them). */
  closeAll(): void {
    this.#closing = true;
    clearInterval(this.#sweeper);
    for (const [id, entry] of this.#entries) {
      if (!entry.busy) this.#remove(id, entry);
    }
  }
}
