import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRequest, newTransactionId } from '../../../lambdas/session/begin/begin';
import { FormsConfigError } from '../../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../../lambdas/shared/session/forms-config';
import { PAN_SENTINEL } from '../../helpers/fixtures';

const forms = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'forms.json'), 'utf8')));
const valid = {
  sessionId: 's-1',
  callTransactionId: 'call-1',
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
    expect(problems).toEqual(expect.arrayContaining(['field "extra" is not on form card-payment', 'Customer name is required', 'Customer account is required', 'Amount is required']));
  });

  it('refuses a card number in disguise (full-width digits, dotted groups) with the shared card detector', () => {
    // Prepare: 4111 1111 1111 1111 in full-width digits, and the same number grouped with dots
    const fullWidth = '\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11';
    // Act
    const disguised = checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': `Joe ${fullWidth}` } }, forms).problems;
    const dotted = checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': 'Joe 4111.1111.1111.1111' } }, forms).problems;
    // Assess
    expect(disguised).toEqual(["Customer name looks like a card number; card details are taken only from the caller's keypad"]);
    expect(dotted).toEqual(disguised);
  });

  it('refuses a field that does not match its pattern without quoting the value', () => {
    const { problems } = checkRequest({ ...valid, fields: { ...valid.fields, 'charge amount': 'ten dollars' } }, forms);
    expect(problems).toEqual(['Amount is not in the expected format']);
  });

  it('refuses a card number typed into a form field, and does not repeat it', () => {
    const { problems } = checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': `Joe ${PAN_SENTINEL}` } }, forms);
    expect(problems).toEqual(["Customer name looks like a card number; card details are taken only from the caller's keypad"]);
    expect(JSON.stringify(problems)).not.toContain(PAN_SENTINEL);
  });

  it('refuses an unknown form and malformed ids', () => {
    expect(checkRequest({ ...valid, formId: 'nope' }, forms).problems).toEqual(['form nope does not exist']);
    expect(checkRequest({ ...valid, sessionId: 'has space' }, forms).problems).toEqual(['sessionId is missing or not a valid id']);
    expect(checkRequest(null, forms).problems).toEqual(['the request is not an object']);
  });

  it('refuses control characters in a field value', () => {
    expect(checkRequest({ ...valid, fields: { ...valid.fields, 'customer name': 'Joe\u0000' } }, forms).problems).toEqual(['Customer name contains control characters']);
  });
});

describe('payment reference', () => {
  it('is dated and uses only unambiguous characters', () => {
    const ref = newTransactionId(new Date('2026-11-22T10:00:00Z'));
    expect(ref).toMatch(/^SIV-20261122-[A-HJ-NP-Z2-9]{6}$/);
    expect(newTransactionId(new Date())).not.toBe(ref);
  });
});

describe('forms configuration', () => {
  it('names every problem in one error', () => {
    expect(() => parseFormsConfig({ forms: [{ id: 'Bad Id', type: 'other', fields: [{ id: 'a', pattern: '(' }], ivr: { attempts: 9, language: 'english' } }] })).toThrow(FormsConfigError);
    try {
      parseFormsConfig({ forms: [{ id: 'Bad Id', type: 'other', fields: [{ id: 'a', pattern: '(' }], ivr: { attempts: 9, language: 'english' } }] });
    } catch (err) {
      const message = (err as Error).message;
      for (const part of ['forms[0].id', 'forms[0].type', 'forms[0].title', 'forms[0].fields[0].pattern', 'forms[0].ivr.language', 'forms[0].ivr.attempts']) expect(message).toContain(part);
    }
  });
});
