/**
 * One whole call per payment gateway connector through the sandbox: the reference validation service
 * runs the real connector and SDK against that gateway's local HTTPS fake, the outcome details show the
 * fake's payment id, and the no-leak scan finds none of the cards, expiries or security codes in
 * anything the sandbox wrote or showed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_APPROVED_CARDS } from '../../sandbox/fakes/sandbox-gateway';
import { Sandbox } from '../../sandbox/sandbox';
import { runScriptedCall } from '../../sandbox/scripted-call';
import type { EmulatedCall } from '../../sandbox/sma/emulator';
import { collectArtifacts, findSentinels } from '../helpers/leak-scan';

const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };

const EXPECTED_DETAILS = {
  stripe: /^Approved - payment pi_[0-9A-Za-z]{24}$/,
  adyen: /^Approved - payment [A-Z0-9]{16}$/,
  braintree: /^Approved - transaction [a-z0-9]{8}$/,
  generic: /^Approved - charge ch_[0-9A-Za-z]{24}$/,
} as const;

describe.each(['stripe', 'adyen', 'braintree', 'generic'] as const)('the sandbox with --gateway %s', (gateway) => {
  let sandbox: Sandbox;
  const calls: EmulatedCall[] = [];
  const payloads: unknown[] = [];

  beforeAll(async () => {
    sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), `sandbox-${gateway}-`)), ephemeral: true, gateway });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
  });

  it('takes a payment through the connector and its local fake, and leaves no card data anywhere', async () => {
    // Arrange
    const card = SANDBOX_APPROVED_CARDS[gateway];

    // Act
    const result = await runScriptedCall(sandbox, { keys: `${card.pan}#${card.exp}#${card.cvv}#`, formId: 'card-payment', fields: FIELDS });
    calls.push(result.call);
    payloads.push({ ...result, call: undefined });

    // Assess
    expect(result).toMatchObject({ outcome: 'accepted', last4: card.pan.slice(-4), details: expect.stringMatching(EXPECTED_DETAILS[gateway]) });
    const artifacts = await collectArtifacts(sandbox, calls, payloads);
    expect(artifacts.some((a) => a.where.startsWith('log '))).toBe(true);
    expect(findSentinels(artifacts, { long: [card.pan], short: [card.exp, card.cvv] })).toEqual([]);
  }, 120_000);
});
