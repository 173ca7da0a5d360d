// ClickHouse errors as the HTTP interface renders them. Contract (what clients parse):
//   status   mapped from the error name exactly like the server's exceptionCodeToHTTPStatus
//            (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp): 400 for parse/syntax errors,
//            404 for unknown tables/settings/…, 408 timeout, 413 too large, 501 not implemented,
//            503 unavailable, 500 otherwise;
//   header   X-ClickHouse-Exception-Code: <code>
//   body     Code: <code>. DB::Exception: <message>. (<NAME>) (version <engine version>)\n
// @clickhouse/client matches /(Code|Error): (\d+).*Exception: (.+?)\(([A-Z0-9_]+)\)/ on the body
// to build a ClickHouseError with `code` and `type`.
// Errors that happen after the response started streaming are written as the tagged block of
// ClickHouse ≥ 25.11 (X-ClickHouse-Exception-Tag), which @clickhouse/client detects mid-stream.
import { randomInt } from 'node:crypto';

/** Error codes this server raises itself (numbers verified against the engine in test/errors.test.ts). */
export const CODES = {
  UNSUPPORTED_METHOD: 1,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  UNKNOWN_SETTING: 115,
  TIMEOUT_EXCEEDED: 159,
  READONLY: 164,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: 216,
  QUERY_IS_TOO_LARGE: 229,
  ABORTED: 236,
  CANNOT_DECOMPRESS: 271,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  SESSION_NOT_FOUND: 372,
  SESSION_IS_LOCKED: 373,
  INVALID_SESSION_TIMEOUT: 374,
  QUERY_WAS_CANCELLED: 394,
  BAD_QUERY_PARAMETER: 457,
  STD_EXCEPTION: 1001,
} as const;

export type ErrorName = keyof typeof CODES;

const STATUS_BY_NAME = new Map<string, number>([
  ['REQUIRED_PASSWORD', 401],
  ...['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED'].map((n) => [n, 403] as const),
  ...[
    'BAD_ARGUMENTS',
    'CANNOT_COMPILE_REGEXP',
    'CANNOT_PARSE_TEXT',
    'CANNOT_PARSE_ESCAPE_SEQUENCE',
    'CANNOT_PARSE_QUOTED_STRING',
    'CANNOT_PARSE_DATE',
    'CANNOT_PARSE_DATETIME',
    'CANNOT_PARSE_NUMBER',
    'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
    'CANNOT_PARSE_IPV4',
    'CANNOT_PARSE_IPV6',
    'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
    'CANNOT_PARSE_UUID',
    'DUPLICATE_COLUMN',
    'ILLEGAL_COLUMN',
    'UNKNOWN_ELEMENT_IN_AST',
    'UNKNOWN_TYPE_OF_AST_NODE',
    'THERE_IS_NO_COLUMN',
    'TOO_DEEP_AST',
    'TOO_BIG_AST',
    'UNEXPECTED_AST_STRUCTURE',
    'SYNTAX_ERROR',
    'INCORRECT_DATA',
    'TYPE_MISMATCH',
    'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  ].map((n) => [n, 400] as const),
  ...[
    'UNKNOWN_TABLE',
    'UNKNOWN_FUNCTION',
    'UNKNOWN_IDENTIFIER',
    'UNKNOWN_TYPE',
    'UNKNOWN_STORAGE',
    'UNKNOWN_DATABASE',
    'UNKNOWN_SETTING',
    'UNKNOWN_DIRECTION_OF_SORTING',
    'UNKNOWN_AGGREGATE_FUNCTION',
    'UNKNOWN_FORMAT',
    'UNKNOWN_DATABASE_ENGINE',
    'UNKNOWN_TYPE_OF_QUERY',
    'UNKNOWN_ROLE',
  ].map((n) => [n, 404] as const),
  ['QUERY_IS_TOO_LARGE', 413],
  ['NOT_IMPLEMENTED', 501],
  ['SOCKET_TIMEOUT', 503],
  ['CANNOT_OPEN_FILE', 503],
  ['CANNOT_SCHEDULE_TASK', 503],
  ['HTTP_LENGTH_REQUIRED', 411],
  ['TIMEOUT_EXCEEDED', 408],
  ['UNSUPPORTED_MEDIA_TYPE', 415],
]);

/** The HTTP status the ClickHouse server answers for an error name. */
export function httpStatusFor(name: string): number {
  return STATUS_BY_NAME.get(name) ?? 500;
}

/** An error to be answered in ClickHouse's form. `message` has no "Code: …" prefix and no "(NAME)" suffix. */
export class ClickHouseHttpError extends Error {
  readonly code: number;
  readonly errorName: string;
  readonly status: number;
  /** The full "Code: N. DB::Exception: …" text when the engine produced it. */
  readonly engineText: string | undefined;

  constructor(code: number, errorName: string, message: string, options: { status?: number; engineText?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClickHouseHttpError';
    this.code = code;
    this.errorName = errorName;
    this.status = options.status ?? httpStatusFor(errorName);
    this.engineText = options.engineText;
  }
}

/** An error raised by this server itself, e.g. clickHouseError('SESSION_IS_LOCKED', 'Session x is locked …'). */
export function clickHouseError(name: ErrorName, message: string, options: { status?: number } = {}): ClickHouseHttpError {
  return new ClickHouseHttpError(CODES[name], name, message, options);
}

const CODE_IN_TEXT = /Code: (\d+)\./;
const NAME_IN_TEXT = /\(([A-Z0-9_]*[A-Z]{3}[A-Z0-9_]*)\)/g;

/**
 * Maps anything thrown by the engine (chdb errors carry `.clickhouseCode` and a message in
 * ClickHouse's own "Code: N. DB::Exception: … (NAME)" form; stream errors only the message) to
 * a ClickHouseHttpError. Non-ClickHouse errors become STD_EXCEPTION (1001), status 500.
 */
export function fromEngineError(error: unknown, codeNames: ReadonlyMap<number, string>): ClickHouseHttpError {
  if (error instanceof ClickHouseHttpError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const declared = (error as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  const parsed = CODE_IN_TEXT.exec(text);
  const code = typeof declared === 'number' ? declared : parsed ? Number(parsed[1]) : undefined;
  if (code === undefined) {
    return new ClickHouseHttpError(CODES.STD_EXCEPTION, 'STD_EXCEPTION', text, { cause: error });
  }
  const names = [...text.matchAll(NAME_IN_TEXT)].map((m) => m[1]!);
  const errorName = codeNames.get(code) ?? names.at(-1) ?? 'UNKNOWN_EXCEPTION';
  const engineText = parsed ? text : undefined;
  const message = engineText === undefined ? text : stripPrefixAndName(text, errorName);
  return new ClickHouseHttpError(code, errorName, message, { cause: error, ...(engineText === undefined ? {} : { engineText }) });
}

function stripPrefixAndName(text: string, errorName: string): string {
  const body = text.replace(/^Code: \d+\. DB::Exception: /, '');
  const suffix = `. (${errorName})`;
  return body.endsWith(suffix) ? body.slice(0, -suffix.length) : body;
}

/** The error text exactly as the server writes it (one line per message, newline-terminated). */
export function renderErrorText(error: ClickHouseHttpError, versionSuffix: string): string {
  const base = error.engineText ?? `Code: ${error.code}. DB::Exception: ${error.message.replace(/\.$/, '')}. (${error.errorName})`;
  return base.includes('(version ') ? `${base}\n` : `${base} (version ${versionSuffix})\n`;
}

const TAG_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A 16-character tag for X-ClickHouse-Exception-Tag, like the server's (lower-case alphanumerics). */
export function newExceptionTag(): string {
  let tag = '';
  for (let i = 0; i < 16; i++) tag += TAG_ALPHABET[randomInt(TAG_ALPHABET.length)];
  return tag;
}

/**
 * The block ClickHouse ≥ 25.11 appends when a query fails after the body started:
 *   \r\n__exception__\r\n<tag>\r\n<error text>\n<byte length of error text + \n> <tag>\r\n__exception__\r\n
 */
export function exceptionBlock(errorText: string, tag: string): Buffer {
  const message = errorText.endsWith('\n') ? errorText : `${errorText}\n`;
  const length = Buffer.byteLength(message);
  return Buffer.from(`\r\n__exception__\r\n${tag}\r\n${message}${length} ${tag}\r\n__exception__\r\n`);
}
