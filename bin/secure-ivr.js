#!/usr/bin/env node
// Entry point for `npx secure-ivr …` and `npm start`: runs the TypeScript CLI through tsx, with the
// Node options the local engines need. It re-executes Node once with those options.

const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { spawnSync } = require('node:child_process');

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `secure-ivr needs Node.js 22 LTS or newer; this is Node ${process.version} (Node 20 reached end of life in April 2026). Install Node 22 or 24 and run it again.\n`,
  );
  process.exit(1);
}

const MARK = 'SECURE_IVR_CLI_CHILD';
if (process.env[MARK] !== '1') {
  // tsx makes `import()` of TypeScript work; s3rver's ListObjectsV2 paging uses a DES continuation token,
  // which OpenSSL 3 only has in its legacy provider.
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const flags = ['--openssl-legacy-provider', '--import', tsx];
  const result = spawnSync(process.execPath, [...flags, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}
import(pathToFileURL(path.join(__dirname, 'cli.ts')).href);
