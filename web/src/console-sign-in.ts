/**
 * The console's sign-in panel: the sandbox's local user picker, or (in AWS, opened directly) the Cognito
 * hosted UI button and the end of its redirect (./sign-in.ts does the OAuth part). It hands the token it
 * obtains to the console and shows why a sign-in failed or ended.
 */
import { type AgentApi, ApiRefusal } from './api';
import { $ } from './dom';
import {
  beginSignIn,
  completeSignIn,
  logoutUrl,
  parseSignInConfig,
  readCallback,
  SignInConfigError,
  SignInError,
  type SignInConfig,
  withoutCallbackParams,
} from './sign-in';

export const TOKEN_KEY = 'secure-ivr-token';

export interface SignInPanel {
  /** The token to use at start (from the address bar, a finished redirect or this tab's storage). */
  initialToken(): string | undefined;
  showError(text: string): void;
  /** Back to the panel, saying why (an expired token, a restarted sandbox). */
  showSignedOut(reason: string): void;
  signOut(): void;
}

export async function startSignIn(
  api: AgentApi,
  deployed: { signIn?: unknown } | undefined,
  embedded: boolean,
  onToken: (token: string) => void,
): Promise<SignInPanel> {
  const error = (text: string): void => {
    $('sign-in-error').textContent = text;
  };
  let signIn: SignInConfig = { mode: 'local' };

  const hashParams = new URLSearchParams(window.location.hash.slice(1));
  const hashToken = hashParams.get('id_token') ?? hashParams.get('access_token');
  if (hashToken) history.replaceState(null, '', window.location.pathname + window.location.search);

  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const { token } = await api.request<{ token: string }>('POST', '/auth/sign-in', { username: $<HTMLSelectElement>('username').value });
        onToken(token);
      } catch (err) {
        error(err instanceof ApiRefusal ? err.refusal.reason : 'Sign-in failed');
      }
    })();
  });

  $('hosted-sign-in-button').addEventListener('click', () => {
    if (signIn.mode !== 'cognito') return;
    const button = $<HTMLButtonElement>('hosted-sign-in-button');
    button.disabled = true;
    error('');
    void beginSignIn(signIn, { storage: sessionStorage, crypto: window.crypto }, window.location.search)
      .then((url) => window.location.assign(url))
      .catch(() => {
        button.disabled = false;
        error('Sign-in could not start in this browser (session storage or Web Crypto unavailable).');
      });
  });

  try {
    signIn = parseSignInConfig(deployed?.signIn);
  } catch (err) {
    $('sign-in-form').hidden = true;
    error(err instanceof SignInConfigError ? `${err.message}. Ask your administrator.` : 'Sign-in is not configured.');
  }

  let fresh: string | undefined;
  if (signIn.mode === 'cognito') {
    const config = signIn;
    $('sign-in-form').hidden = true;
    $('hosted-sign-in').hidden = embedded;
    if (embedded) error('Your desktop signs you in.');
    const callback = readCallback(window.location.search);
    if (callback) {
      // The code is single-use, but it should not linger in the address bar, history or a bookmark.
      history.replaceState(null, '', window.location.pathname + withoutCallbackParams(window.location.search));
      try {
        const tokens = await completeSignIn(config, callback, { storage: sessionStorage, fetch: (url, init) => fetch(url, init) });
        if (tokens.returnTo) history.replaceState(null, '', window.location.pathname + tokens.returnTo);
        fresh = tokens.idToken;
      } catch (err) {
        error(err instanceof SignInError ? err.message : 'Sign-in failed; press Sign in again.');
      }
    }
  } else if (!$('sign-in-form').hidden) {
    try {
      const { users } = await api.request<{ users: Array<{ id: string; name: string }> }>('GET', '/auth/users');
      $<HTMLSelectElement>('username').replaceChildren(...users.map((u) => new Option(`${u.name} (${u.id})`, u.id)));
    } catch {
      error('Local sign-in is not available here; your desktop signs you in.');
    }
  }

  return {
    initialToken: () => hashToken ?? fresh ?? sessionStorage.getItem(TOKEN_KEY) ?? undefined,
    showError: error,
    showSignedOut(reason) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('sign-in').hidden = false;
      $('workspace').hidden = true;
      $('sign-out').hidden = true;
      $('who').textContent = '';
      $<HTMLButtonElement>('hosted-sign-in-button').disabled = false;
      error(reason);
      $('sign-in-title').focus();
    },
    signOut() {
      sessionStorage.removeItem(TOKEN_KEY);
      // Signed in through the hosted UI: end the Cognito session too, or Sign in would come straight back.
      if (signIn.mode === 'cognito' && !embedded) window.location.assign(logoutUrl(signIn));
      else window.location.reload();
    },
  };
}
