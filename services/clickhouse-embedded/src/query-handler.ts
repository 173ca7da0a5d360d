// One query over HTTP, end to end: parse the request, wait for an engine slot, find the statement
// (URL and/or body) and any inline INSERT data, set up the query context on a connection, run
// the statement with the engine call that fits it, answer like the server.
//
// Engine calls by statement:
//   INSERT with data in the body  -> raw insert of the body bytes (cut into row-aligned chunks
//                                    for line formats, see request-body.ts)
//   SELECT / WITH / (             -> streamed result (chunked transfer), unless wait_end_of_query=1
//   anything else                 -> run to completion, result buffered
// Query context = SET statements on the connection before the statement: readonly=2 for GET,
// max_execution_time from queryTimeoutMs (unless given), URL settings, param_<name> values, and
// USE <database>. A fresh connection per query makes them last exactly one query; in an HTTP
// session they are restored afterwards (query parameters stay, see README).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@tributary/telemetry';
import type { Admission } from './admission.ts';
import { AdmissionRefused } from './admission.ts';
import type { Engine, EngineConnection } from './engine.ts';
import type { ClickHouseHttpError } from './errors.ts';
import { clickHouseError, fromEngineError } from './errors.ts';
import type { QueryRequest, Summary } from './http-protocol.ts';
import { emptySummary, parseQueryRequest } from './http-protocol.ts';
import { bodyError, decodedBody, insertChunks, parseMultipart, readAll, rowBoundaryOf } from './request-body.ts';
import type { ServerIdentity } from './response.ts';
import { QueryResponse } from './response.ts';
import type { Sessions } from './sessions.ts';
import type { StatementShape } from './sql-scan.ts';
import { quoteIdentifier, quoteString, scanStatement } from './sql-scan.ts';

export interface QueryLimits {
  maxBodyBytes: number;
  insertChunkBytes: number;
  queryTimeoutMs: number;
}

export interface QueryContext {
  engine: Engine;
  sessions: Sessions;
  admission: Admission;
  limits: QueryLimits;
  identity: ServerIdentity;
  logger: Logger;
  /** Query ids of running queries (a second query with the same id is refused, code 216). */
  running: Set<string>;
  stopping(): boolean;
}

/** Statements a GET may run in a session, where readonly=2 cannot be set and unset again. */
const READ_ONLY_KEYWORDS = new Set(['SELECT', 'WITH', '(', 'SHOW', 'DESC', 'DESCRIBE', 'EXISTS', 'EXPLAIN', 'SET', 'USE']);
/** Statements that answer with a result set (X-ClickHouse-Format, Content-Type per format). */
const RESULT_KEYWORDS = new Set(['SELECT', 'WITH', '(', 'SHOW', 'DESC', 'DESCRIBE', 'EXISTS', 'EXPLAIN', 'CHECK']);
/** How much of a body is decoded to look for the end of an INSERT statement (ClickHouse's max_query_size is 256 KiB). */
const STATEMENT_HEAD_BYTES = 1024 * 1024;

interface Plan {
  sql: string;
  shape: StatementShape;
  /** The INSERT data, for INSERT … FORMAT x / VALUES with data in the body. */
  data: AsyncIterable<Buffer> | Buffer | undefined;
}

export async function handleQuery(context: QueryContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const startedAt = process.hrtime.bigint();
  let request: QueryRequest;
  try {
    request = await readRequest(context, req, url);
  } catch (error) {
    const failure = fromEngineError(bodyError(error, undefined), context.engine.codeNames);
    const response = new QueryResponse(res, context.identity, url.searchParams.get('query_id') ?? '');
    await answerFailure(context, req, response, failure);
    return;
  }
  const response = new QueryResponse(res, context.identity, request.queryId);
  if (context.stopping()) response.closeConnectionAfter();
  const gone = new AbortController();
  res.once('close', () => gone.abort(new Error('client closed the connection')));

  let releaseSlot: (() => void) | undefined;
  let registered = false;
  let outcome = 'ok';
  try {
    if (context.stopping()) throw clickHouseError('ABORTED', 'The server is shutting down', { status: 503 });
    if (context.running.has(request.queryId)) {
      throw clickHouseError('QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING', `Query with id = ${request.queryId} is already running`);
    }
    context.running.add(request.queryId);
    registered = true;
    releaseSlot = await acquireSlot(context, gone.signal);
    await runQuery(context, req, request, response, startedAt);
  } catch (error) {
    const failure = fromEngineError(bodyError(error, request.requestCodec), context.engine.codeNames);
    outcome = failure.errorName;
    if (!response.clientGone) await answerFailure(context, req, response, failure);
  } finally {
    releaseSlot?.();
    if (registered) context.running.delete(request.queryId);
    context.logger.debug(
      { queryId: request.queryId, method: request.method, outcome, elapsedMs: Number(process.hrtime.bigint() - startedAt) / 1e6 },
      'Query finished.',
    );
  }
}

async function answerFailure(
  context: QueryContext,
  req: IncomingMessage,
  response: QueryResponse,
  failure: ClickHouseHttpError,
): Promise<void> {
  if (failure.errorName === 'STD_EXCEPTION')
    context.logger.error({ err: failure.cause ?? failure }, 'Query failed with an unexpected error.');
  // Discard whatever is left of the request body, so the client can finish sending and read the answer.
  if (!req.readableEnded) {
    req.unpipe();
    req.resume();
  }
  await response.fail(failure);
}

async function acquireSlot(context: QueryContext, signal: AbortSignal): Promise<() => void> {
  try {
    return await context.admission.acquire(signal);
  } catch (error) {
    if (!(error instanceof AdmissionRefused)) throw error;
    throw clickHouseError(
      'TOO_MANY_SIMULTANEOUS_QUERIES',
      `Too many simultaneous queries: ${error.running} running and ${error.queued} queued (maxConcurrentQueries / maxQueuedQueries of the embedded server). Retry later`,
      { status: 503 },
    );
  }
}

/** Parses the request; a multipart/form-data body contributes its fields as URL parameters. */
async function readRequest(context: QueryContext, req: IncomingMessage, url: URL): Promise<QueryRequest> {
  const request = parseQueryRequest(req.method ?? 'GET', url.searchParams, req.headers);
  const contentType = req.headers['content-type'] ?? '';
  if (request.method !== 'POST' || !contentType.toLowerCase().startsWith('multipart/form-data')) return request;
  const body = await readAll(decodedBody(req, request.requestCodec), context.limits.maxBodyBytes, 'The multipart/form-data body');
  const form = await parseMultipart(body, contentType);
  const merged = new URLSearchParams(url.searchParams);
  for (const [name, value] of form.fields) merged.append(name, value);
  return parseQueryRequest(req.method ?? 'POST', merged, { ...req.headers, 'content-encoding': undefined });
}

async function runQuery(
  context: QueryContext,
  req: IncomingMessage,
  request: QueryRequest,
  response: QueryResponse,
  startedAt: bigint,
): Promise<void> {
  const lease = request.session === undefined ? undefined : await context.sessions.acquire(request.session);
  const connection = lease?.connection ?? context.engine.connect();
  let restore: string | undefined;
  try {
    const body = request.method === 'POST' && !req.readableEnded ? decodedBody(req, request.requestCodec) : undefined;
    const plan = await planStatement(request, body, context.limits.maxBodyBytes);
    checkStatement(request, plan.shape, plan.sql);
    if (lease !== undefined) restore = await snapshotContext(connection, request, context.limits);
    const statements = contextStatements(request, context.limits, request.method !== 'POST' && lease === undefined);
    if (statements.length > 0) await connection.exec(statements.join('; '), 'TSV');

    if (plan.data !== undefined) await runInsert(context, connection, request, plan, response, startedAt);
    else if (plan.shape.kind === 'select' && !request.waitEndOfQuery) await runStreamed(connection, request, plan, response, startedAt);
    else await runBuffered(connection, request, plan, response, startedAt);
    lease?.answered();
  } finally {
    if (restore !== undefined) await connection.exec(restore, 'TSV').catch(() => undefined);
    if (lease !== undefined) lease.release();
    else connection.close();
  }
}

/** Finds the statement and the INSERT data: URL query, body, or both (joined by a newline, as the server does). */
async function planStatement(request: QueryRequest, body: AsyncIterable<Buffer> | undefined, maxBodyBytes: number): Promise<Plan> {
  if (request.method !== 'POST' || body === undefined) {
    const sql = request.urlQuery ?? '';
    return { sql, shape: scanStatement(sql), data: undefined };
  }
  if (request.urlQuery !== undefined) {
    const shape = scanStatement(request.urlQuery);
    if (shape.insert !== undefined) {
      const inline = request.urlQuery.slice(shape.insert.dataStart);
      const sql = request.urlQuery.slice(0, shape.insert.statementEnd);
      return { sql, shape, data: inline.trim() === '' ? body : prepend(Buffer.from(`${inline}\n`), body) };
    }
    const rest = await readAll(body, maxBodyBytes, 'The query');
    const text = rest.length === 0 ? Buffer.from(request.urlQuery) : Buffer.concat([Buffer.from(`${request.urlQuery}\n`), rest]);
    return splitInline(text);
  }
  return splitInline(await readAll(body, maxBodyBytes, 'The query'));
}

/** A body holding the statement and possibly inline INSERT data after it. */
function splitInline(text: Buffer): Plan {
  const head = text.subarray(0, STATEMENT_HEAD_BYTES).toString('utf8');
  const headShape = scanStatement(head);
  const whole = text.length <= STATEMENT_HEAD_BYTES || headShape.insert !== undefined ? head : text.toString('utf8');
  const shape = whole === head ? headShape : scanStatement(whole);
  if (shape.insert === undefined) return { sql: whole, shape, data: undefined };
  const dataStart = Buffer.byteLength(whole.slice(0, shape.insert.dataStart));
  return { sql: whole.slice(0, shape.insert.statementEnd), shape, data: text.subarray(dataStart) };
}

async function* prepend(first: Buffer, rest: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  yield first;
  yield* rest;
}

function checkStatement(request: QueryRequest, shape: StatementShape, sql: string): void {
  if (sql.trim() === '' || shape.keyword === '') throw clickHouseError('SYNTAX_ERROR', 'Empty query');
  if (shape.multipleStatements) throw clickHouseError('SYNTAX_ERROR', 'Syntax error (Multi-statements are not allowed)');
  if (shape.intoOutfile) throw clickHouseError('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
  if (request.method !== 'POST' && !READ_ONLY_KEYWORDS.has(shape.keyword)) {
    throw clickHouseError(
      'READONLY',
      'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries',
    );
  }
}

function settingAssignments(request: QueryRequest, limits: QueryLimits): string[] {
  const assignments: string[] = [];
  if (limits.queryTimeoutMs > 0 && !request.settings.some(([name]) => name === 'max_execution_time')) {
    assignments.push(`max_execution_time = ${limits.queryTimeoutMs / 1000}`);
  }
  for (const [name, value] of request.settings) assignments.push(`${name} = ${quoteString(value)}`);
  return assignments;
}

/** The SET / USE statements that make the connection's context this query's context. */
function contextStatements(request: QueryRequest, limits: QueryLimits, readonly: boolean): string[] {
  const statements: string[] = [];
  if (readonly) statements.push('SET readonly = 2');
  const assignments = settingAssignments(request, limits);
  for (const [name, value] of request.params) assignments.push(`param_${name} = ${quoteString(value)}`);
  if (assignments.length > 0) statements.push(`SET ${assignments.join(', ')}`);
  if (request.database !== undefined) statements.push(`USE ${quoteIdentifier(request.database)}`);
  return statements;
}

/** In a session: the statement that puts back the settings and database this query changes. */
async function snapshotContext(connection: EngineConnection, request: QueryRequest, limits: QueryLimits): Promise<string | undefined> {
  const names = settingAssignments(request, limits).map((assignment) => assignment.slice(0, assignment.indexOf(' ')));
  const statements: string[] = [];
  if (names.length > 0) {
    const list = names.map(quoteString).join(', ');
    const current = await connection.exec(`SELECT name, value FROM system.settings WHERE name IN (${list})`, 'JSONEachRow');
    const rows = Buffer.from(current.bytes).toString('utf8').trim().split('\n').filter(Boolean);
    const values = rows.map((line) => JSON.parse(line) as { name: string; value: string });
    if (values.length > 0) statements.push(`SET ${values.map((row) => `${row.name} = ${quoteString(row.value)}`).join(', ')}`);
  }
  if (request.database !== undefined) {
    const current = await connection.exec('SELECT currentDatabase()', 'TSV');
    statements.push(`USE ${quoteIdentifier(Buffer.from(current.bytes).toString('utf8').trim())}`);
  }
  return statements.length > 0 ? statements.join('; ') : undefined;
}

function elapsedSince(startedAt: bigint): bigint {
  return process.hrtime.bigint() - startedAt;
}

function settingOf(request: QueryRequest, name: string): string | undefined {
  return request.settings.findLast(([setting]) => setting === name)?.[1];
}

function timezoneOf(request: QueryRequest): { timezone?: string } {
  const timezone = settingOf(request, 'session_timezone');
  return timezone ? { timezone } : {};
}

async function runInsert(
  context: QueryContext,
  connection: EngineConnection,
  request: QueryRequest,
  plan: Plan,
  response: QueryResponse,
  startedAt: bigint,
): Promise<void> {
  const summary = emptySummary();
  const format = plan.shape.insert?.format ?? 'Values';
  const boundary = rowBoundaryOf(format);
  const token = settingOf(request, 'insert_deduplication_token');
  // A token inside the statement's own SETTINGS clause cannot be derived per chunk: such inserts stay whole.
  const tokenInStatement = plan.shape.hasSettingsClause && /insert_deduplication_token/i.test(plan.sql);
  const account = (written: { rowsWritten: number; bytesWritten: number }, sent: number): void => {
    summary.writtenRows += written.rowsWritten;
    summary.writtenBytes += written.bytesWritten;
    summary.readRows += written.rowsWritten;
    summary.readBytes += sent;
  };

  const source = plan.data!;
  const stream = Buffer.isBuffer(source) ? undefined : (source as AsyncIterable<Buffer>);
  if (stream === undefined || boundary === undefined || tokenInStatement) {
    const data = stream === undefined ? (source as Buffer) : await readAll(stream, context.limits.maxBodyBytes, 'The insert body');
    if (data.length > 0) account(await connection.insertRaw(plan.sql, data), data.length);
  } else {
    let index = 0;
    for await (const chunk of insertChunks(stream, context.limits.insertChunkBytes, boundary, context.limits.maxBodyBytes)) {
      if (token !== undefined && !(index === 0 && chunk.last)) {
        // Like the server's per-block tokens: chunk i of a multi-chunk insert is deduplicated as <token>_<i>.
        await connection.exec(`SET insert_deduplication_token = ${quoteString(`${token}_${index}`)}`, 'TSV');
      }
      if (chunk.data.length > 0) account(await connection.insertRaw(plan.sql, chunk.data), chunk.data.length);
      index++;
    }
  }
  summary.elapsedNs = elapsedSince(startedAt);
  await response.sendResult({ format: undefined, summary, ...timezoneOf(request) }, new Uint8Array(0), undefined, request.compressionLevel);
}

function isNotStreamable(error: unknown): boolean {
  return (error as { clickhouseCode?: unknown }).clickhouseCode === 36 && /Streaming query is not supported/.test((error as Error).message);
}

async function runStreamed(
  connection: EngineConnection,
  request: QueryRequest,
  plan: Plan,
  response: QueryResponse,
  startedAt: bigint,
): Promise<void> {
  const format = plan.shape.outputFormat ?? request.defaultFormat;
  let stream;
  try {
    stream = connection.stream(plan.sql, request.defaultFormat);
  } catch (error) {
    if (isNotStreamable(error)) return runBuffered(connection, request, plan, response, startedAt);
    throw error;
  }
  const chunks = stream[Symbol.asyncIterator]();
  try {
    // Wait for the first chunk before committing the status: most errors (analysis, unknown
    // tables, bad parameters) surface here and get their proper status and exception code.
    let next = await chunks.next();
    const summary: Summary = emptySummary();
    if (!next.done) {
      summary.resultRows = next.value.numRows;
      summary.resultBytes = next.value.numBytes;
    }
    summary.elapsedNs = elapsedSince(startedAt);
    response.begin({ format, summary, ...timezoneOf(request) }, request.responseCodec, request.compressionLevel);
    while (!next.done) {
      await response.write(next.value.raw());
      if (response.clientGone) return; // finally: cancels the engine stream
      next = await chunks.next();
    }
    await response.end();
  } finally {
    await chunks.return?.(undefined);
  }
}

async function runBuffered(
  connection: EngineConnection,
  request: QueryRequest,
  plan: Plan,
  response: QueryResponse,
  startedAt: bigint,
): Promise<void> {
  const result = await connection.exec(plan.sql, request.defaultFormat);
  const summary: Summary = {
    ...emptySummary(),
    readRows: result.rowsRead,
    readBytes: result.bytesRead,
    resultBytes: result.bytes.length,
    elapsedNs: elapsedSince(startedAt),
  };
  const format =
    RESULT_KEYWORDS.has(plan.shape.keyword) || result.bytes.length > 0 ? (plan.shape.outputFormat ?? request.defaultFormat) : undefined;
  await response.sendResult({ format, summary, ...timezoneOf(request) }, result.bytes, request.responseCodec, request.compressionLevel);
}
