/**
 * The secure input configuration (forms, workgroups, rights) as the agent API reads it, and the mapping
 * from session events to push messages (counts and last four only).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentAccess, FormsConfigError, initiateRefusal, RIGHTS } from '../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { sessionEvent } from '../../lambdas/shared/session/events';
import { toPushes } from '../../lambdas/agent-api/push';

const CONFIG_FILE = join(__dirname, '..', '..', 'config', 'secure-ivr.json');
const config = parseFormsConfig(JSON.parse(readFileSync(CONFIG_FILE, 'utf8')));
const form = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')).forms[0];

describe('config/secure-ivr.json', () => {
  it('grants rights from workgroups and single users, and forms from workgroups', () => {
    expect(agentAccess(config, 'alice')).toMatchObject({ known: true, workgroups: ['payments'] });
    expect([...agentAccess(config, 'alice').rights].sort()).toEqual(['initiateSecureInput', 'secureInput']);
    expect([...agentAccess(config, 'carol').rights].sort()).toEqual(['initiateSecureInput', 'secureInput']);
    expect(agentAccess(config, 'carol').forms.map((f) => f.id)).toEqual(['card-verify']);
    expect(initiateRefusal(config, 'bob', 'card-payment')?.code).toBe('no-right');
    expect(initiateRefusal(config, 'carol', 'card-payment')?.code).toBe('form-not-assigned');
    expect(initiateRefusal(config, 'alice', 'card-payment')).toBeUndefined();
  });

  it('matches the schema\u2019s list of rights', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'secure-ivr.schema.json'), 'utf8'));
    expect(schema.$defs.right.enum).toEqual([...RIGHTS]);
  });
});

describe('a bad configuration', () => {
  it('fails with every problem named', () => {
    // Prepare
    const bad = {
      forms: [{ ...form, ivr: { ...form.ivr, cardFields: ['pan'] } }],
      workgroups: [
        { id: 'Payments', forms: [] },
        { id: 'ops', forms: ['no-such-form'], members: ['nobody'], rights: ['admin'] },
      ],
      users: [{ id: 'alice' }, { id: 'alice' }],
      extra: true,
    };
    // Act
    let message = '';
    try {
      parseFormsConfig(bad);
    } catch (err) {
      expect(err).toBeInstanceOf(FormsConfigError);
      message = (err as Error).message;
    }
    // Assess
    for (const problem of [
      'forms[0].ivr.cardFields must be ["pan", "exp", "cvv"]',
      'workgroups[0].id must be lower-case',
      'workgroups[1].forms names form "no-such-form", which is not defined',
      'workgroups[1].members names user "nobody", which is not defined',
      'workgroups[1].rights[0] must be one of',
      'users[1].id "alice" is used twice',
      '"extra" is not a known setting',
    ]) {
      expect(message).toContain(problem);
    }
  });
});

describe('push messages from session events', () => {
  const base = { sessionId: 's-1', component: 'sma-handler', actor: { kind: 'caller' as const, id: 'caller' } };
  const at = new Date('2026-11-21T12:00:00Z');

  it('turns a captured card number into a digit count and the last four, nothing more', () => {
    // Act
    const out = toPushes(sessionEvent('field.captured', base, true, at, { field: 'pan', attempts: 1, digitsEntered: 16, brand: 'visa', last4: '1111' }));
    // Assess
    expect(out).toEqual([
      { type: 'field.progress', sessionId: 's-1', field: 'pan', state: 'captured', attempt: 1, digitsEntered: 16, at: at.toISOString() },
      { type: 'card.captured', sessionId: 's-1', brand: 'visa', last4: '1111', at: at.toISOString() },
    ]);
  });

  it('reports an abort with the error name the console uses to tell a cancel apart', () => {
    const out = toPushes(sessionEvent('session.aborted', base, false, at, { error: 'AgentCancelled', reason: 'secure session failed (AgentCancelled)' }));
    expect(out).toEqual([
      {
        type: 'session.outcome',
        sessionId: 's-1',
        status: 'aborted',
        details: 'secure session failed (AgentCancelled)',
        error: 'AgentCancelled',
        at: at.toISOString(),
      },
    ]);
  });

  it('never passes on a card-length digit run in free text', () => {
    const event = {
      ...sessionEvent('outcome', base, false, at, { outcome: 'declined' }),
      details: { outcome: 'declined', details: 'card 4111111111111111 declined' },
    };
    expect(JSON.stringify(toPushes(event))).not.toContain('4111111111111111');
  });

  it('sends nothing for events the agent does not need', () => {
    expect(toPushes(sessionEvent('data.destroyed', base, true, at, { destroyed: true }))).toEqual([]);
  });
});

describe('agent push sink: batching and its time limit', () => {
  const { AgentPushSink, PushTimedOutError } = jest.requireActual('../../lambdas/agent-api/push-sink') as typeof import('../../lambdas/agent-api/push-sink');
  const { sessionEvent } = jest.requireActual('../../lambdas/shared/session/events') as typeof import('../../lambdas/shared/session/events');
  const at = new Date('2026-11-22T10:00:00Z');
  const base = { sessionId: 's-1', component: 'sma-handler', actor: { kind: 'caller' as const, id: 'caller' } };

  it("publishes one invocation's events to the agent in a single call", async () => {
    const published: Array<{ sessionId: string; count: number }> = [];
    const sink = new AgentPushSink({ publish: async (sessionId, messages) => void published.push({ sessionId, count: messages.length }) });
    await sink.emitBatch([
      sessionEvent('field.captured', base, true, at, { field: 'pan', attempts: 1, digitsEntered: 16, brand: 'visa', last4: '1111' }),
      sessionEvent('field.prompted', base, true, at, { field: 'exp', attempt: 1 }),
    ]);
    expect(published).toHaveLength(1);
    expect(published[0]?.count).toBeGreaterThanOrEqual(2);
  });

  it('gives up on a push that takes longer than its limit instead of holding up the IVR', async () => {
    const sink = new AgentPushSink({ publish: () => new Promise(() => undefined) }, 20);
    await expect(sink.emit(sessionEvent('field.prompted', base, true, at, { field: 'pan', attempt: 1 }))).rejects.toBeInstanceOf(PushTimedOutError);
  });
});
