/**
 * The browser suites' shared set-up (test/e2e/): Debian's Chromium driven headless by playwright-core,
 * screenshots into test-artifacts/screenshots/ (gitignored), and the steps several suites take in the
 * agent console and on the caller's keypad page. Every wait is on a DOM state, with a generous limit,
 * so the suites hold on a busy machine.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');
/** Under CPU load a step can take many seconds; tests wait on DOM states, never on time. */
export const UI_TIMEOUT = 90_000;

export interface BrowserOptions {
  viewport: { width: number; height: number };
  /** Only for injecting a test script (axe-core) into a page whose CSP allows no inline script. @default false */
  bypassCSP?: boolean;
}

/**
 * A fresh headless Chromium profile. Fails with how to install Chromium when it is missing: the
 * browser suites never pass by skipping.
 */
export async function launchBrowser(options: BrowserOptions): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests cannot run. Install it with "apt-get install -y chromium" (.ci/run does this on a fresh machine).`,
    );
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'e2e-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: options.viewport,
    ...(options.bypassCSP ? { bypassCSP: true } : {}),
  });
}

/** A full-page screenshot as test-artifacts/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** A new console page signed in as `user` (shown as `name`). */
export async function openAgentConsole(context: BrowserContext, consoleUrl: string, user = 'alice', name = 'Alice Agent'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(consoleUrl);
  await page.getByLabel('Agent').selectOption(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${name}`).waitFor({ timeout: UI_TIMEOUT });
  return page;
}

/** A new keypad page that called alice and is talking to her; with the call's id. */
export async function callFromKeypad(context: BrowserContext, keypadUrl: string): Promise<{ page: Page; callId: string }> {
  const page = await context.newPage();
  await page.goto(keypadUrl);
  await page.getByLabel('Call the agent').selectOption('alice');
  await page.getByRole('button', { name: 'Call' }).click();
  await page.getByText('Talking to the agent.').waitFor({ timeout: UI_TIMEOUT });
  const callId = (await page.locator('body').getAttribute('data-call-id')) ?? '';
  return { page, callId };
}

/** Picks the call in the agent's list and waits until Secure Input can be offered on it. */
export async function openCall(agent: Page, callId: string): Promise<void> {
  await agent.getByRole('button', { name: 'Refresh' }).click();
  await agent.locator(`button[data-interaction="${callId}"]`).click();
  await agent.getByRole('button', { name: 'Secure Input' }).waitFor({ timeout: UI_TIMEOUT });
}
