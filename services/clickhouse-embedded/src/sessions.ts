// HTTP sessions (session_id=…): each session owns one engine connection, so what a query leaves
// in the session — SET settings, USE, temporary tables — is there for the next query of the same
// session, as on a server. Like the server: one query at a time per session (a concurrent one
// fails with SESSION_IS_LOCKED), an idle session closes after session_timeout seconds (default
// 60), session_check=1 requires an existing session (SESSION_NOT_FOUND), close_session=1 closes
// it after the query.
import type { Engine, EngineConnection } from './engine.ts';
import { clickHouseError } from './errors.ts';
import type { SessionRequest } from './http-protocol.ts';
import { sessionTimeoutMs } from './http-protocol.ts';

interface Entry {
  connection: EngineConnection;
  busy: boolean;
  timeoutMs: number;
  expiresAt: number;
}

export interface SessionLease {
  connection: EngineConnection;
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

  acquire(request: SessionRequest): SessionLease {
    if (this.#closing) throw clickHouseError('ABORTED', 'The server is shutting down', { status: 503 });
    let entry = this.#entries.get(request.id);
    if (entry === undefined) {
      if (request.check) throw clickHouseError('SESSION_NOT_FOUND', `Session ${request.id} not found`);
      const timeoutMs = sessionTimeoutMs(request);
      entry = { connection: this.#engine.connect(), busy: false, timeoutMs, expiresAt: Date.now() + timeoutMs };
      this.#entries.set(request.id, entry);
    }
    if (entry.busy) throw clickHouseError('SESSION_IS_LOCKED', `Session ${request.id} is locked by a concurrent client`);
    entry.busy = true;
    if (request.timeoutSeconds !== undefined) entry.timeoutMs = sessionTimeoutMs(request);
    const current = entry;
    return {
      connection: current.connection,
      release: () => {
        current.busy = false;
        current.expiresAt = Date.now() + current.timeoutMs;
        if (request.close || this.#closing) this.#remove(request.id, current);
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
