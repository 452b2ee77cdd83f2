/**
 * Security review 2: the agent's free-text form fields must refuse card data however it is typed,
 * because those fields reach the validation service, the session table, the workflow input and the
 * finance records. Each value below passed the old digit-run check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFieldValues } from '../../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../../lambdas/shared/session/forms-config';

const forms = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'forms.json'), 'utf8')));
const form = forms.forms.find((f) => f.id === 'card-payment');
const GOOD = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };
const PAN = '4111111111111111';

function problemsFor(name: string): string[] {
  if (!form) throw new Error('card-payment form missing');
  return checkFieldValues(form, { ...GOOD, 'customer name': name });
}

describe('security review 2: form fields refuse card data in any disguise', () => {
  it.each([
    ['a card number with expiry and security code', 'Joe 4111 1111 1111 1111 12/30 737'],
    ['dots between the groups', 'Joe 4111.1111.1111.1111'],
    ['slashes between the groups', 'Joe 4111/1111/1111/1111'],
    ['no-break spaces between the groups', 'Joe 4111\u00a01111\u00a01111\u00a01111'],
    ['zero-width spaces between the digits', `Joe ${PAN.split('').join('\u200b')}`],
    ['full-width digits', 'Joe ４１１１１１１１１１１１１１１１'],
    ['Arabic-Indic digits', 'Joe ٤١١١١١١١١١١١١١١١'],
    [
      'character references',
      `Joe ${PAN.split('')
        .map((d) => `&#${d.charCodeAt(0)};`)
        .join('')}`,
    ],
    ['a 12-digit number', 'Joe 123456789012'],
    ['12 digits in spaced groups', 'Joe 1234 5678 9012'],
    ['an expiry and a security code next to a number', 'Joe 5555 12/30 737'],
    ['a security code after its name', 'Joe cvv 737'],
    ['an expiry after its name', 'Joe exp 12/30'],
  ])('refuses a customer name with %s, without quoting it', (_label, value) => {
    // Act
    const problems = problemsFor(value);

    // Assess
    expect(problems).toEqual(["Customer name looks like card details; card details are taken only from the caller's keypad"]);
    expect(JSON.stringify(problems)).not.toMatch(/\d{3}/);
  });

  it.each([
    ['a plain name', 'Joe Smith'],
    ['a name with an apostrophe and accents', "Zoë O'Brien-Müller"],
    ['a short house number', 'Joe Smith, 221B Baker Street'],
    ['a date of birth', 'Joe Smith 1980-12-30'],
    ['an order number of 11 digits', 'Order 12345678901'],
  ])('still accepts %s', (_label, value) => {
    // Act
    const problems = problemsFor(value);

    // Assess
    expect(problems).toEqual([]);
  });
});

describe("security review 9: form field patterns go through the redaction rules' safety checker", () => {
  const formWith = (pattern: string): unknown => ({ forms: [{ id: 'f', type: 'simple', title: 'F', fields: [{ id: 'name', displayName: 'Name', pattern }] }] });

  it.each([
    ['nested quantifiers (catastrophic backtracking)', '^([A-Za-z]+ ?)+$'],
    ['overlapping alternatives under a quantifier', '^(a|a)*$'],
    ['a pattern that matches empty text', '^.*$'],
  ])('refuses a pattern with %s, naming the field', (_label, pattern) => {
    // Act
    let message = '';
    try {
      parseFormsConfig(formWith(pattern));
    } catch (err) {
      message = (err as Error).message;
    }

    // Assess
    expect(message).toContain('forms[0].fields[0].pattern');
  });

  it('checks values with a safe pattern, in linear time, as RegExp would', () => {
    // Prepare
    const config = parseFormsConfig(formWith('^[A-Z][a-z]+( [A-Z][a-z]+)?$'));
    const safeForm = config.forms[0];
    if (!safeForm) throw new Error('no form');

    // Act
    const good = checkFieldValues(safeForm, { name: 'Joe Smith' });
    const bad = checkFieldValues(safeForm, { name: `${'a'.repeat(150)}!` });

    // Assess
    expect(good).toEqual([]);
    expect(bad).toEqual(['Name is not in the expected format']);
  });
});
