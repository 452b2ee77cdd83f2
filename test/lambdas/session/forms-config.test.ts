import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormsConfigError } from '../../../lambdas/shared/session/forms';
import { parseFormsConfig, schemaProblems, settingName } from '../../../lambdas/shared/session/forms-config';

const shipped = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'secure-ivr.json'), 'utf8')) as Record<string, unknown>;
const form = { id: 'pay', type: 'simple', title: 'Pay', fields: [{ id: 'amount', required: true }] };

function problemsOf(raw: unknown): string[] {
  try {
    parseFormsConfig(raw);
  } catch (err) {
    if (err instanceof FormsConfigError) return err.message.replace(/^Forms configuration is invalid: /, '').split('; ');
    throw err;
  }
  return [];
}

describe('the configuration is checked by its JSON schema', () => {
  it('accepts the shipped configuration and fills in the defaults', () => {
    // Act
    const config = parseFormsConfig({ forms: [form] });
    // Assess
    expect(schemaProblems(shipped)).toEqual([]);
    expect(config.forms[0]).toMatchObject({
      id: 'pay',
      description: '',
      cardFields: ['pan', 'exp', 'cvv'],
      ivr: { language: 'en-US', attempts: 3 },
      fields: [{ id: 'amount', displayName: 'amount', required: true }],
      customAttributes: {},
    });
  });

  it.each([
    ['no forms', {}, ['"forms" is required']],
    ['an empty form list', { forms: [] }, ['"forms" must be a non-empty list']],
    ['an unknown setting', { forms: [form], colour: 'red' }, ['"colour" is not a known setting']],
    ['an unknown IVR setting', { forms: [{ ...form, ivr: { speed: 2 } }] }, ['forms[0].ivr.speed is not a known setting']],
    ['a blank title', { forms: [{ ...form, title: '   ' }] }, ['forms[0].title is required and must not be blank']],
    ['a bad form id', { forms: [{ ...form, id: 'Pay Now' }] }, ['forms[0].id must be lower-case letters, digits and dashes']],
    ['a bad form type', { forms: [{ ...form, type: 'other' }] }, ['forms[0].type must be one of simple, custom']],
    ['too many attempts', { forms: [{ ...form, ivr: { attempts: 9 } }] }, ['forms[0].ivr.attempts must be a whole number from 1 to 5']],
    [
      'a fractional time-out',
      { forms: [{ ...form, ivr: { fieldTimeoutSeconds: 7.5 } }] },
      ['forms[0].ivr.fieldTimeoutSeconds must be a whole number from 5 to 60'],
    ],
    ['a bad language', { forms: [{ ...form, ivr: { language: 'english' } }] }, ['forms[0].ivr.language must be a Polly language code such as en-US']],
    [
      'other card fields',
      { forms: [{ ...form, ivr: { cardFields: ['pan'] } }] },
      [expect.stringMatching(/^forms\[0\]\.ivr\.cardFields must be \["pan", "exp", "cvv"\]: The IVR collects/)],
    ],
    ['a bad field pattern', { forms: [{ ...form, fields: [{ id: 'a', pattern: '(' }] }] }, ['forms[0].fields[0].pattern is not a valid regular expression']],
    ['fields that are not a list', { forms: [{ ...form, fields: {} }] }, ['forms[0].fields must be a list']],
    [
      'too many custom attributes',
      { forms: [{ ...form, customAttributes: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }] },
      ['forms[0].customAttributes may hold at most 20 entries'],
    ],
    ['workgroups without users', { forms: [form], workgroups: [] }, ['"users" is required when "workgroups" is set']],
    [
      'a bad agent endpoint',
      { forms: [form], workgroups: [], users: [{ id: 'ann', endpoints: ['+1555', 'sip:a@b c'] }] },
      ['users[0].endpoints must be a list of E.164 numbers or SIP user parts'],
    ],
    [
      'an agent endpoint shared by two users',
      {
        forms: [form],
        workgroups: [],
        users: [
          { id: 'ann', endpoints: ['+15555550100'] },
          { id: 'bob', endpoints: ['+15555550100'] },
        ],
      },
      ['users "ann" and "bob" share an agent endpoint', 'each endpoint must reach one user'],
    ],
    [
      'an unknown right',
      { forms: [form], workgroups: [], users: [{ id: 'ann', rights: ['admin'] }] },
      [expect.stringMatching(/^users\[0\]\.rights\[0\] must be one of secureInput, /)],
    ],
  ])('refuses %s with a line naming the setting', (_name, raw, expected) => {
    expect(problemsOf(raw)).toEqual(expected);
  });

  it('gathers schema problems and cross-references into one error, in the configuration\u2019s order', () => {
    // Prepare
    const raw = {
      forms: [form, { ...form, ivr: { attempts: 0 } }],
      workgroups: [{ id: 'desk', forms: ['nope'], members: ['bob'] }],
      users: [{ id: 'ann' }, { id: 'ann' }],
    };
    // Act
    const problems = problemsOf(raw);
    // Assess
    expect(problems).toEqual([
      'forms[1].ivr.attempts must be a whole number from 1 to 5',
      'forms[1].id "pay" is used twice',
      'users[1].id "ann" is used twice',
      'workgroups[0].forms names form "nope", which is not defined',
      'workgroups[0].members names user "bob", which is not defined',
    ]);
  });

  it('names settings the way the configuration file reads', () => {
    expect(settingName('/forms/0/ivr/attempts')).toBe('forms[0].ivr.attempts');
    expect(settingName('', 'forms')).toBe('"forms"');
    expect(settingName('/users/2/rights/0')).toBe('users[2].rights[0]');
  });
});
