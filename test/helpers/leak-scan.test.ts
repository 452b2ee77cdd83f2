/**
 * The no-leak scan must find the sentinel cards however they are written (security review 2): a scan
 * that looks for exact digit strings only is how echoes in disguise went unseen. Each planted disguise
 * below must make the scan fail; ordinary artifacts must not.
 */
import { findSentinels, type Artifact } from './leak-scan';

const PAN = '4111111111111111';
const SENTINELS = { long: [PAN], short: ['1230', '737'] };
const plant = (text: string): Artifact[] => [{ where: 'planted', text }];

describe('the no-leak scan finds sentinels in disguise', () => {
  it.each([
    ['plain digits', `{"details":"card ${PAN}"}`],
    ['dots', '{"details":"card 4111.1111.1111.1111"}'],
    ['slashes', '{"details":"card 4111/1111/1111/1111"}'],
    ['double spaces', '{"details":"card 4111  1111  1111  1111"}'],
    ['no-break spaces', '{"details":"card 4111\u00a01111\u00a01111\u00a01111"}'],
    ['zero-width spaces', `{"details":"card ${PAN.split('').join('\u200b')}"}`],
    ['full-width digits', '{"details":"card ４１１１１１１１１１１１１１１１"}'],
    ['Arabic-Indic digits', '{"details":"card ٤١١١١١١١١١١١١١١١"}'],
    [
      'decimal character references',
      `<p>${PAN.split('')
        .map((d) => `&#${d.charCodeAt(0)};`)
        .join('')}</p>`,
    ],
    [
      'hexadecimal character references',
      `<p>${PAN.split('')
        .map((d) => `&#x${d.charCodeAt(0).toString(16)};`)
        .join('')}</p>`,
    ],
    [
      'JSON unicode escapes',
      `{"details":"${PAN.split('')
        .map((d) => `\\u00${d.charCodeAt(0).toString(16)}`)
        .join('')}"}`,
    ],
    ['inline markup between the groups', '<td>4111<b>1111</b>1111<i>1111</i></td>'],
  ])('reports the card number written with %s', (_label, text) => {
    // Act
    const hits = findSentinels(plant(text), SENTINELS);

    // Assess
    expect(hits).toContain(`${PAN} in planted`);
  });

  it.each([
    ['the expiry as a value with a slash', '{"exp":"12/30"}', '1230'],
    ['the expiry in full-width digits', '{"exp":"１２３０"}', '1230'],
    ['the security code as character references', 'cvv=&#55;&#51;&#55;&', '737'],
    ['the security code spaced out', '{"details":"7 3 7"}', '737'],
  ])('reports %s', (_label, text, sentinel) => {
    // Act
    const hits = findSentinels(plant(text), SENTINELS);

    // Assess
    expect(hits).toContain(`${sentinel} in planted`);
  });

  it('stays quiet on ordinary artifacts: last four digits, counts, times and ids', () => {
    // Prepare
    const text = JSON.stringify({
      last4: '1111',
      brand: 'visa',
      digitsEntered: 16,
      at: '2026-11-22T10:12:30.737Z',
      sessionId: '41111111-1111-4111-8111-111111111111',
      list: ['1111', 'visa', '1111'],
      amount: '17.37',
    });

    // Act
    const hits = findSentinels(plant(text), SENTINELS);

    // Assess
    expect(hits).toEqual([]);
  });
});
