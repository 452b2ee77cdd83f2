/**
 * End to end in a real browser (playwright-core driving Debian's Chromium, headless) against a sandbox
 * started here: an agent works the console while a second page plays the caller on the keypad.
 * Screenshots of every step go to test-artifacts/screenshots/. Without Chromium these tests fail.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { Sandbox } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';
import { isTombstone } from '../../lambdas/shared/vault';
import { callFromKeypad, launchBrowser, openAgentConsole, openCall, shot, UI_TIMEOUT } from '../helpers/browser';

const VISA = '4111111111111111';
const DECLINE = '4000000000000002';
const TEST_TIMEOUT = 300_000;

let sandbox: Sandbox;
let api: ApiServer;
let context: BrowserContext;

const agentPage = (): Promise<Page> => openAgentConsole(context, api.consoleUrl);
const callerPage = (): Promise<{ page: Page; callId: string }> => callFromKeypad(context, api.keypadUrl);

async function sendToIvr(agent: Page): Promise<void> {
  await agent.getByRole('button', { name: 'Secure Input' }).click();
  await agent.getByRole('radio', { name: /Card payment/ }).check();
  await agent.getByRole('button', { name: 'OK' }).click();
  await agent.getByLabel('Customer name (required)').fill('Joe Smith');
  await agent.getByLabel('Customer account (required)').fill('343453422');
  await agent.getByLabel('Amount (required)').fill('14.55');
  await agent.getByRole('button', { name: 'Send to IVR' }).click();
}

async function key(caller: Page, keys: string, prompt: RegExp): Promise<void> {
  await caller.getByText(prompt).last().waitFor({ timeout: UI_TIMEOUT });
  await caller.keyboard.type(keys);
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'e2e-console-')), ephemeral: true });
  api = await startApiServer(sandbox, 0);
  context = await launchBrowser({ viewport: { width: 1200, height: 900 } });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await api?.close();
  await sandbox?.close();
});

describe('the agent console with a caller on the keypad page', () => {
  it(
    'completes a payment: masked live progress, then "Operation successful", with call controls disabled meanwhile',
    async () => {
      // Prepare
      const agent = await agentPage();
      await shot(agent, '01-payment-signed-in');
      const { page: caller, callId } = await callerPage();
      await openCall(agent, callId);
      await shot(agent, '02-payment-call-selected');
      // Act
      await sendToIvr(agent);
      await agent.getByText('Waiting for caller to complete input…').waitFor({ timeout: UI_TIMEOUT });
      const transferDisabled = await agent.getByRole('button', { name: 'Transfer' }).isDisabled();
      const conferenceDisabled = await agent.getByRole('button', { name: 'Conference' }).isDisabled();
      await shot(agent, '03-payment-waiting');
      await key(caller, `${VISA}#`, /enter your card number/);
      await agent.locator('tr[data-field="pan"] .masked').getByText('•••• •••• •••• 1111').waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '04-payment-card-number-masked');
      await shot(caller, '04-payment-caller-keypad');
      await key(caller, '1230#', /expiry date/);
      await key(caller, '737#', /security code/);
      await agent.getByText('Operation successful — card validated').waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '05-payment-outcome');
      const agentHtml = await agent.content();
      await agent.getByRole('button', { name: 'Close' }).click();
      await agent.getByText(/Used 1 time: 1 accepted/).waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '06-payment-closed-history');
      // Assess
      expect(transferDisabled).toBe(true);
      expect(conferenceDisabled).toBe(true);
      expect(await agent.getByRole('button', { name: 'Transfer' }).isDisabled()).toBe(false);
      expect(agentHtml).not.toContain(VISA);
      expect(agentHtml).not.toContain('1230');
      await agent.close();
      await caller.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'retries after a decline and then succeeds',
    async () => {
      // Prepare
      const agent = await agentPage();
      const { page: caller, callId } = await callerPage();
      await openCall(agent, callId);
      // Act
      await sendToIvr(agent);
      await key(caller, `${DECLINE}#`, /enter your card number/);
      await key(caller, '1230#', /expiry date/);
      await key(caller, '737#', /security code/);
      await agent.getByText('Declined', { exact: true }).waitFor({ timeout: UI_TIMEOUT });
      await agent
        .locator('#outcome-lines')
        .getByText(/do not honour/)
        .waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '11-retry-declined');
      // Retry is offered once the caller is back on the line with the agent.
      await agent.locator('#retry-session:enabled').waitFor({ timeout: UI_TIMEOUT });
      await agent.getByText('The caller is back with you.').waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '11b-retry-caller-back');
      await agent.getByRole('button', { name: 'Retry' }).click();
      await agent.getByText('Waiting for caller to complete input…').waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '12-retry-waiting-again');
      await caller.getByText(/Your payment could not be accepted/).waitFor({ timeout: UI_TIMEOUT });
      await caller
        .locator('#prompts li', { hasText: /enter your card number/ })
        .nth(1)
        .waitFor({ timeout: UI_TIMEOUT });
      await caller.keyboard.type(`${VISA}#`);
      // The first attempt's prompts are still listed: wait for this attempt's own (keys pressed before a
      // prompt listens are heard by nobody's IVR and dropped, as on a real call).
      await caller
        .locator('#prompts li', { hasText: /expiry date/ })
        .nth(1)
        .waitFor({ timeout: UI_TIMEOUT });
      await caller.keyboard.type('1230#');
      await caller
        .locator('#prompts li', { hasText: /security code/ })
        .nth(1)
        .waitFor({ timeout: UI_TIMEOUT });
      await caller.keyboard.type('737#');
      await agent.getByText('Operation successful — card validated').waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '13-retry-accepted');
      // Assess
      await agent.getByRole('button', { name: 'Close' }).click();
      await agent.getByText(/Used 2 times: 1 accepted, 1 declined/).waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '14-retry-history');
      expect(await agent.getByText(/Used 2 times/).count()).toBe(1);
      await agent.close();
      await caller.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'cancels mid-entry: the agent sees "Cancelled" and the caller is returned to the agent',
    async () => {
      // Prepare
      const agent = await agentPage();
      const { page: caller, callId } = await callerPage();
      await openCall(agent, callId);
      await sendToIvr(agent);
      await key(caller, '4111', /enter your card number/);
      await shot(caller, '21-cancel-caller-mid-entry');
      // Act
      await agent.getByRole('button', { name: 'Cancel secure input' }).click();
      await agent.getByText('Cancelled — no payment was taken').waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '22-cancel-agent-outcome');
      // The caller's entry in progress ends with # (the IVR cannot interrupt it); those keys are dropped.
      await caller.keyboard.type('#');
      await caller.getByText(/could not complete your payment/).waitFor({ timeout: UI_TIMEOUT });
      await caller.getByText('Talking to the agent.').waitFor({ timeout: UI_TIMEOUT });
      await shot(caller, '23-cancel-caller-back-with-agent');
      // Assess
      const call = sandbox.emulator.call(callId);
      expect(call?.agentBridged).toBe(true);
      expect(call?.recordingState).toBe('recording');
      expect((await sandbox.dynamo.scanAll('CardVaultTable')).filter((item) => !isTombstone(item))).toHaveLength(0);
      await agent.close();
      await caller.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'refuses secure input on a conference call with a clear reason',
    async () => {
      // Prepare
      const agent = await agentPage();
      const { page: caller, callId } = await callerPage();
      await openCall(agent, callId);
      await agent.getByRole('button', { name: 'Conference' }).click();
      await agent
        .getByText(/3 parties/)
        .first()
        .waitFor({ timeout: UI_TIMEOUT });
      // Act
      await sendToIvr(agent);
      const alert = agent.locator('#fill-error');
      await alert.getByText(/not available on a conference call/).waitFor({ timeout: UI_TIMEOUT });
      await shot(agent, '31-conference-refused');
      // Assess
      expect(await alert.getAttribute('role')).toBe('alert');
      expect(sandbox.emulator.call(callId)?.agentBridged).toBe(true);
      await agent.close();
      await caller.close();
    },
    TEST_TIMEOUT,
  );
});
