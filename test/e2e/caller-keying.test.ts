/**
 * Issue 14 item 1 in a real browser (Debian's Chromium via playwright-core): the caller presses keys on the
 * keypad page while still talking to the agent; the agent's console warns them from the IVR's own signal
 * (ReceiveDigits → DIGITS_RECEIVED → push `caller-keying`), and the warning goes once the secure IVR has the
 * caller. The screenshot goes to this test's temporary folder (its path is printed on failure).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Sandbox } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';

const CHROMIUM = '/usr/bin/chromium';
const UI_TIMEOUT = 90_000;
const TEST_TIMEOUT = 300_000;
const WARNING = 'The caller is pressing keys: ask them to wait for the secure prompt';

let sandbox: Sandbox;
let api: ApiServer;
let context: BrowserContext;
let shots: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests cannot run. Install it with "apt-get install -y chromium".`);
  shots = mkdtempSync(join(tmpdir(), 'e2e-caller-keying-shots-'));
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'e2e-caller-keying-')), ephemeral: true });
  api = await startApiServer(sandbox, 0);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'e2e-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await api?.close();
  await sandbox?.close();
});

async function agentPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(api.consoleUrl);
  await page.getByLabel('Agent').selectOption('alice');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as Alice Agent').waitFor({ timeout: UI_TIMEOUT });
  return page;
}

describe('the console warns the agent when the caller keys while bridged', () => {
  it(
    'shows the warning after the caller presses keys on the keypad, never the keys, and drops it once the secure IVR has the caller',
    async () => {
      // Prepare: the caller is talking to Alice, who has the call open
      const agent = await agentPage();
      const caller = await context.newPage();
      await caller.goto(api.keypadUrl);
      await caller.getByLabel('Call the agent').selectOption('alice');
      await caller.getByRole('button', { name: 'Call' }).click();
      await caller.getByText('Talking to the agent.').waitFor({ timeout: UI_TIMEOUT });
      const callId = (await caller.locator('body').getAttribute('data-call-id')) ?? '';
      const call = sandbox.emulator.call(callId);
      if (!call) throw new Error('no emulated call');
      await agent.getByRole('button', { name: 'Refresh' }).click();
      await agent.locator(`button[data-interaction="${callId}"]`).click();
      await agent.getByRole('button', { name: 'Secure Input' }).waitFor({ timeout: UI_TIMEOUT });
      const warning = agent.locator('#caller-keying');
      const hiddenBefore = await warning.isHidden();
      await call.waitFor((c) => c.invocations.some((inv) => JSON.stringify(inv.response ?? {}).includes('"ReceiveDigits"')), UI_TIMEOUT);
      // Act: the caller starts keying a card number at the agent
      for (const k of ['4', '1', '1', '1']) await caller.locator(`.keypad button[data-key="${k}"]`).click();
      await agent.getByRole('alert').filter({ hasText: WARNING }).waitFor({ timeout: UI_TIMEOUT });
      const shown = (await warning.textContent()) ?? '';
      await agent.screenshot({ path: join(shots, 'caller-keying-warning.png'), fullPage: true });
      // The agent starts secure input: once the IVR has the caller, the warning goes
      await agent.getByRole('button', { name: 'Secure Input' }).click();
      await agent.getByRole('radio', { name: /Card payment/ }).check();
      await agent.getByRole('button', { name: 'OK' }).click();
      await agent.getByLabel('Customer name (required)').fill('Joe Smith');
      await agent.getByLabel('Customer account (required)').fill('343453422');
      await agent.getByLabel('Amount (required)').fill('14.55');
      await agent.getByLabel('Currency').fill('USD');
      await agent.getByRole('button', { name: 'Send to IVR' }).click();
      await agent.getByText('Waiting for caller to complete input…').waitFor({ timeout: UI_TIMEOUT });
      await warning.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
      await agent.screenshot({ path: join(shots, 'caller-keying-gone-in-ivr.png'), fullPage: true });
      // Assess
      expect(hiddenBefore).toBe(true);
      expect(shown).toBe(WARNING);
      expect(shown).not.toMatch(/\d/);
      expect(call.keys.filter((k) => k.collected === false && k.agentBridged)).toHaveLength(4);
      expect(existsSync(join(shots, 'caller-keying-warning.png'))).toBe(true);
      await caller.close();
      await agent.close();
    },
    TEST_TIMEOUT,
  );
});
