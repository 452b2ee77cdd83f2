/**
 * The agent console, the caller keypad page and the finance page's script (web/), built with esbuild in
 * memory when the sandbox starts — no build output is written or committed. HTML and CSS are served as
 * they are (the finance page's HTML and CSS by lambdas/audit/finance-api.ts, its script from here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WebAsset {
  type: string;
  body: Buffer;
}

export const WEB_ROOT = join(__dirname, '..', '..', 'web');
const STATIC: Record<string, { file: string; type: string }> = {
  '/console/': { file: 'console.html', type: 'text/html; charset=utf-8' },
  '/keypad/': { file: 'keypad.html', type: 'text/html; charset=utf-8' },
  '/embed-demo/': { file: 'embed-demo.html', type: 'text/html; charset=utf-8' },
  '/assets/styles.css': { file: 'styles.css', type: 'text/css; charset=utf-8' },
};

/** Where each bundled script is served (the finance page loads its script beside itself). */
export const SCRIPT_PATHS: Record<string, string> = { console: '/assets/console.js', keypad: '/assets/keypad.js', finance: '/finance/finance.js' };

/** Bundles the pages' scripts (TypeScript, with Chart.js for the finance page) into ES modules. */
export async function bundleWebScripts(root = WEB_ROOT): Promise<Record<string, Buffer>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { console: join(root, 'src', 'console.ts'), keypad: join(root, 'src', 'keypad.ts'), finance: join(root, 'src', 'finance.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    outdir: '/assets',
    minify: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const out: Record<string, Buffer> = {};
  for (const file of result.outputFiles) {
    const name = (file.path.split('/').pop() ?? '').replace(/\.js$/, '');
    out[SCRIPT_PATHS[name] ?? `/assets/${name}.js`] = Buffer.from(file.contents);
  }
  return out;
}

export async function loadWebAssets(root = WEB_ROOT): Promise<Map<string, WebAsset>> {
  const assets = new Map<string, WebAsset>();
  for (const [path, { file, type }] of Object.entries(STATIC)) assets.set(path, { type, body: readFileSync(join(root, file)) });
  for (const [path, body] of Object.entries(await bundleWebScripts(root))) assets.set(path, { type: 'text/javascript; charset=utf-8', body });
  return assets;
}
