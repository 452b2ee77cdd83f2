/**
 * Whole secure sessions on the sandbox's Amazon Connect telephony: the stack's secure-input flow in the
 * flow emulator, the product's claim, capture and status functions, the CDK-synthesized state machine,
 * the stage handlers and the validator, over the real SDK clients. Every path a contact center meets —
 * accepted, declined, no reply from the validation service, a hang-up at each point, an agent cancel, a
 * field keyed again, recording that cannot be suspended, a wrong or expired flow key, a transfer nobody
 * asked for — and, after all of them, the no-leak scan with sentinel cards over everything written,
 * contact attributes and flow logs included.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../../../sandbox/sandbox';
import { runConnectScriptedCall, type ConnectCallOptions, type ConnectCallResult } from '../../../sandbox/connect/connect-call';
import type { ConnectContact } from '../../../sandbox/connect/emulator';
import { makeFlowSecurityKey } from '../../../sandbox/connect/stored-input-encryption';
import { startFaultyValidationServer, type FaultyValidationServer } from '../../../sandbox/faults/faulty-validation-server';
import { collectArtifacts, findSentinels, findStoredCiphertext } from '../../helpers/leak-scan';
import { otherCertificates, testCertificates } from '../../helpers/tls';
import { isTombstone } from '../../../lambdas/shared/vault';

const FIELDS = (account = '343453422'): Record<string, string> => ({ 'customer name': 'Joe Smith', 'customer account': account, 'charge amount': '14.55' });
const VISA = '4111111111111111';
const AMEX = '378282246310005';
const DECLINE = '4000000000000002';
const EXPIRY = '1230';
const CVV = '737';
const SLOW_ACCOUNT = 'no-reply-1';
const GOOD = `${VISA}#${EXPIRY}#${CVV}#`;
const FLOW_KEY_REASON =
  'the secure input key of the Amazon Connect flow failed (expired or not matching), so no card details could be taken; no payment was taken. Tell your administrator to rotate the flow key';

let sandbox: Sandbox;
let service: FaultyValidationServer;
const payloads: unknown[] = [];
const savedTimeouts = { total: process.env.VALIDATION_TIMEOUT_MS, connect: process.env.VALIDATION_CONNECT_TIMEOUT_MS };

async function call(keys: string, extra: Partial<ConnectCallOptions> = {}): Promise<ConnectCallResult> {
  const result = await runConnectScriptedCall(sandbox, sandbox.connect!, { keys, formId: 'card-payment', fields: FIELDS(), ...extra });
  payloads.push({ ...result, contact: undefined });
  return result;
}

// End and Abort leave a tombstone with no card data (it refuses late seals until its TTL): only card items count.
const vaultItems = async (): Promise<number> => (await sandbox.dynamo.scanAll('CardVaultTable')).filter((item) => !isTombstone(item)).length;
const cardPrompts = (c: ConnectContact): number => c.prompts.filter((p) => p.storesInput).length;
const at = (suffix: string) => (a: { Identifier: string }) => a.Identifier === suffix || a.Identifier.endsWith(`-${suffix}`);

beforeAll(async () => {
  // A validation service that never answers is given up on after a second (the connect limit must be below it).
  process.env.VALIDATION_TIMEOUT_MS = '1000';
  process.env.VALIDATION_CONNECT_TIMEOUT_MS = '500';
  service = await startFaultyValidationServer({
    certificates: { good: await testCertificates(), wrong: await otherCertificates() },
    faultFor: ({ body }) => (body.includes(`value="${SLOW_ACCOUNT}"`) ? { kind: 'slow' } : undefined),
    slowMs: 2500,
  });
  sandbox = await Sandbox.start({
    dataDir: mkdtempSync(join(tmpdir(), 'connect-calls-')),
    ephemeral: true,
    telephony: 'connect',
    validationUrl: service.url,
    validationCaPem: service.caPem,
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await service?.close();
  for (const [name, value] of [
    ['VALIDATION_TIMEOUT_MS', savedTimeouts.total],
    ['VALIDATION_CONNECT_TIMEOUT_MS', savedTimeouts.connect],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterEach(() => sandbox.stageHooks.clear());

describe('secure sessions on Amazon Connect', () => {
  it('accepts a good card: card entry with the agent on hold and recording suspended, then the caller back with the agent', async () => {
    const result = await call(GOOD);

    expect(result).toMatchObject({ outcome: 'accepted', last4: '1111', flow: 'returned' });
    expect(result.resultLine).toMatch(/^SIV-[^|]+\|accepted\|/);
    const c = result.contact;
    expect(c.violations).toEqual([]);
    expect(cardPrompts(c)).toBe(3);
    for (const p of c.prompts.filter((x) => x.storesInput)) expect(p).toMatchObject({ agent: 'hold', recording: { AGENT: 'suspended', IVR: 'suspended' } });
    expect(c.prompts.at(-1)?.text).toMatch(/accepted/);
    // The flow ended with the agent back and recording running again.
    expect(c.flowRuns.at(-1)?.state).toBe('returned');
    expect(c.recording).toEqual({ AGENT: 'recording', IVR: 'recording' });
    expect(c.flowLog.map((e) => e.Identifier)).toEqual(['logging-off']);
    expect(await vaultItems()).toBe(0);
  });

  it('declines a card the validation service declines, and tells the caller', async () => {
    const result = await call(`${DECLINE}#${EXPIRY}#${CVV}#`);

    expect(result.outcome).toBe('declined');
    expect(result.contact.prompts.at(-1)?.text).toMatch(/declined|not accepted|could not be/i);
    expect(await vaultItems()).toBe(0);
  });

  it('takes an American Express card with its four-digit security code', async () => {
    const result = await call(`${AMEX}#${EXPIRY}#1234#`);

    expect(result).toMatchObject({ outcome: 'accepted', last4: '0005' });
  });

  it('reports a validation service that never answers as outcome unknown (never a decline), returns the caller and keeps nothing', async () => {
    const result = await call(GOOD, { fields: FIELDS(SLOW_ACCOUNT) });

    expect(result.outcome).toBe('unknown');
    expect(result.details).toMatch(/^payment status unknown: check with the gateway before taking another payment/);
    expect(result.contact.flowRuns.at(-1)?.state).toBe('returned');
    expect(await vaultItems()).toBe(0);
  });

  it('lets the caller key a field again with * (only what follows the last * counts)', async () => {
    const result = await call(`4111*${VISA}#${EXPIRY}#${CVV}#`);

    expect(result.outcome).toBe('accepted');
    expect(cardPrompts(result.contact)).toBe(3);
  });

  it('asks again after a wrong or missing entry, within the form’s attempts', async () => {
    const result = await call(`4111111111111112#w${VISA}#${EXPIRY}#${CVV}#`);

    expect(result.outcome).toBe('accepted');
    expect(cardPrompts(result.contact)).toBe(5);
  });

  it('ends capture as declined after the last attempt, and still gives the caller back', async () => {
    const result = await call('1#1#1#');

    expect(result.outcome).toBe('declined');
    expect(result.details).toMatch(/card details not accepted/);
    expect(result.contact.flowRuns.at(-1)?.state).toBe('returned');
  });

  it('aborts when the agent cancels during card entry; the caller hears it and is back with the agent', async () => {
    const { liveAgentService, loadSecureInputConfig } = await import('../../../lambdas/agent-api/runtime');
    const { SandboxInteractions } = await import('../../../sandbox/agent/interactions');
    const service = liveAgentService(process.env, await loadSecureInputConfig(process.env), {
      interactions: new SandboxInteractions(sandbox.emulator, { timingScale: 0 }),
    });
    let sessionId = '';
    const result = await call(GOOD, {
      agentId: 'alice',
      during: async (_c, id) => {
        sessionId = id;
      },
      contact: {
        faults: {
          beforeAction: async (a) => {
            if (at('cvv')(a)) await service.cancel({ userId: 'alice' } as never, sessionId);
          },
        },
      },
    });

    expect(result).toMatchObject({ outcome: 'aborted', error: 'AgentCancelled' });
    expect(result.contact.flowRuns.at(-1)?.state).toBe('returned');
    expect(result.agentAtFlowEnd).toBe('connected');
    expect(await vaultItems()).toBe(0);
  });

  it('never plays a card prompt when recording cannot be suspended, and aborts the session', async () => {
    const result = await call(GOOD, { contact: { faults: { recordingSuspendFails: true } } });

    expect(cardPrompts(result.contact)).toBe(0);
    expect(result).toMatchObject({ outcome: 'aborted', error: 'RecordingPauseFailed' });
    expect(result.contact.flowRuns.at(-1)?.state).toBe('returned');
    expect(await vaultItems()).toBe(0);
  });

  it('refuses politely a transfer the agent did not ask for, and starts no session', async () => {
    const before = sandbox.sfn.executions().length;
    const result = await call(GOOD, { noRequest: true });

    expect(result.outcome).toBe('aborted');
    expect(cardPrompts(result.contact)).toBe(0);
    expect(result.contact.flowRuns.at(-1)?.state).toBe('returned');
    expect(result.agentAtFlowEnd).toBe('connected');
    expect(result.contact.prompts.map((p) => p.text).join(' ')).toMatch(/agent/i);
    expect(sandbox.sfn.executions().length).toBe(before);
  });
});

describe('call ownership on Amazon Connect', () => {
  it('refuses at the claim a request left by another agent than the one on the contact: no session, audited, the caller back with the agent', async () => {
    // Prepare: the contact is connected with alice; carol's request reached the flow (as if the agent API had let it through)
    const before = sandbox.sfn.executions().length;
    // Act
    const result = await call(GOOD, { agentId: 'carol', formId: 'card-verify', contact: { agentUserId: 'alice' } });
    // Assess
    expect(result).toMatchObject({
      outcome: 'aborted',
      details: 'no secure session was started on this transfer',
      flow: 'returned',
      agentAtFlowEnd: 'connected',
    });
    expect(cardPrompts(result.contact)).toBe(0);
    expect(result.contact.prompts.map((p) => p.text)).toContain('Secure payment is not available right now. Returning you to your agent.');
    expect(sandbox.sfn.executions().length).toBe(before);
    const logs = (await collectArtifacts(sandbox, [], []))
      .filter((a) => a.where.startsWith('log '))
      .map((a) => a.text)
      .join('\n');
    const refusal = logs.split('\n').find((line) => line.includes('"begin.refused"') && line.includes(result.sessionId));
    expect(refusal).toBeDefined();
    expect(JSON.parse(refusal as string).event).toMatchObject({
      success: false,
      details: { error: 'not-your-interaction', reason: 'agent carol asked for secure input on a contact connected with another agent' },
    });
  });

  it('starts the session when the request is from the agent on the contact', async () => {
    const result = await call(GOOD, { agentId: 'alice', contact: { agentUserId: 'alice' } });

    expect(result.outcome).toBe('accepted');
  });
});

describe('a caller hanging up on Amazon Connect', () => {
  it.each([
    ['before the claim: no session starts', 'claim', { outcome: 'aborted', details: 'no secure session was started on this transfer' }],
    ['while recording is being suspended: card entry ends as CallerHungUp', 'recording-off', { outcome: 'aborted', error: 'CallerHungUp' }],
    ['at the card number prompt: card entry ends as CallerHungUp', 'pan', { outcome: 'aborted', error: 'CallerHungUp' }],
    ['before the expiry is checked: card entry ends as CallerHungUp', 'exp-check', { outcome: 'aborted', error: 'CallerHungUp' }],
    ['while the outcome is awaited: the session still completes', 'status', { outcome: 'accepted' }],
  ])('%s; nothing is kept', async (_label, suffix, expected) => {
    const result = await call(GOOD, { contact: { faults: { hangUpBefore: at(suffix) } } });

    expect(result.contact.status).toBe('ended');
    expect(result).toMatchObject(expected);
    expect(sandbox.sfn.executions().filter((e) => e.status === 'RUNNING')).toEqual([]);
    expect(await vaultItems()).toBe(0);
  });

  it.each([
    ['in the card number', `4111h`],
    ['in the expiry', `${VISA}#12h`],
    ['in the security code', `${VISA}#${EXPIRY}#7h`],
  ])('%s (keypad h): the session aborts as CallerHungUp and nothing is kept', async (_label, keys) => {
    const result = await call(keys);

    expect(result).toMatchObject({ outcome: 'aborted', error: 'CallerHungUp' });
    expect(result.contact.flowRuns.at(-1)?.state).toBe('disconnected');
    expect(await vaultItems()).toBe(0);
  });

  it('during validation: the outcome is still recorded, nothing is kept', async () => {
    sandbox.stageHooks.set('validate', async () => {
      for (const c of sandbox.connect!.emulator.activeContacts()) c.hangUpCaller();
    });
    const result = await call(GOOD);

    expect(result.contact.status).toBe('ended');
    expect(result.outcome).toBe('accepted');
    expect(await vaultItems()).toBe(0);
  });
});

describe('the flow security key on Amazon Connect', () => {
  it('a wrong flow key (the secret holds another private key): clear error, session aborted, nothing stored', async () => {
    const good = sandbox.connect!.securityKey;
    const other = await makeFlowSecurityKey({ keyId: good.keyId });
    await sandbox.connect!.useKey(good, other);
    try {
      const result = await call(GOOD);

      expect(result.outcome).toBe('aborted');
      expect(result).toMatchObject({ error: 'FlowKeyFailed', details: FLOW_KEY_REASON });
      expect(result.contact.prompts.filter((p) => p.storesInput)).toHaveLength(1);
      expect(await vaultItems()).toBe(0);
    } finally {
      await sandbox.connect!.useKey(good);
    }
  });

  it('an expired flow certificate: Connect will not encrypt, no field reaches the capture function, the session aborts, nothing stored', async () => {
    const good = sandbox.connect!.securityKey;
    const expired = await makeFlowSecurityKey({ keyId: 'expired-key', days: 1, notBefore: new Date(Date.now() - 3 * 86_400_000) });
    await sandbox.connect!.useKey(expired);
    try {
      const result = await call(GOOD);

      // Connect gives the flow no reason for a failed input block; the capture function finds the flow's
      // certificate past its notAfter and names the flow key, so the agent reads what to tell the administrator.
      expect(result).toMatchObject({ outcome: 'aborted', error: 'FlowKeyFailed', details: FLOW_KEY_REASON });
      expect(result.contact.lambdaCalls.filter((c) => c.event.Details.Parameters.Operation === 'field')).toEqual([]);
      expect(await vaultItems()).toBe(0);
    } finally {
      await sandbox.connect!.useKey(good);
    }
  });
});

describe('no card data left anywhere after every Connect call', () => {
  it('finds no sentinel card, expiry or code in logs, S3, DynamoDB, workflows, contact attributes, flow logs or function answers, and no ciphertext in attributes or flow logs', async () => {
    const artifacts = await collectArtifacts(sandbox, [], payloads);
    const contacts = sandbox.connect!.emulator.contacts();

    expect(artifacts.some((a) => a.where.startsWith('connect flow log'))).toBe(true);
    expect(findSentinels(artifacts, { long: [VISA, AMEX, DECLINE, '4111111111111112'], short: [EXPIRY, CVV] })).toEqual([]);
    expect(findStoredCiphertext(contacts)).toEqual([]);
    expect(contacts.flatMap((c) => c.violations)).toEqual([]);
  });
});
