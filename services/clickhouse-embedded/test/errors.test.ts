import assert from 'node:assert/strict';
import { clickHouseError, exceptionBlock, fromEngineError, httpStatusFor, renderErrorText } from '../src/errors.ts';

describe('clickhouse-embedded: errors', () => {
  it('maps error names to the statuses of exceptionCodeToHTTPStatus', () => {
    assert.equal(httpStatusFor('SYNTAX_ERROR'), 400);
    assert.equal(httpStatusFor('TYPE_MISMATCH'), 400);
    assert.equal(httpStatusFor('UNKNOWN_TABLE'), 404);
    assert.equal(httpStatusFor('UNKNOWN_SETTING'), 404);
    assert.equal(httpStatusFor('TIMEOUT_EXCEEDED'), 408);
    assert.equal(httpStatusFor('QUERY_IS_TOO_LARGE'), 413);
    assert.equal(httpStatusFor('NOT_IMPLEMENTED'), 501);
    assert.equal(httpStatusFor('FUNCTION_THROW_IF_VALUE_IS_NON_ZERO'), 500);
  });

  it('keeps the engine text and code of chdb errors', () => {
    const engine = Object.assign(
      new Error("Code: 60. DB::Exception: Unknown table expression identifier 'x' in scope SELECT * FROM x. (UNKNOWN_TABLE)"),
      {
        clickhouseCode: 60,
      },
    );
    const error = fromEngineError(engine, new Map([[60, 'UNKNOWN_TABLE']]));
    assert.equal(error.code, 60);
    assert.equal(error.errorName, 'UNKNOWN_TABLE');
    assert.equal(error.status, 404);
    assert.equal(
      renderErrorText(error, '26.7.2.1'),
      "Code: 60. DB::Exception: Unknown table expression identifier 'x' in scope SELECT * FROM x. (UNKNOWN_TABLE) (version 26.7.2.1)\n",
    );
    const streamError = fromEngineError(
      new Error("Code: 395. DB::Exception: Value passed to 'throwIf' function is non-zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)"),
      new Map(),
    );
    assert.equal(streamError.code, 395);
    assert.equal(streamError.errorName, 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO');
  });

  it('renders its own errors like the server and maps unknown failures to STD_EXCEPTION', () => {
    assert.equal(
      renderErrorText(clickHouseError('SESSION_IS_LOCKED', 'Session s is locked by a concurrent client'), 'v'),
      'Code: 373. DB::Exception: Session s is locked by a concurrent client. (SESSION_IS_LOCKED) (version v)\n',
    );
    const unknown = fromEngineError(new TypeError('boom'), new Map());
    assert.equal(unknown.code, 1001);
    assert.equal(unknown.status, 500);
  });

  it('frames a mid-stream exception with the tag, as ClickHouse 25.11+ does', () => {
    const block = exceptionBlock('Code: 1. DB::Exception: boom. (X_Y_Z)\n', 'abcdefghijklmnop').toString();
    assert.equal(
      block,
      '\r\n__exception__\r\nabcdefghijklmnop\r\nCode: 1. DB::Exception: boom. (X_Y_Z)\n38 abcdefghijklmnop\r\n__exception__\r\n',
    );
  });
});
