import assert from 'node:assert/strict';
import { quoteString, scanStatement } from '../src/sql-scan.ts';

describe('sql-scan', () => {
  it('classifies statements by their first keyword', () => {
    assert.equal(scanStatement('  select 1').kind, 'select');
    assert.equal(scanStatement('WITH 1 AS x SELECT x').kind, 'select');
    assert.equal(scanStatement('(SELECT 1)').kind, 'select');
    assert.equal(scanStatement('/* c */ -- c\n INSERT INTO t VALUES (1)').kind, 'insert');
    assert.equal(scanStatement('CREATE TABLE t (a UInt8) ENGINE = Memory').kind, 'other');
    assert.equal(scanStatement('SHOW TABLES').keyword, 'SHOW');
  });

  it('finds a top-level FORMAT clause, ignoring functions, columns, strings and subqueries', () => {
    assert.equal(scanStatement('SELECT 1 FORMAT JSONEachRow').outputFormat, 'JSONEachRow');
    assert.equal(scanStatement('SELECT 1 \nFORMAT JSON;').outputFormat, 'JSON');
    assert.equal(scanStatement('SELECT 1 FORMAT CSV SETTINGS max_threads = 1').outputFormat, 'CSV');
    assert.equal(scanStatement("SELECT format('{}', 'FORMAT JSON') FROM t").outputFormat, undefined);
    assert.equal(scanStatement('SELECT * FROM (SELECT 1 FORMAT JSON)').outputFormat, undefined);
    assert.equal(scanStatement('SELECT format FROM t').outputFormat, undefined);
    assert.equal(scanStatement('SELECT 1 -- FORMAT JSON').outputFormat, undefined);
  });

  it('splits INSERT … FORMAT from its inline data following the server rule', () => {
    const text = 'INSERT INTO db.t (a, b) SETTINGS async_insert = 1 FORMAT JSONEachRow\n{"a":1}\n';
    const shape = scanStatement(text);
    assert.equal(shape.kind, 'insert');
    assert.equal(shape.insert?.format, 'JSONEachRow');
    assert.equal(text.slice(0, shape.insert!.statementEnd), 'INSERT INTO db.t (a, b) SETTINGS async_insert = 1 FORMAT JSONEachRow');
    assert.equal(text.slice(shape.insert!.dataStart), '{"a":1}\n');
    assert.equal(shape.hasSettingsClause, true);
  });

  it('never lexes inline data as SQL (binary data, semicolons)', () => {
    const text = "INSERT INTO t FORMAT RowBinary \x00\x01;'unterminated ; SELECT 2";
    const shape = scanStatement(text);
    assert.equal(shape.multipleStatements, false);
    assert.equal(text.slice(shape.insert!.dataStart), "\x00\x01;'unterminated ; SELECT 2");
  });

  it('treats VALUES as the start of data, and INSERT … SELECT as no data', () => {
    const values = scanStatement("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    assert.equal(values.insert?.format, 'Values');
    assert.equal(scanStatement("INSERT INTO t SELECT * FROM values('a UInt8', 1) FORMAT x").insert, undefined);
    assert.equal(scanStatement('INSERT INTO t SELECT format FROM s').insert, undefined);
  });

  it('detects multi-statements but allows trailing semicolons', () => {
    assert.equal(scanStatement('SELECT 1;').multipleStatements, false);
    assert.equal(scanStatement('SELECT 1;;  -- done').multipleStatements, false);
    assert.equal(scanStatement('SELECT 1; SELECT 2').multipleStatements, true);
    assert.equal(scanStatement("SELECT ';' , $$;$$, `a;b`").multipleStatements, false);
    assert.equal(scanStatement('SELECT 1 /* nested /* ; */ still ; */').multipleStatements, false);
  });

  it('detects INTO OUTFILE', () => {
    assert.equal(scanStatement("SELECT 1 INTO OUTFILE '/tmp/x'").intoOutfile, true);
    assert.equal(scanStatement("SELECT 'INTO OUTFILE'").intoOutfile, false);
  });

  it('quotes strings for SET statements', () => {
    assert.equal(quoteString("it's a\\tb"), "'it\\'s a\\\\tb'");
  });
});
