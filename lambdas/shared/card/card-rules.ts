/**
 * Card rules for keypad entry: Luhn, brand by IIN range, expiry and security-code length.
 * Pure functions; they take the digits and never keep, log or echo them.
 */

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'maestro' | 'unknown';

export const CARD_NUMBER_MIN_DIGITS = 12;
export const CARD_NUMBER_MAX_DIGITS = 19;

/** True when the digit string passes the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const inRange = (prefix: string, low: number, high: number): boolean => {
  const n = Number(prefix);
  return n >= low && n <= high;
};

/** Brand from the issuer identification number ranges published by the networks. */
export function detectBrand(digits: string): CardBrand {
  const p2 = digits.slice(0, 2);
  const p3 = digits.slice(0, 3);
  const p4 = digits.slice(0, 4);
  const p6 = digits.slice(0, 6);
  if (p2 === '34' || p2 === '37') return 'amex';
  if (digits.startsWith('4')) return 'visa';
  if (inRange(p2, 51, 55) || inRange(p6, 222100, 272099)) return 'mastercard';
  if (p4 === '6011' || p2 === '65' || inRange(p3, 644, 649) || inRange(p6, 622126, 622925)) return 'discover';
  if (inRange(p4, 3528, 3589)) return 'jcb';
  if (p2 === '36' || p2 === '38' || p2 === '39' || inRange(p3, 300, 305) || p3 === '309') return 'diners';
  if (p2 === '62') return 'unionpay';
  if (p2 === '50' || inRange(p2, 56, 69)) return 'maestro';
  return 'unknown';
}

export type FieldCheck = { ok: true } | { ok: false; reason: string };

/** A card number as keyed: 12–19 digits that pass Luhn. The reason never quotes the digits. */
export function checkCardNumber(digits: string): FieldCheck {
  if (!/^\d*$/.test(digits)) return { ok: false, reason: 'card number contains keys other than digits' };
  if (digits.length < CARD_NUMBER_MIN_DIGITS) return { ok: false, reason: 'card number too short' };
  if (digits.length > CARD_NUMBER_MAX_DIGITS) return { ok: false, reason: 'card number too long' };
  if (!luhnValid(digits)) return { ok: false, reason: 'card number failed the check digit' };
  return { ok: true };
}

/** Expiry keyed as MMYY; valid through the last day of that month (UTC). */
export function checkExpiry(digits: string, now: Date): FieldCheck {
  if (!/^\d{4}$/.test(digits)) return { ok: false, reason: 'expiry date must be four digits, month then year' };
  const month = Number(digits.slice(0, 2));
  const year = 2000 + Number(digits.slice(2));
  if (month < 1 || month > 12) return { ok: false, reason: 'expiry month must be 01 to 12' };
  const nowYear = now.getUTCFullYear();
  const nowMonth = now.getUTCMonth() + 1;
  if (year < nowYear || (year === nowYear && month < nowMonth)) return { ok: false, reason: 'card has expired' };
  if (year > nowYear + 20) return { ok: false, reason: 'expiry date too far in the future' };
  return { ok: true };
}

/** Security code length: four digits for American Express, three for the others. */
export function securityCodeLength(brand: CardBrand): 3 | 4 {
  return brand === 'amex' ? 4 : 3;
}

export function checkSecurityCode(digits: string, brand: CardBrand): FieldCheck {
  const want = securityCodeLength(brand);
  if (!/^\d+$/.test(digits) || digits.length !== want) return { ok: false, reason: `security code must be ${want} digits` };
  return { ok: true };
}

/** The last four digits: the most of a card number that anyone outside the card-data path may see. */
export function lastFour(digits: string): string {
  return digits.slice(-4);
}
