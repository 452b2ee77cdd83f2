/**
 * The console and keypad pages: their TypeScript type-checks against the DOM, bundles with esbuild (as
 * the sandbox does at start), and the masked display shows counts and the last four only.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bundleWebScripts } from '../../sandbox/agent/web-assets';
import { maskedValue, progressText } from '../../web/src/masking';

const ROOT = join(__dirname, '..', '..');

describe('web pages', () => {
  it('type-check with the DOM library', () => {
    // Act / Assess: tsc exits non-zero (and execFileSync throws) on any type error
    expect(() =>
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(ROOT, 'web', 'tsconfig.json')], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  }, 60_000);

  it('bundle into the console, keypad and finance modules', async () => {
    const out = await bundleWebScripts();
    expect(Object.keys(out).sort()).toEqual(['/assets/console.js', '/assets/keypad.js', '/finance/finance.js']);
    expect(out['/finance/finance.js']?.toString()).toContain('gateway-declined');
    expect(out['/assets/console.js']?.toString()).toContain('secure-input.outcome');
  });
});

describe('masked card entry', () => {
  it('shows a captured card number as dots and the last four, grouped by four', () => {
    expect(maskedValue({ field: 'pan', label: 'Card number', state: 'captured', attempts: 1, digitsEntered: 16 }, '1111')).toBe('•••• •••• •••• 1111');
    expect(maskedValue({ field: 'pan', label: 'Card number', state: 'captured', attempts: 1, digitsEntered: 15 }, '0005')).toBe('•••• •••• ••• 0005');
  });

  it('shows expiry and security code as dots only', () => {
    expect(maskedValue({ field: 'exp', label: 'Expiry', state: 'captured', attempts: 1, digitsEntered: 4 }, '1111')).toBe('••/••');
    expect(maskedValue({ field: 'cvv', label: 'Security code', state: 'captured', attempts: 1, digitsEntered: 3 }, '1111')).toBe('•••');
  });

  it('describes an invalid entry with its reason and digit count', () => {
    expect(
      progressText({ field: 'pan', label: 'Card number', state: 'invalid', attempts: 1, digitsEntered: 16, reason: 'card number fails the check digit' }),
    ).toBe('Not accepted: card number fails the check digit (16 digits)');
  });
});
