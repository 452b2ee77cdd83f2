/**
 * Security review 2: the agent's free-text form fields must refuse card data however it is typed,
 * because those fields reach the validation service, the session table, the workflow input and the
 * finance records. Each value below passed the old digit-run check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFieldValues, parseFormsConfig } from '../../../lambdas/shared/session/forms';

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
    ['character references', `Joe ${PAN.split('').map((d) => `&#${d.charCodeAt(0)};`).join('')}`],
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
