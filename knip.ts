/**
 * knip (`npm run deadcode`, run by `npm run lint`): reports exports, files and dependencies that nothing
 * reaches. It can only do that if it knows every real entry point, so this file names them by where they
 * come from rather than silencing findings by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnipConfig } from 'knip';

/**
 * The Lambda sources the stacks deploy. Each is named in lib/ as a string literal handed to a function
 * construct's `entry` (esbuild bundles its `handler` export), which knip cannot follow. Reading them from
 * lib/ keeps this list right when a function is added or moved.
 */
function deployedLambdaEntries(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync('lib', { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    for (const m of readFileSync(join('lib', file), 'utf8').matchAll(/['"`](lambdas\/[\w./-]+\.ts)['"`]/g)) found.add(m[1] as string);
  }
  if (found.size === 0) throw new Error('knip.ts found no Lambda entry in lib/: the pattern no longer matches how stacks name their handlers');
  return [...found].sort();
}

const config: KnipConfig = {
  entry: [
    ...deployedLambdaEntries(),
    // The CDK app (cdk.json `app`) and the CLI (loaded by bin/secure-ivr.js through a computed path).
    'bin/app.ts',
    'bin/cli.ts',
    // The browser bundles' esbuild entry points (lib/constructs/agent-console.ts, sandbox/agent/web-assets.ts).
    'web/src/console.ts',
    'web/src/keypad.ts',
    'web/src/finance.ts',
    // The redaction worker thread, started by lambdas/redact/parallel.ts through a computed path.
    'lambdas/redact/parallel-worker.ts',
    // Benchmarks and generators, each also runnable alone with `npx tsx <file>`.
    'bench/*.ts',
    'scripts/**/*.{js,ts}',
  ],
  project: ['bin/**/*.{ts,js}', 'lib/**/*.ts', 'lambdas/**/*.ts', 'sandbox/**/*.ts', 'web/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,ts}', 'test/**/*.ts'],
  // test/infra/regions.test.ts loads the CloudFormation validator that aws-cdk-lib bundles inside its own
  // node_modules (resolved from aws-cdk-lib's folder on purpose): it cannot be a dependency of this package.
  ignoreDependencies: ['@aws/cloudformation-validate'],
  ignoreExportsUsedInFile: true,
};

export default config;
