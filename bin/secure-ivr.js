#!/usr/bin/env node
// Entry point for `npx secure-ivr …` and `npm start`: runs the TypeScript CLI through tsx,
// with the Node options the local engines need (see sandbox/README in the project README).
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');

// s3rver's ListObjectsV2 paging uses a DES continuation token, which OpenSSL 3 only has in its legacy provider.
const needed = ['--openssl-legacy-provider'];
const missing = needed.filter((flag) => !process.execArgv.includes(flag) && !(process.env.NODE_OPTIONS || '').includes(flag));
if (missing.length > 0) {
  const result = spawnSync(process.execPath, [...missing, ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}
require('tsx/cjs');
require(path.join(__dirname, 'cli.ts'));
