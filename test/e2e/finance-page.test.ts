/**
 * The finance page in a real browser (Debian's Chromium via playwright-core) against a sandbox holding
 * outcome records written here: accepted, declined by the gateway, not completed (hang-up, cancel, card
 * entry failed) and unknown kept apart; categories with their free text on demand; charts (Chart.js)
 * with every day of the range; filters by form, workgroup and agent; sign-in hidden once signed in; a
 * non-finance user gets a way back out. Screenshots go to test-artifacts/screenshots/ (gitignored).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { Sandbox, AUDIT_BUCKET } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';
import { writeOutcomeRecord, type OutcomeRecord } from '../../lambdas/audit/outcomes';
import { s3Client } from '../../lambdas/shared/clients';
import { launchBrowser, shot, UI_TIMEOUT } from '../helpers/browser';

// The functions given to page.evaluate run in the browser; the project's tsconfig has no DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const TEST_TIMEOUT = 240_000;

let sandbox: Sandbox;
let api: ApiServer;
let context: BrowserContext;

/** A day `n` days before today (UTC), at a given hour. */
const daysAgo = (n: number, hour = 10): string => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const dayOf = (iso: string): string => iso.slice(0, 10);

let n = 0;
const record = (o: Partial<OutcomeRecord>): OutcomeRecord => {
  n += 1;
  return {
    v: 1,
    at: daysAgo(1),
    sessionId: `fin-${n}`,
    formId: 'card-payment',
    workgroup: 'payments',
    agentId: 'alice',
    amount: '14.55',
    currency: 'USD',
    brand: 'visa',
    last4: '1111',
    outcome: 'accepted',
    details: 'Approved',
    transactionId: `SIV-${n}`,
    ...o,
  };
};

const RECORDS: OutcomeRecord[] = [
  record({ at: daysAgo(1, 9), token: 'cus_Fin1Ab/pm_Fin2Cd' }),
  record({ at: daysAgo(1, 10), amount: '20.00', currency: 'EUR', agentId: 'carol', workgroup: 'support', formId: 'card-verify' }),
  record({ at: daysAgo(1, 11), outcome: 'declined', details: 'Declined - do not honour', last4: '0002' }),
  record({ at: daysAgo(3, 9), outcome: 'declined', details: 'Declined - insufficient funds', last4: '0002' }),
  record({ at: daysAgo(3, 10), outcome: 'aborted', details: 'caller hung up; no payment was taken', error: 'CallerHungUp' }),
  record({
    at: daysAgo(3, 11),
    outcome: 'aborted',
    details: 'cancelled by the agent; no payment was taken',
    error: 'AgentCancelled',
    agentId: 'carol',
    workgroup: 'support',
  }),
  record({ at: daysAgo(5, 9), outcome: 'declined', details: 'card details not accepted: no entry before the time limit (3 attempts)' }),
  record({
    at: daysAgo(5, 10),
    outcome: 'declined',
    details:
      'connection to the validation service was lost before a complete reply - validation outcome unknown - the payment may have been processed; check with the payment gateway before retrying',
    last4: '4444',
    brand: 'mastercard',
  }),
  record({ at: daysAgo(6, 10), amount: '5.45' }),
];

async function signIn(user: string): Promise<Page> {
  const page = await context.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  (page as Page & { cspErrors?: string[] }).cspErrors = cspErrors;
  await page.goto(`${api.url}/finance/`);
  await page.getByLabel('User', { exact: true }).selectOption(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

/** The page re-rendered at least `times` times (each render sets data-rendered). */
async function rendered(page: Page, times: number): Promise<void> {
  await page.waitForFunction((t: number) => Number(document.body.dataset.rendered ?? '0') >= t, times, { timeout: UI_TIMEOUT });
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'e2e-finance-')), ephemeral: true });
  api = await startApiServer(sandbox, 0);
  const s3 = await s3Client();
  for (const r of RECORDS) await writeOutcomeRecord(s3, AUDIT_BUCKET, r);
  context = await launchBrowser({ viewport: { width: 1280, height: 900 } });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await api?.close();
  await sandbox?.close();
});

describe('the finance page', () => {
  it(
    'keeps accepted, gateway declines, not completed and unknown apart, by category, with the free text on demand',
    async () => {
      // Act
      const page = await signIn('fran');
      await rendered(page, 1);
      await shot(page, '71-finance-overview');
      // Assess
      expect(await page.locator('#sign-in').isVisible()).toBe(false);
      expect(await page.locator('#who').textContent()).toBe('Signed in as Fran Finance');
      expect(await page.locator('#sessions').textContent()).toBe('9');
      expect(await page.locator('#accepted').textContent()).toBe('3');
      expect(await page.locator('#declined').textContent()).toBe('2');
      expect(await page.locator('#not-completed').textContent()).toBe('3');
      expect(await page.locator('#unknown').textContent()).toBe('1');
      expect(await page.locator('#amounts').textContent()).toBe('20.00 EUR · 20.00 USD');
      // The gateway's token of a stored card is its own column of the session list.
      expect(await page.locator('#rows td.token').allTextContents()).toContain('cus_Fin1Ab/pm_Fin2Cd');
      const categories = await page
        .locator('#categories tr')
        .evaluateAll((rows: Array<{ dataset: { category?: string }; cells: Array<{ textContent: string }> }>) =>
          rows.map((r) => [r.dataset.category, r.cells[2]?.textContent]),
        );
      expect(categories).toEqual([
        ['accepted', '3'],
        ['gateway-declined', '2'],
        ['caller-hung-up', '1'],
        ['agent-cancelled', '1'],
        ['card-entry-failed', '1'],
        ['status-unknown', '1'],
      ]);
      // The free text behind a category opens on demand.
      const declined = page.locator('tr[data-category="gateway-declined"] details');
      expect(await declined.locator('li').first().isVisible()).toBe(false);
      await declined.locator('summary').click();
      await declined.locator('li', { hasText: 'Declined - do not honour (1)' }).waitFor({ timeout: UI_TIMEOUT });
      await shot(page, '72-finance-category-details');
      expect((page as Page & { cspErrors?: string[] }).cspErrors).toEqual([]);
      await page.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'charts every day of the range, empty days included, per currency, and filters by form, workgroup and agent',
    async () => {
      // Prepare
      const page = await signIn('fran');
      await rendered(page, 1);
      const from = dayOf(daysAgo(6));
      const to = dayOf(daysAgo(0));
      await page.getByLabel('From (UTC)').fill(from);
      await page.getByLabel('To (UTC)').fill(to);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.locator('#status', { hasText: `from ${from} to ${to}` }).waitFor({ timeout: UI_TIMEOUT });
      // Assess: seven days, of which 4, 2 and today are empty
      const perDay = await page
        .locator('#per-day tr')
        .evaluateAll((rows: Array<{ className: string; cells: Array<{ textContent: string }> }>) => rows.map((r) => [r.cells[0]?.textContent, r.className]));
      expect(perDay.map(([d]) => d)).toEqual([6, 5, 4, 3, 2, 1, 0].map((k) => dayOf(daysAgo(k))));
      expect(perDay.filter(([, c]) => c === 'empty').map(([d]) => d)).toEqual([4, 2, 0].map((k) => dayOf(daysAgo(k))));
      expect(await page.locator('#sessions-chart').getAttribute('data-days')).toBe('7');
      expect(await page.locator('#amount-chart').getAttribute('data-currency')).toBe('EUR');
      await page.getByLabel('Currency', { exact: true }).selectOption('USD');
      await page.locator('#amount-chart[data-currency="USD"]').waitFor({ timeout: UI_TIMEOUT });
      await shot(page, '73-finance-week-usd');
      // Act: one agent, then one workgroup, then one form
      await page.getByLabel('Agent', { exact: true }).selectOption('carol');
      await page.locator('#status', { hasText: '2 of 9 sessions' }).waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#accepted').textContent()).toBe('1');
      expect(await page.locator('#not-completed').textContent()).toBe('1');
      await shot(page, '74-finance-agent-carol');
      await page.getByLabel('Agent', { exact: true }).selectOption('');
      await page.getByLabel('Workgroup', { exact: true }).selectOption('payments');
      await page.locator('#status', { hasText: '7 of 9 sessions' }).waitFor({ timeout: UI_TIMEOUT });
      await page.getByLabel('Workgroup', { exact: true }).selectOption('');
      await page.getByLabel('Form', { exact: true }).selectOption('card-verify');
      await page.locator('#status', { hasText: '1 of 9 sessions' }).waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#amounts').textContent()).toBe('20.00 EUR');
      await page.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'downloads the CSV of the selection: only the rows of the chosen workgroup and agent, the note about the whole window gone',
    async () => {
      // Prepare
      const page = await signIn('fran');
      await rendered(page, 1);
      const from = dayOf(daysAgo(6));
      const to = dayOf(daysAgo(0));
      await page.getByLabel('From (UTC)').fill(from);
      await page.getByLabel('To (UTC)').fill(to);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.locator('#status', { hasText: `from ${from} to ${to}` }).waitFor({ timeout: UI_TIMEOUT });
      await page.getByLabel('Workgroup', { exact: true }).selectOption('support');
      await page.getByLabel('Agent', { exact: true }).selectOption('carol');
      await page.locator('#status', { hasText: '2 of 9 sessions' }).waitFor({ timeout: UI_TIMEOUT });
      // Act
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: UI_TIMEOUT }),
        page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      const file = await download.path();
      const csv = readFileSync(file, 'utf8');
      const [header, ...lines] = csv.trimEnd().split('\r\n');
      const columns = (header ?? '').split(',');
      const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
      // Assess
      expect(download.suggestedFilename()).toBe(`outcomes-${from}-${to}-workgroup-support-agent-carol.csv`);
      expect(columns.slice(-2)).toEqual(['result', 'category']);
      // Oldest first: the cancel three days ago, then the accepted payment yesterday.
      expect(rows.map((r) => [r.agent, r.workgroup, r.result, r.category])).toEqual([
        ['carol', 'support', 'not-completed', 'agent-cancelled'],
        ['carol', 'support', 'accepted', 'accepted'],
      ]);
      expect(await page.locator('#csv-note').count()).toBe(0);
      expect(await page.getByText('every session of the dates chosen').count()).toBe(0);
      await page.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'gives a user who is not in finance a way back out',
    async () => {
      // Act
      const page = await signIn('alice');
      await page.getByRole('heading', { name: 'Payment outcomes are for finance users' }).waitFor({ timeout: UI_TIMEOUT });
      await shot(page, '75-finance-not-finance');
      // Assess
      expect(await page.locator('#report').isVisible()).toBe(false);
      expect(await page.getByRole('link', { name: 'Go to the agent console' }).getAttribute('href')).toBe('/console/');
      await page.getByRole('button', { name: 'Sign in as someone else' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#sign-out').isVisible()).toBe(false);
      await page.close();
    },
    TEST_TIMEOUT,
  );
});
