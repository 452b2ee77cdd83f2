/**
 * The embedded console's rule for host messages (web/src/embedding.ts): framed, from window.parent, from
 * an origin on the server-side allow-list. The browser test (test/e2e/console-embedding.test.ts) runs the
 * popup attack itself; these name every refusal.
 */
import { parseOrigins, refusalOf } from '../../web/src/embedding';

const allowed = new Set(['https://console.example.com', 'https://desk.example.com']);
const ok = { embedded: true, fromParent: true, origin: 'https://desk.example.com', allowed, data: { type: 'secure-input.set-token', token: 't' } };

describe('host messages', () => {
  it('are accepted from the framing window on an allowed origin', () => {
    expect(refusalOf(ok)).toBeUndefined();
  });

  it('are refused when the console is not framed (a popup), whatever the sender', () => {
    expect(refusalOf({ ...ok, embedded: false })).toBe('the console is not framed');
  });

  it('are refused from any window but the parent (an opener, a sibling frame)', () => {
    expect(refusalOf({ ...ok, fromParent: false })).toBe('the sender is not the framing window');
  });

  it('are refused from an origin not on the allow-list, even one named by ?parentOrigin=', () => {
    expect(refusalOf({ ...ok, origin: 'https://evil.example.net' })).toBe('the sender origin is not on the allow-list');
  });

  it('are refused when they are not objects', () => {
    expect(refusalOf({ ...ok, data: 'secure-input.set-token' })).toBe('the message is not an object');
  });
});

describe('the allow-list from /config.json', () => {
  it('keeps exact origins only and drops paths, wildcards and non-strings', () => {
    expect(parseOrigins(['https://desk.example.com', 'https://cc.example.net:8443', 'https://a.example.com/path', 'https://*.example.com', '*', 42])).toEqual([
      'https://desk.example.com',
      'https://cc.example.net:8443',
    ]);
    expect(parseOrigins(undefined)).toEqual([]);
    expect(parseOrigins('https://desk.example.com')).toEqual([]);
  });
});
