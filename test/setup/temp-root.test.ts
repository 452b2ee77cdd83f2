import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

describe('the test run temporary directory (jest globalSetup test/setup/temp-root.js)', () => {
  it('points os.tmpdir() of the test workers at one directory of this run, which the teardown removes', () => {
    // Prepare
    const root = process.env.SECURE_IVR_TEST_TMP;
    // Act
    const made = mkdtempSync(join(tmpdir(), 'probe-'));
    // Assess
    expect(root).toBeDefined();
    expect(basename(root ?? '')).toMatch(/^secure-ivr-test-run-/);
    expect(tmpdir()).toBe(root);
    expect(dirname(made)).toBe(root);
    expect(existsSync(made)).toBe(true);
  });
});
