/**
 * The console embedded in a CCaaS desktop (an iframe): it announces its events to the host with
 * postMessage (types in web/README.md) and accepts a token and the current call from the host.
 */

export interface HostMessages {
  setToken(token: string): void;
  selectInteraction(interactionId: string, parties: number | undefined): void;
}

export interface Embedding {
  readonly embedded: boolean;
  announce(type: string, detail: Record<string, unknown>): void;
}

export function startEmbedding(win: Window, doc: Document, host: HostMessages): Embedding {
  const params = new URLSearchParams(win.location.search);
  const embedded = win.parent !== win;
  const parentOrigin = ((): string | undefined => {
    const explicit = params.get('parentOrigin');
    if (explicit) return explicit;
    if (!embedded || !doc.referrer) return undefined;
    try {
      return new URL(doc.referrer).origin;
    } catch {
      return undefined;
    }
  })();

  win.addEventListener('message', (e: MessageEvent) => {
    if (!parentOrigin || e.origin !== parentOrigin || typeof e.data !== 'object' || e.data === null) return;
    const data = e.data as { type?: unknown; token?: unknown; interactionId?: unknown; parties?: unknown };
    if (data.type === 'secure-input.set-token' && typeof data.token === 'string') host.setToken(data.token);
    if (data.type === 'secure-input.select-interaction' && typeof data.interactionId === 'string') host.selectInteraction(data.interactionId, typeof data.parties === 'number' ? data.parties : undefined);
  });

  return {
    embedded,
    /** Tells the hosting desktop what happened; never to an unknown origin (messages name calls and outcomes). */
    announce(type, detail) {
      if (!embedded || !parentOrigin) return;
      win.parent.postMessage({ source: 'secure-ivr-console', version: 1, type, ...detail }, parentOrigin);
    },
  };
}
