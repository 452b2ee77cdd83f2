/**
 * The agent console on Amazon Connect telephony, in a real browser (playwright-core driving Debian's
 * Chromium, headless) against a sandbox started here with `telephony: 'connect'`: the agent opens the
 * caller's contact (`connect:<contact id>`), fills the form and presses Send to IVR; with no Streams in
 * the page the console presses the sandbox's "Secure Input" quick connect itself and shows the transfer's
 * progress; the caller keys the card on the keypad page inside the secure flow, and the outcome reaches
 * the console. Screenshots go to this test's own temporary folder, never into the repository.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Sandbox } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';
import type { ConnectContact } from '../../sandbox/connect/emulator';

const CHROMIUM = '/usr/bin/chromium';
const VISA = '4111111111111111';
/** Generous: under CPU load a step can take many seconds; the test waits on states, never on time. */
const UI_TIMEOUT = 90_000;
const TEST_TIMEOUT = 300_000;

let sandbox: Sandbox;
let api: ApiServer;
let context: BrowserContext;
let shots: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests cannot run. Install it with "apt-get install -y chromium".`);
  }
  shots = mkdtempSync(join(tmpdir(), 'e2e-connect-shots-'));
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'e2e-connect-')), ephemeral: true, telephony: 'connect' });
  api = await startApiServer(sandbox, 0);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'e2e-connect-chromium-')), {
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
    viewport: { width: 1200, height: 900 },
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await api?.close();
  await sandbox?.close();
});

/** Keys typed on the keypad page once the flow's input block for `field` is listening (keys outside one are not kept). */
async function key(caller: Page, contact: ConnectContact, field: string, keys: string): Promise<void> {
  await contact.waitFor((c) => c.awaitingInput?.endsWith(`-${field}`) === true, UI_TIMEOUT);
  await caller.keyboard.type(keys);
}

describe('the agent console on Amazon Connect', () => {
  it(
    'sends the caller to Secure Input from the console (the sandbox quick connect), shows the transfer, and reaches the outcome',
    async () => {
      // Prepare: alice signed in, a caller on the keypad page connected to her
      const agent = await context.newPage();
      await agent.goto(api.consoleUrl);
      await agent.getByLabel('Agent').selectOption('alice');
      await agent.getByRole('button', { name: 'Sign in' }).click();
      await agent.getByText('Signed in as Alice Agent').waitFor({ timeout: UI_TIMEOUT });
      const caller = await context.newPage();
      await caller.goto(api.keypadUrl);
      await caller.getByLabel('Call the agent').selectOption('alice');
      await caller.getByRole('button', { name: 'Call' }).click();
      await caller.getByText('Talking to the agent.').waitFor({ timeout: UI_TIMEOUT });
      const callId = (await caller.locator('body').getAttribute('data-call-id')) ?? '';
      const contact = sandbox.connect?.emulator.contact(callId.slice('connect:'.length)) as ConnectContact;
      await agent.getByRole('button', { name: 'Refresh' }).click();
      await agent.locator(`button[data-interaction="${callId}"]`).click();
      // Act: Secure Input → form → Send to IVR; the console transfers the caller itself
      await agent.getByRole('button', { name: 'Secure Input' }).click();
      await agent.getByRole('radio', { name: /Card payment/ }).check();
      await agent.getByRole('button', { name: 'OK' }).click();
      await agent.getByLabel('Customer name (required)').fill('Joe Smith');
      await agent.getByLabel('Customer account (required)').fill('343453422');
      await agent.getByLabel('Amount (required)').fill('14.55');
      await agent.getByRole('button', { name: 'Send to IVR' }).click();
      await agent.locator('#connect-transfer-status[data-step="transferred"]').waitFor({ timeout: UI_TIMEOUT });
      const transferText = await agent.locator('#connect-transfer-status').textContent();
      await key(caller, contact, 'pan', `${VISA}#`);
      await agent.locator('tr[data-field="pan"] .masked').getByText('•••• •••• •••• 1111').waitFor({ timeout: UI_TIMEOUT });
      const shot = join(shots, 'connect-secure-input-progress.png');
      await agent.screenshot({ path: shot, fullPage: true });
      await key(caller, contact, 'exp', '1230#');
      await key(caller, contact, 'cvv', '737#');
      await agent.getByText('Operation successful — card validated').waitFor({ timeout: UI_TIMEOUT });
      const agentHtml = await agent.content();
      // The flow tells the caller the outcome, then gives them back to the agent.
      await contact.waitFor((c) => c.flowRuns.at(-1)?.state !== 'running', UI_TIMEOUT);
      await caller.getByText('Talking to the agent.').waitFor({ timeout: UI_TIMEOUT });
      // Assess
      expect(callId).toMatch(/^connect:[0-9a-f-]{36}$/);
      expect(await agent.locator(`button[data-interaction="${callId}"]`).count()).toBe(1);
      expect(transferText).toBe('The caller is in Secure Input; you are on hold until the card details are taken.');
      expect(existsSync(shot)).toBe(true);
      expect(contact.flowRuns.map((r) => r.state)).toEqual(['returned']);
      expect(contact.violations).toEqual([]);
      expect(agentHtml).not.toContain(VISA);
      expect(agentHtml).not.toContain('1230');
      await agent.close();
      await caller.close();
    },
    TEST_TIMEOUT,
  );
});
