import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkJava, checkMaven, javaMajor, parseJavaVersion } from '../src/toolchain.ts';
import { fakeExecutable, tempDir } from './fixtures.ts';

describe('local-stack/toolchain', () => {
  const emptyPath = { PATH: join(tempDir('nopath'), 'bin') };

  it('says how to get Java when it is not on PATH', async () => {
    await assert.rejects(
      checkJava({ command: 'java', env: emptyPath }),
      (error: Error & { code: string; hint: string; failureType: string }) => {
        assert.equal(error.code, 'STACK_JAVA_MISSING');
        assert.equal(error.failureType, 'config');
        assert.match(error.message, /Java was not found/);
        assert.match(error.hint, /openjdk-17-jre-headless/);
        assert.match(error.hint, /docker compose \(docker-compose\.yml\)/);
        assert.match(error.hint, /TRIBUTARY_STACK_JAVA/);
        return true;
      },
    );
  });

  it('refuses a Java older than 17 and names the version found', async () => {
    const bin = join(tempDir('oldjava'), 'bin');
    fakeExecutable(bin, 'java', 'echo \'openjdk version "11.0.21" 2023-10-17\' >&2');
    await assert.rejects(checkJava({ command: 'java', env: { PATH: bin } }), (error: Error & { code: string; hint: string }) => {
      assert.equal(error.code, 'STACK_JAVA_TOO_OLD');
      assert.match(error.message, /Java 17\+ is required; "java" is Java 11\.0\.21/);
      assert.match(error.hint, /openjdk-17-jre-headless/);
      return true;
    });
  });

  it('accepts Java 17 and newer', async () => {
    const bin = join(tempDir('newjava'), 'bin');
    fakeExecutable(bin, 'java', 'echo \'openjdk version "21.0.2" 2024-01-16\' >&2');
    assert.deepEqual(await checkJava({ command: 'java', env: { PATH: bin } }), { command: 'java', major: 21, version: '21.0.2' });
  });

  it('says how to get Maven when it is not on PATH', async () => {
    await assert.rejects(checkMaven({ command: 'mvn', env: emptyPath }), (error: Error & { code: string; hint: string }) => {
      assert.equal(error.code, 'STACK_MAVEN_MISSING');
      assert.match(error.hint, /apt-get install maven/);
      assert.match(error.hint, /docker compose \(docker-compose\.yml\)/);
      return true;
    });
  });

  it('parses java -version output of old and new runtimes', () => {
    assert.equal(parseJavaVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), '17.0.15');
    assert.equal(parseJavaVersion('java version "1.8.0_392"'), '1.8.0_392');
    assert.equal(parseJavaVersion('command not found'), undefined);
    assert.equal(javaMajor('17.0.15'), 17);
    assert.equal(javaMajor('21'), 21);
    assert.equal(javaMajor('1.8.0_392'), 8);
    assert.equal(javaMajor('22-ea'), 22);
  });
});
