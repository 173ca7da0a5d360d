// Guard for `npm test`: the suites rely on Node 24 (type stripping, undici 8, OpenTelemetry).
// npm puts node_modules/.bin first on PATH, so the project's own Node 24 (the `node` dev
// dependency) runs here even when the machine's Node is older. This catches a bare `mocha`
// run with the wrong interpreter and says what to do instead.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  process.stderr.write(
    `Tributary needs Node 24 but this is Node ${process.versions.node}.\n` +
      'Run the scripts through npm (npm test, npm run demo), which uses the Node 24 installed by `npm ci`.\n',
  );
  process.exit(1);
}
