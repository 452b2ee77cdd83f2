/**
 * The embedded console's postMessage channel in a real browser (Debian's Chromium via playwright-core):
 * a page on another origin that opens the console in a popup and posts a token must not sign it in; a
 * frame host whose origin is not on the server-side allow-list is ignored; the sandbox's own embedding
 * demo and an allowed desktop origin still hand over a token and get the console's announcements.
 * Three origins take part: the sandbox, an allowed desktop and an attacker, each its own loopback server.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { Sandbox } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';
import { launchBrowser, shot, UI_TIMEOUT } from '../helpers/browser';

// The functions given to page.evaluate run in the browser: these name the page's globals for the type checker
// (the project's tsconfig has no DOM library).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any, document: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type HTMLIFrameElement = any;

const TEST_TIMEOUT = 240_000;

let sandbox: Sandbox;
let api: ApiServer;
let context: BrowserContext;
const hosts: Server[] = [];
let deskOrigin: string;
let attackerOrigin: string;

/** A bare page on its own loopback origin (the desktop host or the attacker). */
async function originServer(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><head><title>host</title></head><body><h1>Another site</h1></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hosts.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function tokenFor(user: string): Promise<string> {
  const res = await fetch(`${api.url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** Waits until the console either signed in or refused host messages; returns which. */
async function signedInOrRefused(consolePage: Page, refusedAtLeast: number): Promise<'signed-in' | 'refused'> {
  const signedIn = consolePage
    .locator('#who', { hasText: 'Signed in as' })
    .waitFor({ timeout: UI_TIMEOUT })
    .then(() => 'signed-in' as const);
  const refused = consolePage
    .waitForFunction((n) => Number(document.body.dataset.hostMessagesRefused ?? '0') >= n, refusedAtLeast, { timeout: UI_TIMEOUT })
    .then(() => 'refused' as const);
  return Promise.race([signedIn, refused]);
}

beforeAll(async () => {
  deskOrigin = await originServer();
  attackerOrigin = await originServer();
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'e2e-embed-')), ephemeral: true });
  api = await startApiServer(sandbox, 0, '127.0.0.1', { embeddingOrigins: [deskOrigin] });
  context = await launchBrowser({ viewport: { width: 1100, height: 800 } });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await api?.close();
  await sandbox?.close();
  for (const h of hosts) await new Promise<void>((resolve) => h.close(() => resolve()));
});

describe('the embedded console accepts host messages only from its framing, allowed parent', () => {
  it(
    'refuses a token posted by another origin that opened the console in a popup (?parentOrigin= naming itself)',
    async () => {
      // Prepare: the attacker holds a token of their own (bob) and wants the agent's console to use it
      const token = await tokenFor('bob');
      const attacker = await context.newPage();
      await attacker.goto(`${attackerOrigin}/`);
      const popupOpened = context.waitForEvent('page', { timeout: UI_TIMEOUT });
      // Act: open the console as a popup and keep posting the token to it
      await attacker.evaluate(
        ({ consoleUrl, origin, stolen }) => {
          const w = window.open(`${consoleUrl}?embedded=1&parentOrigin=${encodeURIComponent(origin)}`, 'console');
          window.setInterval(() => w?.postMessage({ type: 'secure-input.set-token', token: stolen }, '*'), 250);
        },
        { consoleUrl: api.consoleUrl, origin: attackerOrigin, stolen: token },
      );
      const popup = await popupOpened;
      const result = await signedInOrRefused(popup, 3);
      await shot(popup, '41-embed-popup-attack');
      // Assess
      expect(result).toBe('refused');
      expect(await popup.locator('#who').textContent()).toBe('');
      expect(await popup.locator('#sign-in').isVisible()).toBe(true);
      await popup.close();
      await attacker.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'ignores a framing page whose origin is not on the allow-list, and announces nothing to it',
    async () => {
      // Prepare
      const token = await tokenFor('alice');
      const host = await context.newPage();
      await host.goto(`${attackerOrigin}/`);
      // Act
      await host.evaluate(
        ({ consoleUrl, origin, stolen }) => {
          const w = window as unknown as { received: unknown[] };
          w.received = [];
          window.addEventListener('message', (e: { data: unknown }) => w.received.push(e.data));
          const frame = document.createElement('iframe');
          frame.src = `${consoleUrl}?embedded=1&parentOrigin=${encodeURIComponent(origin)}`;
          frame.width = '900';
          frame.height = '600';
          frame.title = 'Secure Input console';
          document.body.append(frame);
          window.setInterval(() => frame.contentWindow?.postMessage({ type: 'secure-input.set-token', token: stolen }, '*'), 250);
        },
        { consoleUrl: api.consoleUrl, origin: attackerOrigin, stolen: token },
      );
      const frame = host.frameLocator('iframe');
      const consoleFrame = await (await host.locator('iframe').elementHandle())?.contentFrame();
      if (!consoleFrame) throw new Error('the console frame did not load');
      await consoleFrame.waitForFunction(() => Number(document.body.dataset.hostMessagesRefused ?? '0') >= 3, undefined, { timeout: UI_TIMEOUT });
      await shot(host, '42-embed-unlisted-origin');
      // Assess
      expect(await frame.locator('#who').textContent()).toBe('');
      expect(await host.evaluate(() => (window as unknown as { received: unknown[] }).received.length)).toBe(0);
      await host.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'takes a token from an allowed desktop origin that frames it, and announces ready to that origin only',
    async () => {
      // Prepare
      const token = await tokenFor('alice');
      const desk = await context.newPage();
      await desk.goto(`${deskOrigin}/`);
      // Act
      await desk.evaluate(
        ({ consoleUrl, origin, handed }) => {
          const w = window as unknown as { received: Array<{ type?: string; userId?: string }> };
          w.received = [];
          window.addEventListener('message', (e: { origin: string; data: unknown }) => {
            if (e.origin === new URL(consoleUrl).origin) w.received.push(e.data as { type?: string });
          });
          const frame = document.createElement('iframe');
          frame.src = `${consoleUrl}?embedded=1&parentOrigin=${encodeURIComponent(origin)}`;
          frame.width = '900';
          frame.height = '600';
          frame.title = 'Secure Input console';
          frame.addEventListener('load', () => frame.contentWindow?.postMessage({ type: 'secure-input.set-token', token: handed }, new URL(consoleUrl).origin));
          document.body.append(frame);
        },
        { consoleUrl: api.consoleUrl, origin: deskOrigin, handed: token },
      );
      await desk.frameLocator('iframe').getByText('Signed in as Alice Agent').waitFor({ timeout: UI_TIMEOUT });
      await desk.waitForFunction(
        () => (window as unknown as { received: Array<{ type?: string }> }).received.some((m) => m.type === 'secure-input.ready'),
        undefined,
        { timeout: UI_TIMEOUT },
      );
      await shot(desk, '43-embed-allowed-desktop');
      // Assess
      const ready = await desk.evaluate(() =>
        (window as unknown as { received: Array<{ type?: string; userId?: string }> }).received.find((m) => m.type === 'secure-input.ready'),
      );
      expect(ready).toMatchObject({ source: 'secure-ivr-console', version: 1, type: 'secure-input.ready', userId: 'alice' });
      await desk.close();
    },
    TEST_TIMEOUT,
  );

  it(
    "still works in the sandbox's own embedding demo (same origin, no parentOrigin, no referrer)",
    async () => {
      // Prepare
      const token = await tokenFor('alice');
      const demo = await context.newPage();
      await demo.goto(`${api.url}/embed-demo/`);
      const consoleFrame = await (await demo.locator('iframe').elementHandle())?.contentFrame();
      if (!consoleFrame) throw new Error('the console frame did not load');
      await consoleFrame.locator('#sign-in-title').waitFor({ timeout: UI_TIMEOUT });
      // Act
      await demo.evaluate(
        (handed) =>
          (document.querySelector('iframe') as HTMLIFrameElement).contentWindow?.postMessage(
            { type: 'secure-input.set-token', token: handed },
            window.location.origin,
          ),
        token,
      );
      // Assess
      await demo.frameLocator('iframe').getByText('Signed in as Alice Agent').waitFor({ timeout: UI_TIMEOUT });
      await shot(demo, '44-embed-demo');
      await demo.close();
    },
    TEST_TIMEOUT,
  );
});
