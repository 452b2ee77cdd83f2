/**
 * Fuzzes the agent API as both adapters reach it — the HTTP handler's body parser and the shared routes
 * over an AgentService whose ports are fakes (no AWS): random methods, paths and bodies (wrong types,
 * missing and extra fields, hostile and huge strings, card numbers typed into form fields). Every request
 * must end in a JSON answer with a 2xx/4xx status, never a throw, and no answer may repeat a card number
 * the agent typed. FUZZ_RUNS for a longer run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AgentService } from '../../lambdas/agent-api/agent-service';
import type { InteractionDirectory } from '../../lambdas/agent-api/interactions';
import { routeAgentRequest } from '../../lambdas/agent-api/routes';
import { parseBody } from '../../lambdas/agent-api/http-handler';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { brokenJson, fuzzRandom, fuzzRuns, mutate, PAN_SENTINEL, randomValue } from './fuzz-kit';

const ddb = mockClient(DynamoDBDocumentClient);
const config = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'secure-ivr.json'), 'utf8')));
let ids = 0;
const service = new AgentService({
  config,
  store: {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })),
    tableName: 'SessionTable',
    now: () => new Date('2026-11-21T10:00:00Z'),
  } as never,
  workflow: { start: async () => 'arn:aws:states:us-east-1:123456789012:execution:x:y', fail: async () => undefined },
  calls: { update: async () => true },
  // The server's record says alice answered every call (two parties, connected), so starts reach the field checks.
  interactions: {
    describe: async (interactionId) => ({ interactionId, agentId: 'alice', connected: true, parties: 2 }),
    listFor: async () => [],
  } satisfies InteractionDirectory,
  newId: () => `fuzz-${(ids += 1)}`,
});
const PATHS = [
  '/api/me',
  '/api/forms',
  '/api/interactions',
  '/api/interactions/ca110000-0000-4000-8000-000000000001',
  '/api/sessions',
  '/api/sessions/fuzz-1',
  '/api/sessions/fuzz-1/cancel',
  '/api/sessions/fuzz-1/retry',
  '/api/sessions/fuzz-1/reenter',
  '/api/sessions/fuzz-1/end',
  '/api/nope',
  '/api/sessions/../me',
  `/api/sessions/${'a'.repeat(200)}`,
];
const GOOD_START = {
  interactionId: 'ca110000-0000-4000-8000-000000000001',
  formId: 'card-payment',
  fields: { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' },
  parties: 2,
};

beforeEach(() => {
  ddb.reset();
  ddb.onAnyCommand().resolves({});
});

describe('agent API under fuzzed requests', () => {
  it('answers every route with a JSON status and body, never throws and never repeats a typed card number', async () => {
    // Prepare
    const { rnd, seed } = fuzzRandom(3);
    const runs = fuzzRuns(400);
    const failures: string[] = [];
    // Act
    for (let i = 0; i < runs; i += 1) {
      const base = JSON.parse(JSON.stringify(GOOD_START)) as Record<string, unknown>;
      if (rnd.chance(0.3))
        (base.fields as Record<string, string>)[rnd.pick(['customer name', 'customer account', 'charge amount', 'extra'])] = rnd.pick([
          PAN_SENTINEL,
          `card ${PAN_SENTINEL}`,
          '4111 1111 1111 1111',
        ]);
      const body = rnd.chance(0.8) ? mutate(base, rnd) : randomValue(rnd);
      const request = {
        method: rnd.pick(['GET', 'POST', 'POST', 'DELETE']),
        path: rnd.pick(PATHS),
        agent: rnd.chance(0.9) ? { userId: rnd.pick(['alice', 'bob', 'agent-sandbox', 'mallory', '']) } : undefined,
        body,
      };
      try {
        const res = await routeAgentRequest(service, request);
        if (!Number.isInteger(res.status) || res.status < 200 || res.status >= 500) failures.push(`case ${i} (seed ${seed}): status ${res.status}`);
        const text = JSON.stringify(res.body);
        if (text === undefined) failures.push(`case ${i} (seed ${seed}): no JSON body`);
        else if (/4111\s?1111\s?1111\s?1111/.test(text)) failures.push(`case ${i} (seed ${seed}): card number in the answer`);
      } catch (err) {
        failures.push(`case ${i} (seed ${seed}): threw ${err instanceof Error ? err.name : typeof err}`);
      }
    }
    // Assess
    expect(failures).toEqual([]);
  }, 120_000);

  it('turns any body text into a parsed value or a clear refusal (bad JSON, too large), never anything else', () => {
    // Prepare
    const { rnd } = fuzzRandom(4);
    const text = JSON.stringify(GOOD_START);
    const inputs = [...Array.from({ length: fuzzRuns(300) }, () => brokenJson(text, rnd)), 'x'.repeat(17 * 1024), Buffer.from(text).toString('base64')];
    const unexpected: string[] = [];
    // Act
    inputs.forEach((body, i) => {
      try {
        parseBody({ body, isBase64Encoded: i === inputs.length - 1 });
      } catch (err) {
        if (!(err instanceof SyntaxError || err instanceof RangeError)) unexpected.push(`input ${i}: ${err instanceof Error ? err.name : typeof err}`);
      }
    });
    // Assess
    expect(unexpected).toEqual([]);
  });
});
