import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { COMPLETE_MARKER, extractTarGz, gzipProblem, readCompleteMarker, zipProblem } from '../src/archive.ts';
import { tempDir, zipBytes } from './fixtures.ts';

describe('local-stack/archive', () => {
  const dir = tempDir('archive');

  describe('zipProblem', () => {
    const jar = zipBytes({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n', 'a/B.class': 'x'.repeat(1000) });

    it('accepts a complete jar', async () => {
      const file = join(dir, 'ok.jar');
      writeFileSync(file, jar);
      assert.equal(await zipProblem(file), undefined);
    });

    it('detects a truncated jar', async () => {
      const file = join(dir, 'truncated.jar');
      writeFileSync(file, jar.subarray(0, Math.floor(jar.length / 2)));
      assert.match((await zipProblem(file)) ?? '', /no end-of-central-directory record/);
    });

    it('detects a jar cut inside its central directory', async () => {
      const file = join(dir, 'cut.jar');
      // keep the end record but drop bytes before it: the directory offset now points past the end
      writeFileSync(file, Buffer.concat([jar.subarray(0, 40), jar.subarray(jar.length - 22)]));
      assert.match((await zipProblem(file)) ?? '', /truncated|damaged/);
    });

    it('detects files that are not zips at all, or empty, or missing', async () => {
      const html = join(dir, 'error-page.jar');
      writeFileSync(html, '<html>502 Bad Gateway</html>'.repeat(3));
      assert.match((await zipProblem(html)) ?? '', /does not start like a zip/);
      const empty = join(dir, 'empty.jar');
      writeFileSync(empty, '');
      assert.match((await zipProblem(empty)) ?? '', /only 0 bytes/);
      assert.match((await zipProblem(join(dir, 'absent.jar'))) ?? '', /cannot open/);
    });
  });

  describe('gzip and tar.gz', () => {
    function tarGz(name: string, files: Record<string, string>): string {
      const source = join(dir, `${name}-src`);
      mkdirSync(source, { recursive: true });
      for (const [file, content] of Object.entries(files)) writeFileSync(join(source, file), content);
      const archive = join(dir, `${name}.tar.gz`);
      execFileSync('tar', ['-czf', archive, '-C', source, '.']);
      return archive;
    }

    it('accepts a whole gzip stream and rejects a truncated one', async () => {
      const whole = join(dir, 'whole.gz');
      const data = gzipSync(Buffer.from('x'.repeat(100_000) + Math.random()));
      writeFileSync(whole, data);
      assert.equal(await gzipProblem(whole), undefined);
      const cut = join(dir, 'cut.gz');
      writeFileSync(cut, data.subarray(0, data.length - 10));
      assert.match((await gzipProblem(cut)) ?? '', /unexpected end of file/);
    });

    it('unpacks a good archive and marks the tree complete', async () => {
      const archive = tarGz('good', { 'app.jar': 'jar', README: 'hello' });
      const dest = join(dir, 'good-out');
      await extractTarGz(archive, dest, { source: archive });
      assert.equal(readFileSync(join(dest, 'README'), 'utf8'), 'hello');
      assert.equal((await readCompleteMarker(dest))?.source, archive);
    });

    it('refuses a truncated archive and leaves no half-unpacked tree behind', async () => {
      const archive = tarGz('bad', { 'big.bin': 'y'.repeat(200_000) + Math.random() });
      truncateSync(archive, 300);
      const dest = join(dir, 'bad-out');
      await assert.rejects(extractTarGz(archive, dest, { source: archive }), /gzip stream is damaged/);
      assert.ok(!existsSync(dest));
      assert.ok(!existsSync(join(dest, COMPLETE_MARKER)));
    });
  });
});
