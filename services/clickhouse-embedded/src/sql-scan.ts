// A small lexer over ClickHouse SQL: just enough structure to serve the HTTP protocol the way
// the server does, without parsing the query ourselves. It answers:
//   - is there more than one statement? (the HTTP interface refuses multi-statements, code 62)
//   - what kind of statement is it (SELECT-like, INSERT, other), for choosing the engine call;
//   - which output format a top-level FORMAT clause names (X-ClickHouse-Format, Content-Type);
//   - for an INSERT with inline data, where the statement ends and the data begins;
//   - whether INTO OUTFILE is used (the HTTP interface refuses it, code 358).
// Token rules follow ClickHouse's Lexer: '…' strings with backslash escapes and doubled quotes,
// "…" and `…` quoted identifiers, -- and # line comments, nestable /* */ comments, $tag$ heredocs.
// The engine still parses every statement; a lexing mistake here can only pick the wrong engine
// call, never change what the statement means.

export type StatementKind = 'select' | 'insert' | 'other';

export interface StatementShape {
  kind: StatementKind;
  /** First keyword, upper-cased ('' for an empty statement). */
  keyword: string;
  /** Format named by a top-level FORMAT clause of a non-INSERT statement. */
  outputFormat: string | undefined;
  /** For INSERT … FORMAT x / INSERT … VALUES: where the statement text ends and inline data may start. */
  insert: InsertShape | undefined;
  /** A second statement follows the first (a trailing ';' alone does not count). */
  multipleStatements: boolean;
  /** SELECT … INTO OUTFILE at the top level. */
  intoOutfile: boolean;
  /** The statement has a SETTINGS clause at the top level. */
  hasSettingsClause: boolean;
}

export interface InsertShape {
  /** Index just past the format name (or VALUES): the statement text is text.slice(0, statementEnd). */
  statementEnd: number;
  /** Index where the inline data starts, following the server's rule (after the first newline, else after spaces). */
  dataStart: number;
  /** Format name, or 'Values' for INSERT … VALUES. */
  format: string;
}

interface Token {
  type: 'word' | 'quoted' | 'string' | 'number' | 'punct';
  text: string;
  start: number;
  end: number;
  depth: number;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_$]/;
const SPACE = /[ \t\n\r\f\v]/;

/** Tokens of `text`, lazily: callers stop pulling where inline INSERT data begins. */
function* tokens(text: string): Generator<Token> {
  let i = 0;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if ((c === '-' && text[i + 1] === '-') || c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let level = 1;
      i += 2;
      while (i < n && level > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          level++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          level--;
          i += 2;
        } else i++;
      }
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(text, i, c);
      yield { type: c === "'" ? 'string' : 'quoted', text: text.slice(start, i), start, end: i, depth };
      continue;
    }
    if (c === '$') {
      const heredoc = /^\$([A-Za-z0-9_]*)\$/.exec(text.slice(i, i + 256));
      if (heredoc) {
        const close = text.indexOf(heredoc[0], i + heredoc[0].length);
        i = close < 0 ? n : close + heredoc[0].length;
        yield { type: 'string', text: text.slice(start, i), start, end: i, depth };
        continue;
      }
    }
    if (WORD_START.test(c)) {
      while (i < n && WORD_PART.test(text[i]!)) i++;
      yield { type: 'word', text: text.slice(start, i), start, end: i, depth };
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(text[i]!)) i++;
      yield { type: 'number', text: text.slice(start, i), start, end: i, depth };
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      yield { type: 'punct', text: c, start, end: i + 1, depth };
      depth++;
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
      yield { type: 'punct', text: c, start, end: i + 1, depth };
      i++;
      continue;
    }
    yield { type: 'punct', text: c, start, end: i + 1, depth };
    i++;
  }
}

function skipQuoted(text: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

function isWord(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.type === 'word' && token.text.toUpperCase() === word;
}

/** Where inline data starts after the statement: past spaces/tabs, then one optional newline (ParserInsertQuery's rule). */
function dataStartAfter(text: string, index: number): number {
  let i = index;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\f')) i++;
  if (text[i] === '\r') i++;
  if (text[i] === '\n') i++;
  return i;
}

/** Shape of the first statement in `text` (which may be followed by inline INSERT data). */
export function scanStatement(text: string): StatementShape {
  const shape: StatementShape = {
    kind: 'other',
    keyword: '',
    outputFormat: undefined,
    insert: undefined,
    multipleStatements: false,
    intoOutfile: false,
    hasSettingsClause: false,
  };
  const seen: Token[] = [];
  let statementOver = false;
  let insertSelects = false;
  for (const token of tokens(text)) {
    if (statementOver) {
      // Anything but more semicolons after the first statement is a second statement.
      if (!(token.type === 'punct' && token.text === ';')) {
        shape.multipleStatements = true;
        break;
      }
      continue;
    }
    if (seen.length === 0) {
      shape.keyword = token.type === 'word' ? token.text.toUpperCase() : token.text;
      if (shape.keyword === 'SELECT' || shape.keyword === 'WITH' || shape.keyword === '(') shape.kind = 'select';
      else if (shape.keyword === 'INSERT') shape.kind = 'insert';
    }
    if (token.depth === 0 && token.type === 'punct' && token.text === ';') {
      statementOver = true;
      continue;
    }
    seen.push(token);
    if (token.depth !== 0 || token.type !== 'word') continue;
    const upper = token.text.toUpperCase();
    if (upper === 'SETTINGS') shape.hasSettingsClause = true;
    if (shape.kind === 'insert' && !insertSelects) {
      if (upper === 'SELECT' || upper === 'WITH') {
        insertSelects = true; // INSERT … SELECT: no inline data
        continue;
      }
      if (upper === 'VALUES') {
        shape.insert = { statementEnd: token.end, dataStart: token.end, format: 'Values' };
        return shape; // what follows VALUES is data, never lexed as SQL
      }
      const previous = seen[seen.length - 2];
      if (previous !== undefined && isWord(previous, 'FORMAT') && previous.depth === 0 && seen.length > 3) {
        shape.insert = { statementEnd: token.end, dataStart: dataStartAfter(text, token.end), format: token.text };
        return shape; // the data after the format name is never lexed as SQL
      }
    }
    if (shape.kind !== 'insert') {
      const previous = seen[seen.length - 2];
      if (isWord(previous, 'INTO') && upper === 'OUTFILE') shape.intoOutfile = true;
    }
  }
  if (shape.kind !== 'insert') shape.outputFormat = trailingFormat(seen);
  return shape;
}

/** `FORMAT name` at the top level, followed only by the end of the statement or a SETTINGS clause. */
function trailingFormat(seen: Token[]): string | undefined {
  for (let i = seen.length - 2; i >= 1; i--) {
    const token = seen[i]!;
    if (token.depth !== 0 || !isWord(token, 'FORMAT')) continue;
    const name = seen[i + 1]!;
    if (name.type !== 'word' && name.type !== 'quoted') continue;
    const after = seen[i + 2];
    if (after === undefined || isWord(after, 'SETTINGS')) return name.type === 'quoted' ? name.text.slice(1, -1) : name.text;
  }
  return undefined;
}

/** A SQL string literal holding `value` exactly (for SET statements). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A backquoted identifier (database names from the URL or the X-ClickHouse-Database header). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
