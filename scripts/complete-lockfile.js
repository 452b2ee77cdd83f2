#!/usr/bin/env node
// The npm mirror this project is built against lacks the non-Linux builds of a few native optional
// packages (unrs-resolver's bindings, pulled in by jest). `npm install` leaves them out of
// package-lock.json, and `npm ci` then refuses the lockfile as out of sync. This adds an entry for each
// missing optional package with its platform constraints, which is what npm needs to skip it on this
// platform without fetching it. Run after changing dependencies: node scripts/complete-lockfile.js
// (--check only reports, exit 1 when something is missing).

const fs = require('node:fs');
const path = require('node:path');

const LOCK = path.join(__dirname, '..', 'package-lock.json');

/** Platform of a native binding package, read from its name (the convention these packages follow). */
function platformOf(name) {
  const m = /-(android|darwin|freebsd|linux|openharmony|win32|wasm32)-?([a-z0-9]*)-?([a-z0-9]*)$/.exec(name);
  if (!m) return undefined;
  const [, os, cpuRaw, abi] = m;
  if (os === 'wasm32') return { cpu: ['wasm32'] };
  const cpu = cpuRaw === 'x64' ? 'x64' : cpuRaw === 'ia32' ? 'ia32' : cpuRaw;
  const entry = { os: [os], cpu: [cpu === 'arm' ? 'arm' : cpu] };
  if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
  return entry;
}

function missingEntries(lock) {
  const missing = [];
  for (const [key, pkg] of Object.entries(lock.packages)) {
    for (const [dep, version] of Object.entries(pkg.optionalDependencies || {})) {
      const nested = `${key}/node_modules/${dep}`;
      const top = `node_modules/${dep}`;
      if (!lock.packages[nested] && !lock.packages[top]) missing.push({ dep, version, dev: pkg.dev === true });
    }
  }
  return missing;
}

const lock = JSON.parse(fs.readFileSync(LOCK, 'utf8'));
const missing = missingEntries(lock);
if (process.argv.includes('--check')) {
  if (missing.length > 0) {
    console.error(
      `package-lock.json lacks ${missing.length} optional packages (npm ci will refuse it): ${missing.map((m) => m.dep).join(', ')}\nRun: node scripts/complete-lockfile.js`,
    );
    process.exit(1);
  }
  process.exit(0);
}
const unknown = [];
for (const m of missing) {
  const platform = platformOf(m.dep);
  if (!platform) {
    unknown.push(m.dep);
    continue;
  }
  lock.packages[`node_modules/${m.dep}`] = { version: m.version, ...platform, ...(m.dev ? { dev: true } : {}), optional: true };
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
fs.writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${missing.length - unknown.length} optional lockfile entries${unknown.length ? `; could not place: ${unknown.join(', ')}` : ''}`);
process.exit(unknown.length > 0 ? 1 : 0);
