/** Jest globalTeardown: removes the run's temporary directory (temp-root.js), whatever the tests left in it. */
const { rmSync } = require('node:fs');
const { basename } = require('node:path');

module.exports = () => {
  const root = process.env.SECURE_IVR_TEST_TMP;
  // Only the directory temp-root.js made: never a path that came from elsewhere.
  if (root === undefined || !basename(root).startsWith('secure-ivr-test-run-')) return;
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
};
