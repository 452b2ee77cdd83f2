/**
 * The console embedded in a CCaaS desktop (an iframe): it announces its events to the host with
 * postMessage (types in web/README.md) and accepts a token and the current call from the host.
 *
 * Who counts as the host: only the window that frames the console (`window.parent`, never an opener or
 * another frame), and only when its origin is on the server-side allow-list (`embeddingOrigins` in
 * /config.json: the deployment's `consoleEmbeddingOrigins`; the console's own origin is always allowed).
 * A console that is not framed takes no host messages at all, whatever `?parentOrigin=` says, so a page
 * that opens it in a popup cannot sign it in as someone else. Announcements go to the host's origin only
 * — `?parentOrigin=` or the referrer's origin when allowed, else the origin of the first accepted message.
 */

export interface HostMessages {
  setToken(token: string): void;
  selectInteraction(interactionId: string, parties: number | undefined): void;
}

export interface Embedding {
  readonly embedded: boolean;
  announce(type: string, detail: Record<string, unknown>): void;
  /** The server's allow-list arrived: messages held until now are judged, later ones at once. */
  allow(origins: readonly string[]): void;
}

/** Why a host message is refused, or undefined when it is accepted. Pure, for the unit tests. */
export function refusalOf(m: { embedded: boolean; fromParent: boolean; origin: string; allowed: ReadonlySet<string>; data: unknown }): string | undefined {
  if (!m.embedded) return 'the console is not framed';
  if (!m.fromParent) return 'the sender is not the framing window';
  if (!m.allowed.has(m.origin)) return 'the sender origin is not on the allow-list';
  if (typeof m.data !== 'object' || m.data === null) return 'the message is not an object';
  return undefined;
}

/** Only exact `scheme://host[:port]` origins are listed (no paths, no wildcards). */
export function parseOrigins(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((o): o is string => typeof o === 'string' && /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o));
}

/** The parts of window and document this module uses (so it also type-checks and tests without the DOM library). */
interface MessageTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}
interface HostMessageEvent {
  readonly origin: string;
  readonly source: unknown;
  readonly data: unknown;
}
export interface EmbeddingWindow {
  readonly location: { readonly search: string; readonly origin: string };
  readonly parent: MessageTarget;
  addEventListener(type: 'message', listener: (e: HostMessageEvent) => void): void;
}
export interface EmbeddingDocument {
  readonly referrer: string;
  readonly body: { readonly dataset: Record<string, string | undefined> };
}

export function startEmbedding(win: EmbeddingWindow, doc: EmbeddingDocument, host: HostMessages): Embedding {
  const params = new URLSearchParams(win.location.search);
  const embedded = (win.parent as unknown) !== win;
  let allowed: Set<string> | undefined;
  let parentOrigin: string | undefined;
  let refused = 0;
  const held: HostMessageEvent[] = [];

  const referrerOrigin = (): string | undefined => {
    if (!doc.referrer) return undefined;
    try {
      return new URL(doc.referrer).origin;
    } catch {
      return undefined;
    }
  };

  const judge = (e: HostMessageEvent): void => {
    const why = refusalOf({ embedded, fromParent: e.source === win.parent && e.source !== win, origin: e.origin, allowed: allowed ?? new Set(), data: e.data });
    if (why) {
      refused += 1;
      // Visible to the desktop's engineers and the browser tests; says nothing of the message itself.
      doc.body.dataset.hostMessagesRefused = String(refused);
      return;
    }
    parentOrigin ??= e.origin;
    const data = e.data as { type?: unknown; token?: unknown; interactionId?: unknown; parties?: unknown };
    if (data.type === 'secure-input.set-token' && typeof data.token === 'string') host.setToken(data.token);
    if (data.type === 'secure-input.select-interaction' && typeof data.interactionId === 'string')
      host.selectInteraction(data.interactionId, typeof data.parties === 'number' ? data.parties : undefined);
  };

  win.addEventListener('message', (e) => {
    if (allowed === undefined) held.push(e);
    else judge(e);
  });

  return {
    embedded,
    allow(origins) {
      allowed = new Set([win.location.origin, ...origins]);
      if (embedded) {
        const explicit = params.get('parentOrigin');
        const candidate = explicit ?? referrerOrigin();
        if (candidate && allowed.has(candidate)) parentOrigin = candidate;
      }
      for (const e of held.splice(0)) judge(e);
    },
    /** Tells the hosting desktop what happened; never to an origin not allowed (messages name calls and outcomes). */
    announce(type, detail) {
      if (!embedded || !parentOrigin || !allowed?.has(parentOrigin)) return;
      win.parent.postMessage({ source: 'secure-ivr-console', version: 1, type, ...detail }, parentOrigin);
    },
  };
}
