import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { bodySample, duplicateKeys, interpretJsonBody, parseJsonText, readBodyCapped } from '../src/http-json.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const JSON_TYPE = 'application/json; charset=UTF-8';

describe('parseJsonText', () => {
  it('keeps integers beyond 2^53 exact as decimal strings and leaves safe numbers alone', () => {
    const parsed = parseJsonText(
      '{"id":17841405793187218123,"neg":-9007199254740993,"views":9007199254740991,"ratio":0.5,"huge":1e300,"list":[18446744073709551615]}',
    );
    assert.deepEqual(parsed, {
      id: '17841405793187218123',
      neg: '-9007199254740993',
      views: 9007199254740991,
      ratio: 0.5,
      huge: 1e300,
      list: ['18446744073709551615'],
    });
  });

  it('keeps a big float as a number (only integer literals become strings)', () => {
    assert.deepEqual(parseJsonText('{"x":12345678901234567890.5}'), { x: 12345678901234567000 });
  });

  it('throws on NaN and Infinity literals', () => {
    assert.throws(() => parseJsonText('{"a":NaN}'), SyntaxError);
    assert.throws(() => parseJsonText('{"a":Infinity}'), SyntaxError);
  });
});

describe('interpretJsonBody', () => {
  it('parses a JSON success body', () => {
    assert.deepEqual(interpretJsonBody(200, JSON_TYPE, bytes('{"data":[1]}')), { body: { data: [1] }, malformed: null, duplicateKeys: [] });
  });

  it('accepts +json and text/javascript (older Graph versions)', () => {
    assert.deepEqual(interpretJsonBody(200, 'application/problem+json', bytes('{}')).malformed, null);
    assert.deepEqual(interpretJsonBody(200, 'text/javascript; charset=UTF-8', bytes('{}')).malformed, null);
  });

  for (const [name, contentType, text, code] of [
    ['broken JSON', JSON_TYPE, '{"data":[1,', 'invalid-json'],
    ['a NaN literal', JSON_TYPE, '{"views":NaN}', 'invalid-json'],
    ['an Infinity literal', JSON_TYPE, '{"views":Infinity}', 'invalid-json'],
    ['an HTML page served as text/html with 200', 'text/html; charset=utf-8', '<!DOCTYPE html><title>Sorry</title>', 'html-body'],
    ['an HTML page served as JSON with 200', JSON_TYPE, '  <html><body>Service Unavailable</body></html>', 'html-body'],
    ['a wrong content type', 'text/plain', '{"data":[]}', 'unexpected-content-type'],
    ['an empty 200', JSON_TYPE, '', 'empty-body'],
  ] as const) {
    it(`reports ${name} as malformed with a sample`, () => {
      const result = interpretJsonBody(200, contentType, bytes(text));
      assert.equal(result.malformed?.kind, 'malformed');
      assert.equal(result.malformed?.code, code);
      if (text) assert.ok(result.malformed!.message.includes(JSON.stringify(text).slice(1, 9)), result.malformed!.message);
    });
  }

  it('reports bytes that are not UTF-8 as malformed instead of replacing them', () => {
    const result = interpretJsonBody(200, JSON_TYPE, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    assert.equal(result.malformed?.code, 'invalid-utf8');
  });

  it('keeps a non-JSON error page as text and lets the status decide', () => {
    const result = interpretJsonBody(502, 'text/html', bytes('<html>Bad Gateway</html>'));
    assert.equal(result.malformed, null);
    assert.equal(result.body, '<html>Bad Gateway</html>');
  });

  it('parses a JSON error body', () => {
    assert.deepEqual(interpretJsonBody(400, JSON_TYPE, bytes('{"error":{"code":190}}')).body, { error: { code: 190 } });
  });

  it('truncates the sample and scrubs tokens from it', () => {
    const sample = bodySample(`<a href="https://x/?access_token=SECRET123">${'x'.repeat(500)}`);
    assert.ok(!sample.includes('SECRET123'));
    assert.ok(sample.length < 260);
  });
});

describe('readBodyCapped', () => {
  it('reads a body under the cap', async () => {
    const body = await readBodyCapped(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    assert.equal(body.toString(), 'abcd');
  });

  it('fails with CONNECTOR_RESPONSE_TOO_LARGE beyond the cap', async () => {
    await assert.rejects(readBodyCapped(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 4), {
      code: 'CONNECTOR_RESPONSE_TOO_LARGE',
    });
  });
});

describe('duplicateKeys', () => {
  it('finds keys repeated within one object, at any depth, and only there', () => {
    assert.deepEqual(duplicateKeys('{"a":1,"b":{"a":2,"c":3},"d":[{"a":1},{"a":2}]}'), []);
    assert.deepEqual(duplicateKeys('{"a":1,"b":2,"a":3}'), ['a']);
    assert.deepEqual(duplicateKeys('{"data":[{"id":"1","id":"2"}],"paging":{"next":"x","next":"y"}}'), ['id', 'next']);
  });

  it('is not fooled by keys inside string values, escaped quotes or values that look like keys', () => {
    assert.deepEqual(duplicateKeys('{"a":"{\\"a\\":1}","b":"a","c":["a","a"]}'), []);
    assert.deepEqual(duplicateKeys('{"q\\"x":1,"q\\"x":2}'), ['q\\"x']);
  });

  it('is reported by interpretJsonBody, whose body keeps the last value', () => {
    const result = interpretJsonBody(200, JSON_TYPE, bytes('{"views":1,"views":2}'));
    assert.deepEqual(result.body, { views: 2 });
    assert.deepEqual(result.duplicateKeys, ['views']);
    assert.equal(result.malformed, null);
  });
});
