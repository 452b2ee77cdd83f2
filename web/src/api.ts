/**
 * The console's client for the agent API: bearer-token JSON requests and the WebSocket push stream
 * (reconnecting with a bounded back-off). Refusals come back as { error, reason, problems }.
 */
import type { AgentPush } from '../../lambdas/agent-api/push';

export interface Refusal {
  error: string;
  reason: string;
  problems: string[];
}

export class ApiRefusal extends Error {
  public constructor(
    public readonly status: number,
    public readonly refusal: Refusal,
  ) {
    super(refusal.reason);
    this.name = 'ApiRefusal';
  }
}

export class AgentApi {
  private token: string | undefined;
  private socketUrl: string | undefined;
  /** Called when a request made with a token is refused as unauthenticated (expired, or the sandbox restarted). */
  public onUnauthorized: ((refusal: Refusal) => void) | undefined;

  public constructor(private readonly base = '') {}

  public setToken(token: string | undefined): void {
    this.token = token;
  }

  /** In AWS the WebSocket API has its own domain (from /config.json); the sandbox serves it on the console's origin. */
  public setSocketUrl(url: string | undefined): void {
    this.socketUrl = url;
  }

  public get signedIn(): boolean {
    return this.token !== undefined;
  }

  public async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const data = (await res.json().catch(() => ({}))) as unknown;
    if (!res.ok) {
      const r = data as Partial<Refusal> & { problems?: string[] };
      const refusal: Refusal = {
        error: String(r.error ?? 'error'),
        reason: String(r.reason ?? `HTTP ${res.status}`),
        problems: Array.isArray(r.problems) ? r.problems.map(String) : [],
      };
      if (res.status === 401 && this.token !== undefined && this.onUnauthorized) this.onUnauthorized(refusal);
      throw new ApiRefusal(res.status, refusal);
    }
    return data as T;
  }

  /** Opens the push stream; calls `onPush` for each message, reconnects up to 20 times. */
  public connect(onPush: (message: AgentPush) => void, onState: (connected: boolean) => void): () => void {
    let socket: WebSocket | undefined;
    let stopped = false;
    let attempts = 0;
    const open = (): void => {
      if (stopped || !this.token) return;
      const url = new URL(this.socketUrl ?? '/api/ws', window.location.href);
      if (!this.socketUrl) url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('token', this.token);
      socket = new WebSocket(url);
      socket.addEventListener('open', () => {
        attempts = 0;
        onState(true);
      });
      socket.addEventListener('message', (e) => {
        try {
          const message = JSON.parse(String(e.data)) as AgentPush | { type: 'hello' | 'pong' };
          if (message.type !== 'hello' && message.type !== 'pong') onPush(message as AgentPush);
        } catch {
          // a malformed message is ignored
        }
      });
      socket.addEventListener('close', () => {
        onState(false);
        attempts += 1;
        if (!stopped && attempts <= 20) window.setTimeout(open, Math.min(500 * attempts, 5000));
      });
    };
    open();
    return () => {
      stopped = true;
      socket?.close();
    };
  }
}
