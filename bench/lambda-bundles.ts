/**
 * Bundles each Lambda the way the CDK stack does (esbuild, ESM, minified, AWS SDK external) and reports
 * its size; measures the SMA handler's module init in fresh Node processes against bare Node and
 * against a module that imports one SDK client.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const LAMBDA_ENTRIES: Record<string, string> = {
  sma: 'lambdas/telephony/chime-sma/handler.ts',
  begin: 'lambdas/session/begin/handler.ts',
  getKey: 'lambdas/session/get-key/handler.ts',
  insert: 'lambdas/session/info-insert/handler.ts',
  validator: 'lambdas/session/validate/handler.ts',
  end: 'lambdas/session/end/handler.ts',
  abort: 'lambdas/session/abort/handler.ts',
};

const ROOT = resolve(__dirname, '..');

export async function bundleLambda(entry: string, outDir: string, name: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  return outfile;
}

export interface BundleSize {
  name: string;
  bytes: number;
}

export async function bundleSizes(outDir = mkdtempSync(join(tmpdir(), 'bundles-'))): Promise<{ sizes: BundleSize[]; outDir: string }> {
  const sizes: BundleSize[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    const file = await bundleLambda(entry, outDir, name);
    sizes.push({ name, bytes: statSync(file).size });
  }
  return { sizes, outDir };
}

function medianMs(script: string, runs: number, cwd: string): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const ms = Number((r.stdout ?? '').trim());
    if (r.status !== 0 || !Number.isFinite(ms)) throw new Error(`init measurement failed: ${r.stderr}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export interface InitCost {
  /** Median ms to import the bundled SMA handler in a fresh process. */
  smaHandlerMs: number;
  /** Median ms to import one SDK client (DynamoDB) in a fresh process. */
  oneSdkClientMs: number;
  /** Median ms of the same measurement with nothing imported. */
  bareMs: number;
}

/** Import time measured inside the process (performance.now around the import), median of `runs`. */
export function initCost(smaBundle: string, runs = 9): InitCost {
  const timed = (what: string): string => `const t=performance.now(); ${what}; process.stdout.write(String(performance.now()-t));`;
  const sdkProbe = join(mkdtempSync(join(tmpdir(), 'sdk-probe-')), 'probe.mjs');
  writeFileSync(
    sdkProbe,
    `import { DynamoDBClient } from '${join(ROOT, 'node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js').replace(/\\/g, '/')}'; export const c = DynamoDBClient;\n`,
  );
  return {
    bareMs: medianMs(timed('await Promise.resolve()'), runs, ROOT),
    smaHandlerMs: medianMs(timed(`await import(${JSON.stringify(smaBundle)})`), runs, ROOT),
    oneSdkClientMs: medianMs(timed(`await import(${JSON.stringify(sdkProbe)})`), runs, ROOT),
  };
}
