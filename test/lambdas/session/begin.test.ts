import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beginSession, checkRequest, newTransactionId } from '../../../lambdas/session/begin/begin';
import { FormsConfigError } from '../../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../../lambdas/shared/session/forms-config';
import { PAN_SENTINEL } from '../../helpers/fixtures';

const forms = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'forms.json'), 'utf8')));
const valid = {
  sessionId: '00000000-0000-4000-8000-000000000001',
  callTransactionId: 'ca110000-0000-4000-8000-000000000001',
  agentId: 'agent-7',
  formId: 'card-payment',
  fields: { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' },
  parties: 2,
};

describe('Begin: checking the agent request', () => {
  it('accepts a complete request for a known form', () => {
    expect(checkRequest(valid, forms).problems).toEqual([]);
  });

  it('refuses a conference call', () => {
    expect(checkRequest({ ...valid, parties: 3 }, forms).problems).toContain('secure input is not available on a conference call');
  });

  it('names every missing required field and every unknown field at once', () => {
    const { problems } = checkRequest({ ...valid, fields: { extra: 'x' } }, forms);
    expect(problems).toEqual(
      expect.arrayContaining(['field "extra" is not on form card-payment', 'Customer name is required', 'Customer account is required', 'Amount is required']),
    );
  });

  it('refuses a card number in disguise (full-width digits, dotted groups) with the shared card detector', () => {
    // Prepare: 4111 1111 1111 1111 in full-width digits, and the same number grouped with dots
    const fullWidth = '\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11';
    // Act
    const disguised = checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': `Joe ${fullWidth}` } }, forms).problems;
    const dotted = checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': 'Joe 4111.1111.1111.1111' } }, forms).problems;
    // Assess
    expect(disguised).toEqual(["Customer name looks like card details; card details are taken only from the caller's keypad"]);
    expect(dotted).toEqual(disguised);
  });

  it('refuses a field that does not match its pattern without quoting the value', () => {
    const { problems } = checkRequest({ ...valid, fields: { ...valid.fields, 'charge amount': 'ten dollars' } }, forms);
    expect(problems).toEqual(['Amount is not in the expected format']);
  });

  it('refuses a card number typed into a form field, and does not repeat it', () => {
    const { problems } = checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': `Joe ${PAN_SENTINEL}` } }, forms);
    expect(problems).toEqual(["Customer name looks like card details; card details are taken only from the caller's keypad"]);
    expect(JSON.stringify(problems)).not.toContain(PAN_SENTINEL);
  });

  it('security review 2: refuses ids outside their documented format, such as a dotted card number as the call id', () => {
    // Act
    const problems = checkRequest({ ...valid, callTransactionId: '4111.1111.1111.1111', agentId: '4111.1111.1111.1111' }, forms).problems;

    // Assess
    expect(problems).toEqual(['callTransactionId is missing or not a valid id', 'agentId is missing or not a valid id']);
  });

  it('refuses an unknown form and malformed ids', () => {
    expect(checkRequest({ ...valid, formId: 'nope' }, forms).problems).toEqual(['form nope does not exist']);
    expect(checkRequest({ ...valid, sessionId: 'has space' }, forms).problems).toEqual(['sessionId is missing or not a valid id']);
    expect(checkRequest(null, forms).problems).toEqual(['the request is not an object']);
  });

  it('refuses control characters in a field value', () => {
    expect(checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': 'Joe\u0000' } }, forms).problems).toEqual([
      'Customer name contains control characters',
    ]);
  });
});

describe('payment reference', () => {
  it('is dated and uses only unambiguous characters', () => {
    const ref = newTransactionId(new Date('2026-11-22T10:00:00Z'));
    expect(ref).toMatch(/^SIV-20261122-[A-HJ-NP-Z2-9]{13}$/);
    expect(newTransactionId(new Date())).not.toBe(ref);
  });

  it('carries at least 64 random bits (security review 3: references must not collide)', () => {
    // Prepare
    const ref = newTransactionId(new Date('2026-11-22T10:00:00Z'));

    // Act
    const randomChars = ref.split('-')[2] as string;

    // Assess: 32 symbols carry 5 bits each.
    expect(randomChars.length * Math.log2(32)).toBeGreaterThanOrEqual(64);
  });
});

describe('security review 3: Begin reserves a unique payment reference with a conditional write', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const store = {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    tableName: 'sessions',
    now: () => new Date('2026-11-22T10:00:00Z'),
  };
  const workgroupless = { ...forms, workgroups: undefined };
  const taken = Object.assign(new Error('taken'), { name: 'ConditionalCheckFailedException' });

  beforeEach(() => ddb.reset());

  it('takes another reference when the first one is already reserved', async () => {
    // Prepare
    const refs = ['SIV-20261122-AAAAAAAAAAAAA', 'SIV-20261122-BBBBBBBBBBBBB'];
    ddb.on(PutCommand).resolves({});
    ddb.on(PutCommand, { Item: { sessionId: 'ref#SIV-20261122-AAAAAAAAAAAAA' } }).rejects(taken);

    // Act
    const context = await beginSession(store, workgroupless, valid, () => refs.shift() as string);

    // Assess
    expect(context.transactionId).toBe('SIV-20261122-BBBBBBBBBBBBB');
    const reserved = ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input)
      .filter((i) => String(i.Item?.sessionId).startsWith('ref#'));
    expect(reserved).toHaveLength(2);
    expect(reserved[1]).toMatchObject({
      ConditionExpression: 'attribute_not_exists(sessionId)',
      Item: { sessionId: 'ref#SIV-20261122-BBBBBBBBBBBBB', referenceOf: '00000000-0000-4000-8000-000000000001' },
    });
  });

  it("resends an unknown outcome under the earlier session's reference, and refuses any other resend", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    const earlier = {
      sessionId: '00000000-0000-4000-8000-000000000010',
      callTransactionId: 'ca110000-0000-4000-8000-000000000001',
      agentId: 'agent-7',
      formId: 'card-payment',
      transactionId: 'SIV-20261122-CCCCCCCCCCCCC',
      status: 'unknown',
    };
    ddb.on(GetCommand, { Key: { sessionId: '00000000-0000-4000-8000-000000000010' } }).resolves({ Item: earlier });
    ddb
      .on(GetCommand, { Key: { sessionId: '00000000-0000-4000-8000-000000000011' } })
      .resolves({ Item: { ...earlier, sessionId: '00000000-0000-4000-8000-000000000011', status: 'declined' } });
    ddb
      .on(GetCommand, { Key: { sessionId: '00000000-0000-4000-8000-000000000012' } })
      .resolves({ Item: { ...earlier, sessionId: '00000000-0000-4000-8000-000000000012', callTransactionId: 'ca110000-0000-4000-8000-000000000002' } });
    ddb.on(PutCommand).resolves({});

    // Act
    const resent = await beginSession(store, workgroupless, { ...valid, resendOf: '00000000-0000-4000-8000-000000000010' });
    const refusals = await Promise.all(
      ['00000000-0000-4000-8000-000000000011', '00000000-0000-4000-8000-000000000012', '00000000-0000-4000-8000-000000000013'].map((id) =>
        beginSession(store, workgroupless, { ...valid, sessionId: id.replace(/^0/, '1'), resendOf: id }).catch((e: Error) => e.name),
      ),
    );

    // Assess
    expect(resent.transactionId).toBe('SIV-20261122-CCCCCCCCCCCCC');
    expect(ddb.commandCalls(PutCommand).some((c) => String(c.args[0].input.Item?.sessionId) === 'ref#SIV-20261122-CCCCCCCCCCCCC')).toBe(false);
    expect(refusals).toEqual(['SessionRequestRefused', 'SessionRequestRefused', 'SessionRequestRefused']);
  });
});

describe('forms configuration', () => {
  it('names every problem in one error', () => {
    expect(() =>
      parseFormsConfig({ forms: [{ id: 'Bad Id', type: 'other', fields: [{ id: 'a', pattern: '(' }], ivr: { attempts: 9, language: 'english' } }] }),
    ).toThrow(FormsConfigError);
    try {
      parseFormsConfig({ forms: [{ id: 'Bad Id', type: 'other', fields: [{ id: 'a', pattern: '(' }], ivr: { attempts: 9, language: 'english' } }] });
    } catch (err) {
      const message = (err as Error).message;
      for (const part of ['forms[0].id', 'forms[0].type', 'forms[0].title', 'forms[0].fields[0].pattern', 'forms[0].ivr.language', 'forms[0].ivr.attempts'])
        expect(message).toContain(part);
    }
  });
});
