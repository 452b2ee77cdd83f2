/**
 * One definition per error name: every error class under lambdas/ sets `.name` to its own class name
 * (a literal, since bundling may rename classes), and the names that cross the Step Functions boundary
 * are written only in SESSION_ERROR's list.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SESSION_ERROR } from '../../lambdas/shared/session/contract';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files = [...sources(join(ROOT, 'lambdas')), ...sources(join(ROOT, 'bin'))].map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));
const listed = new Map<string, string>(Object.entries(SESSION_ERROR).map(([key, name]) => [key, name]));

describe('error names', () => {
  it('give every error class under lambdas/ the name of the class itself', () => {
    // Prepare
    const mismatches: string[] = [];
    let classes = 0;
    // Act
    for (const { path, text } of files) {
      for (const match of text.matchAll(/class (\w+) extends Error \{([\s\S]*?)\n\}/g)) {
        classes += 1;
        const [, className, body] = match as unknown as [string, string, string];
        const literal = /this\.name = '([^']+)'/.exec(body)?.[1];
        const fromList = /this\.name = SESSION_ERROR\.(\w+)/.exec(body)?.[1];
        const name = literal ?? (fromList ? listed.get(fromList) : undefined);
        if (name !== className) mismatches.push(`${path}: ${className} is named ${name ?? '(not set)'}`);
      }
    }
    // Assess
    expect(classes).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });

  it('write the names that cross the Step Functions boundary only in SESSION_ERROR', () => {
    // Prepare
    const quoted = [...listed.values()].map((name) => new RegExp(`['"\`]${name}['"\`]`));
    // Act
    const repeats = files
      .filter(({ path }) => path !== join('lambdas', 'shared', 'session', 'contract.ts'))
      .flatMap(({ path, text }) => quoted.filter((re) => re.test(text)).map((re) => `${path}: ${re.source}`));
    // Assess
    expect(repeats).toEqual([]);
  });
});
