/**
 * Direct sign-in to the console in AWS through the Cognito hosted UI: the OAuth 2.0 authorization code
 * flow with PKCE (RFC 7636, S256) for a public client — no implicit flow, no client secret. The page
 * keeps a one-time `state` and code verifier in session storage, sends the agent to /oauth2/authorize,
 * and on the way back checks `state` before trading the code for tokens at /oauth2/token.
 *
 * Pure apart from what it is given (storage, crypto, fetch), so it runs under jest as it runs in the
 * browser; it deliberately needs no DOM types. The sandbox has its own local sign-in and never comes here.
 */

/** What /config.json says about sign-in. `local` is the sandbox's user picker (also when there is no config). */
export type SignInConfig = { readonly mode: 'local' } | HostedSignInConfig;

export interface HostedSignInConfig {
  readonly mode: 'cognito';
  /** The hosted UI base URL, `https://<prefix>.auth.<region>.amazoncognito.com` (or a custom domain). */
  readonly domain: string;
  readonly clientId: string;
  /** Registered callback URL: the console's own URL. */
  readonly redirectUri: string;
  /** Registered sign-out URL. */
  readonly logoutUri: string;
  readonly scopes: readonly string[];
}

/** The part of sessionStorage this module uses. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of Web Crypto this module uses (`window.crypto` in the browser, `globalThis.crypto` in Node). */
export interface SignInCrypto {
  getRandomValues<T extends Uint8Array<ArrayBuffer>>(array: T): T;
  readonly subtle: { digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> };
}

export interface TokenResponseLike {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}

export type TokenFetch = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => Promise<TokenResponseLike>;

export interface SignInDeps {
  readonly storage: KeyValueStore;
  readonly crypto: SignInCrypto;
}

/** What comes back on the redirect URI: a code, an error from the hosted UI, or nothing (a normal page load). */
export type SignInCallback =
  | { readonly kind: 'code'; readonly code: string; readonly state: string }
  | { readonly kind: 'error'; readonly error: string; readonly state?: string };

export interface SignInTokens {
  readonly idToken: string;
  readonly accessToken?: string;
  readonly expiresInSeconds?: number;
  /** The query string the page had when the agent pressed Sign in (e.g. `?interaction=…`), to restore. */
  readonly returnTo: string;
}

/** A sign-in that cannot complete; the message says what to do and never repeats a code, token or state. */
export class SignInError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

/** The `state` on the way back is not the one this tab sent (a forged or replayed redirect, or another tab's). */
export class SignInStateError extends SignInError {
  public constructor() {
    super('The sign-in response does not belong to this page (state mismatch); press Sign in again.');
    this.name = 'SignInStateError';
  }
}

export class SignInConfigError extends Error {
  public readonly problems: readonly string[];
  public constructor(problems: string[]) {
    super(`The console sign-in configuration is invalid: ${problems.join('; ')}`);
    this.name = 'SignInConfigError';
    this.problems = problems;
  }
}

/** sessionStorage key of the pending sign-in (state, verifier, return query): one per tab, used once. */
export const PENDING_KEY = 'secure-ivr.sign-in.pending';
/** RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. 48 random bytes give 64 characters. */
const VERIFIER_BYTES = 48;
const STATE_BYTES = 24;
const HTTPS_ORIGIN = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
const CLIENT_ID = /^[A-Za-z0-9_+-]{1,128}$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;
/** OAuth error codes (RFC 6749 §4.1.2.1, §5.2) shown as they are; anything else is reported generically. */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
]);

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Reads the `signIn` member of /config.json. Absent means local sign-in (the sandbox); a hosted
 * configuration must be complete and use https, else every problem is named.
 */
export function parseSignInConfig(raw: unknown): SignInConfig {
  if (raw === undefined || raw === null) return { mode: 'local' };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SignInConfigError(['signIn must be an object']);
  const r = raw as Record<string, unknown>;
  if (r.mode === 'local') return { mode: 'local' };
  if (r.mode !== 'cognito') throw new SignInConfigError(['signIn.mode must be "local" or "cognito"']);
  const problems: string[] = [];
  const text = (key: string): string => (typeof r[key] === 'string' ? (r[key] as string) : '');
  const domain = text('domain').replace(/\/+$/, '');
  if (!HTTPS_ORIGIN.test(domain)) problems.push('signIn.domain must be https://host with no path');
  const clientId = text('clientId');
  if (!CLIENT_ID.test(clientId)) problems.push('signIn.clientId must be a Cognito app client id');
  const redirectUri = text('redirectUri');
  if (!isHttpsUrl(redirectUri)) problems.push('signIn.redirectUri must be an https:// URL');
  const logoutUri = text('logoutUri') || redirectUri;
  if (!isHttpsUrl(logoutUri)) problems.push('signIn.logoutUri must be an https:// URL');
  const scopes = r.scopes === undefined ? ['openid'] : Array.isArray(r.scopes) ? r.scopes.map(String) : [];
  if (!scopes.includes('openid') || scopes.some((s) => !SCOPE.test(s))) problems.push('signIn.scopes must be a list of scope names including openid');
  if (problems.length > 0) throw new SignInConfigError(problems);
  return { mode: 'cognito', domain, clientId, redirectUri, logoutUri, scopes };
}

/** base64url without padding (RFC 4648 §5), as PKCE and the state use. */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(crypto: SignInCrypto, bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A fresh PKCE code verifier: 64 characters of the unreserved alphabet, 384 bits of randomness. */
export function createVerifier(crypto: SignInCrypto): string {
  return randomText(crypto, VERIFIER_BYTES);
}

/** A fresh `state`: 32 characters, 192 bits of randomness. */
export function createState(crypto: SignInCrypto): string {
  return randomText(crypto, STATE_BYTES);
}

/** The S256 code challenge: base64url(SHA-256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function challengeFor(verifier: string, crypto: SignInCrypto): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

interface Pending {
  state: string;
  verifier: string;
  returnTo: string;
}

/** Only a query string is kept to return to (the redirect URI fixes the path; nothing can point elsewhere). */
function safeReturn(search: string): string {
  return /^\?[^#]{0,2000}$/.test(search) ? search : '';
}

/**
 * Starts a sign-in: keeps a new state and verifier for this tab and returns the hosted UI's authorize
 * URL to navigate to. `returnTo` is the page's current query string, given back after sign-in.
 */
export async function beginSignIn(config: HostedSignInConfig, deps: SignInDeps, returnTo = ''): Promise<string> {
  const verifier = createVerifier(deps.crypto);
  const state = createState(deps.crypto);
  const pending: Pending = { state, verifier, returnTo: safeReturn(returnTo) };
  deps.storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL('/oauth2/authorize', config.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes.join(' '),
    state,
    code_challenge: await challengeFor(verifier, deps.crypto),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** What the redirect brought back in the query string, or undefined on an ordinary page load. */
export function readCallback(search: string): SignInCallback | undefined {
  const params = new URLSearchParams(search);
  const state = params.get('state') ?? undefined;
  const error = params.get('error');
  if (error !== null) return { kind: 'error', error, ...(state !== undefined ? { state } : {}) };
  const code = params.get('code');
  if (code === null) return undefined;
  return { kind: 'code', code, state: state ?? '' };
}

/** The query string without the OAuth response parameters, to put back into the address bar at once. */
export function withoutCallbackParams(search: string): string {
  const params = new URLSearchParams(search);
  for (const key of ['code', 'state', 'error', 'error_description', 'error_uri']) params.delete(key);
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}

/** Takes the pending sign-in out of storage: it serves one redirect, whatever happens next. */
function takePending(storage: KeyValueStore): Pending | undefined {
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY);
  if (raw === null) return undefined;
  try {
    const p = JSON.parse(raw) as Partial<Pending>;
    return typeof p.state === 'string' && typeof p.verifier === 'string'
      ? { state: p.state, verifier: p.verifier, returnTo: safeReturn(String(p.returnTo ?? '')) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Compares without stopping at the first difference (the state is a secret of this tab). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function oauthError(code: unknown): string {
  return typeof code === 'string' && OAUTH_ERRORS.has(code) ? code : 'error';
}

/**
 * Completes a sign-in on the redirect URI: refuses a response whose `state` is not this tab's pending
 * one (before any network call), then trades the code and verifier for tokens at /oauth2/token.
 */
export async function completeSignIn(
  config: HostedSignInConfig,
  callback: SignInCallback,
  deps: { storage: KeyValueStore; fetch: TokenFetch },
): Promise<SignInTokens> {
  const pending = takePending(deps.storage);
  // An error redirect exchanges nothing, so it is reported whatever its state; a code needs this tab's state.
  if (callback.kind === 'error') {
    const code = oauthError(callback.error);
    throw new SignInError(
      code === 'access_denied'
        ? 'Sign-in was cancelled or refused; press Sign in to try again.'
        : `The sign-in service refused the request (${code}); press Sign in to try again.`,
    );
  }
  if (!pending || !sameText(callback.state, pending.state)) throw new SignInStateError();
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: config.clientId,
    code: callback.code,
    redirect_uri: config.redirectUri,
    code_verifier: pending.verifier,
  }).toString();
  let res: TokenResponseLike;
  try {
    res = await deps.fetch(new URL('/oauth2/token', config.domain).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  } catch {
    throw new SignInError('The sign-in service could not be reached; check the connection and press Sign in again.');
  }
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new SignInError(`The sign-in could not be completed (${oauthError(data.error)}); press Sign in again.`);
  if (typeof data.id_token !== 'string' || data.id_token === '')
    throw new SignInError('The sign-in service returned no id token; check that the app client allows the openid scope.');
  return {
    idToken: data.id_token,
    ...(typeof data.access_token === 'string' ? { accessToken: data.access_token } : {}),
    ...(typeof data.expires_in === 'number' ? { expiresInSeconds: data.expires_in } : {}),
    returnTo: pending.returnTo,
  };
}

/** The hosted UI's sign-out URL: ends the Cognito session, then comes back to the registered sign-out URL. */
export function logoutUrl(config: HostedSignInConfig): string {
  const url = new URL('/logout', config.domain);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: config.logoutUri }).toString();
  return url.toString();
}
