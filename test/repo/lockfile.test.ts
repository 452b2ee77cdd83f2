import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('package-lock.json', () => {
  it('lists every optional package, so `npm ci` accepts it on a fresh machine', () => {
    // The mirror lacks some platforms' native builds; `npm install` then drops them from the lockfile
    // and `npm ci` refuses it. scripts/complete-lockfile.js puts them back.
    const run = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'complete-lockfile.js'), '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
