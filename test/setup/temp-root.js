/**
 * Jest globalSetup: gives the whole test run one temporary directory and points TMPDIR at it, so every
 * os.tmpdir() below it (the test workers and the processes they start inherit the variable) writes there:
 * CDK's synthesis output, the console build, browser profiles, sandbox data. globalTeardown
 * (temp-root-teardown.js) removes it. Without this, one `npm test` left about 250 directories and
 * 800 MB in /tmp (CDK never removes the cdk.out directory it makes for an App without an outdir).
 */
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = () => {
  const root = mkdtempSync(join(tmpdir(), 'secure-ivr-test-run-'));
  process.env.SECURE_IVR_TEST_TMP = root;
  process.env.TMPDIR = root;
};
