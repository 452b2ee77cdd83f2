/**
 * The console's hosted sign-in helper (web/src/sign-in.ts): PKCE verifier and S256 challenge (RFC 7636,
 * appendix B vector), the authorize URL, the one-time state, the token exchange and sign-out URL.
 * Node's Web Crypto stands in for the browser's; storage and fetch are in-memory fakes.
 */
import { webcrypto } from 'node:crypto';
import {
  base64Url,
  beginSignIn,
  challengeFor,
  completeSignIn,
  createState,
  createVerifier,
  type HostedSignInConfig,
  type KeyValueStore,
  logoutUrl,
  parseSignInConfig,
  PENDING_KEY,
  readCallback,
  type SignInCrypto,
  SignInConfigError,
  SignInError,
  SignInStateError,
  type TokenFetch,
  withoutCallbackParams,
} from '../../web/src/sign-in';

const crypto = webcrypto as unknown as SignInCrypto;
const CONFIG: HostedSignInConfig = {
  mode: 'cognito',
  domain: 'https://secureivr-123456789012.auth.us-east-1.amazoncognito.com',
  clientId: 'abc123clientid',
  redirectUri: 'https://d111111abcdef8.cloudfront.net/console/',
  logoutUri: 'https://d111111abcdef8.cloudfront.net/console/',
  scopes: ['openid', 'email', 'profile'],
};
const UNRESERVED = /^[A-Za-z0-9\-._~]+$/;

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

interface Call {
  url: string;
  body: URLSearchParams;
  headers: Record<string, string>;
}

function tokenEndpoint(status: number, body: unknown): { fetch: TokenFetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: TokenFetch = async (url, init) => {
    calls.push({ url, body: new URLSearchParams(init.body), headers: init.headers });
    return { ok: status >= 200 && status < 300, status, json: async () => body };
  };
  return { fetch, calls };
}

/** Begins a sign-in and returns what the hosted UI would redirect back with. */
async function signInRedirect(storage: KeyValueStore, returnTo = ''): Promise<{ authorize: URL; state: string }> {
  const authorize = new URL(await beginSignIn(CONFIG, { storage, crypto }, returnTo));
  return { authorize, state: authorize.searchParams.get('state') ?? '' };
}

describe('PKCE code verifier and challenge', () => {
  it('makes a verifier of 43 to 128 characters from the unreserved alphabet, different each time', () => {
    // Act
    const verifiers = Array.from({ length: 20 }, () => createVerifier(crypto));
    // Assess
    for (const v of verifiers) {
      expect(v.length).toBeGreaterThanOrEqual(43);
      expect(v.length).toBeLessThanOrEqual(128);
      expect(v).toMatch(UNRESERVED);
    }
    expect(new Set(verifiers).size).toBe(verifiers.length);
  });

  it('derives the S256 challenge of RFC 7636 appendix B from its verifier', async () => {
    // Prepare: the appendix's 32 octets, base64url-encoded, are its verifier
    const octets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    // Act
    const challenge = await challengeFor(verifier, crypto);
    // Assess
    expect(base64Url(new Uint8Array(octets))).toBe(verifier);
    expect(challenge).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('encodes bytes as base64url without padding', () => {
    expect(base64Url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe('-__-');
    expect(base64Url(new Uint8Array([0x66]))).toBe('Zg');
  });

  it('makes an unguessable state of the unreserved alphabet, different each time', () => {
    // Act
    const states = Array.from({ length: 20 }, () => createState(crypto));
    // Assess
    for (const s of states) expect(s).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(states).size).toBe(states.length);
  });
});

describe('starting a sign-in', () => {
  it('sends the agent to the hosted UI authorize endpoint with the code flow, PKCE S256 and a state', async () => {
    // Prepare
    const storage = memoryStore();
    // Act
    const { authorize, state } = await signInRedirect(storage);
    // Assess
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${CONFIG.domain}/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      response_type: 'code',
      client_id: CONFIG.clientId,
      redirect_uri: CONFIG.redirectUri,
      scope: 'openid email profile',
      state,
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    const pending = JSON.parse(storage.data.get(PENDING_KEY) ?? '{}') as { state: string; verifier: string };
    expect(pending.state).toBe(state);
    expect(await challengeFor(pending.verifier, crypto)).toBe(authorize.searchParams.get('code_challenge'));
    // The verifier stays in this tab; only its hash travels.
    expect(authorize.toString()).not.toContain(pending.verifier);
  });
});

describe('coming back with a code', () => {
  it('trades the code and verifier for tokens at /oauth2/token and returns the id token', async () => {
    // Prepare
    const storage = memoryStore();
    const { state } = await signInRedirect(storage, '?interaction=call-1');
    const verifier = (JSON.parse(storage.data.get(PENDING_KEY) ?? '{}') as { verifier: string }).verifier;
    const endpoint = tokenEndpoint(200, { id_token: 'id.jwt.sig', access_token: 'access.jwt.sig', expires_in: 28800, token_type: 'Bearer' });
    // Act
    const tokens = await completeSignIn(CONFIG, { kind: 'code', code: 'the-code', state }, { storage, fetch: endpoint.fetch });
    // Assess
    expect(tokens).toEqual({ idToken: 'id.jwt.sig', accessToken: 'access.jwt.sig', expiresInSeconds: 28800, returnTo: '?interaction=call-1' });
    expect(endpoint.calls).toHaveLength(1);
    expect(endpoint.calls[0]?.url).toBe(`${CONFIG.domain}/oauth2/token`);
    expect(endpoint.calls[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(endpoint.calls[0]?.body ?? [])).toEqual({
      grant_type: 'authorization_code',
      client_id: CONFIG.clientId,
      code: 'the-code',
      redirect_uri: CONFIG.redirectUri,
      code_verifier: verifier,
    });
    expect(endpoint.calls[0]?.body.has('client_secret')).toBe(false);
  });

  it('refuses a response whose state is not this tab\u2019s, without calling the token endpoint', async () => {
    // Prepare
    const storage = memoryStore();
    const { state } = await signInRedirect(storage);
    const endpoint = tokenEndpoint(200, { id_token: 'id.jwt.sig' });
    const forged = `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`;
    // Act
    const result = completeSignIn(CONFIG, { kind: 'code', code: 'attacker-code', state: forged }, { storage, fetch: endpoint.fetch });
    // Assess
    await expect(result).rejects.toBeInstanceOf(SignInStateError);
    await expect(result).rejects.toThrow(/state mismatch/);
    const message = await result.catch((err: Error) => err.message);
    expect(message).not.toContain('attacker-code');
    expect(message).not.toContain(forged);
    expect(endpoint.calls).toHaveLength(0);
  });

  it('uses a state once: replaying the same redirect is refused', async () => {
    // Prepare
    const storage = memoryStore();
    const { state } = await signInRedirect(storage);
    const endpoint = tokenEndpoint(200, { id_token: 'id.jwt.sig' });
    await completeSignIn(CONFIG, { kind: 'code', code: 'the-code', state }, { storage, fetch: endpoint.fetch });
    // Act
    const replay = completeSignIn(CONFIG, { kind: 'code', code: 'the-code', state }, { storage, fetch: endpoint.fetch });
    // Assess
    await expect(replay).rejects.toBeInstanceOf(SignInStateError);
    expect(endpoint.calls).toHaveLength(1);
  });

  it('refuses a code when this tab never started a sign-in', async () => {
    // Prepare
    const storage = memoryStore();
    const endpoint = tokenEndpoint(200, { id_token: 'id.jwt.sig' });
    // Act / Assess
    await expect(completeSignIn(CONFIG, { kind: 'code', code: 'the-code', state: 'whatever' }, { storage, fetch: endpoint.fetch })).rejects.toBeInstanceOf(
      SignInStateError,
    );
    expect(endpoint.calls).toHaveLength(0);
  });

  it('reports a refused token exchange by its OAuth error code, never echoing the code it sent', async () => {
    // Prepare
    const storage = memoryStore();
    const { state } = await signInRedirect(storage);
    const endpoint = tokenEndpoint(400, { error: 'invalid_grant' });
    // Act
    const result = completeSignIn(CONFIG, { kind: 'code', code: 'secret-code-4111111111111111', state }, { storage, fetch: endpoint.fetch });
    // Assess
    await expect(result).rejects.toThrow(SignInError);
    await expect(result).rejects.toThrow(/invalid_grant/);
    await expect(result).rejects.not.toThrow(/secret-code|4111111111111111/);
  });

  it('reports an error redirect from the hosted UI without calling the token endpoint', async () => {
    // Prepare
    const storage = memoryStore();
    const { state } = await signInRedirect(storage);
    const endpoint = tokenEndpoint(200, { id_token: 'id.jwt.sig' });
    // Act
    const result = completeSignIn(CONFIG, { kind: 'error', error: 'access_denied', state }, { storage, fetch: endpoint.fetch });
    // Assess
    await expect(result).rejects.toThrow(/cancelled or refused/);
    expect(endpoint.calls).toHaveLength(0);
    expect(storage.data.has(PENDING_KEY)).toBe(false);
  });
});

describe('reading the redirect and the configuration', () => {
  it('reads a code, an error or nothing from the query string, and strips the OAuth parameters', () => {
    expect(readCallback('?code=abc&state=xyz')).toEqual({ kind: 'code', code: 'abc', state: 'xyz' });
    expect(readCallback('?error=access_denied&state=xyz')).toEqual({ kind: 'error', error: 'access_denied', state: 'xyz' });
    expect(readCallback('?interaction=call-1')).toBeUndefined();
    expect(withoutCallbackParams('?interaction=call-1&code=abc&state=xyz')).toBe('?interaction=call-1');
    expect(withoutCallbackParams('?code=abc&state=xyz')).toBe('');
  });

  it('means local sign-in when the configuration says nothing or says local', () => {
    expect(parseSignInConfig(undefined)).toEqual({ mode: 'local' });
    expect(parseSignInConfig({ mode: 'local' })).toEqual({ mode: 'local' });
  });

  it('accepts a complete hosted configuration', () => {
    expect(parseSignInConfig({ ...CONFIG, domain: `${CONFIG.domain}/` })).toEqual(CONFIG);
  });

  it('names every problem of a hosted configuration that is not https or lacks openid', () => {
    // Act
    let error: unknown;
    try {
      parseSignInConfig({ mode: 'cognito', domain: 'http://auth.example.com', clientId: '', redirectUri: 'http://x.example.com/console/', scopes: ['email'] });
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(SignInConfigError);
    expect((error as SignInConfigError).problems).toEqual([
      expect.stringContaining('signIn.domain'),
      expect.stringContaining('signIn.clientId'),
      expect.stringContaining('signIn.redirectUri'),
      expect.stringContaining('signIn.logoutUri'),
      expect.stringContaining('signIn.scopes'),
    ]);
  });

  it('signs out through the hosted UI logout endpoint back to the console', () => {
    // Act
    const url = new URL(logoutUrl(CONFIG));
    // Assess
    expect(`${url.origin}${url.pathname}`).toBe(`${CONFIG.domain}/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: CONFIG.clientId, logout_uri: CONFIG.logoutUri });
  });
});
