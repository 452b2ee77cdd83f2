/**
 * Converts the form's decimal amount and ISO 4217 currency into the integer minor units every gateway
 * API takes, with the currency's exponent (JPY 0, USD 2, KWD 3). Exact decimal arithmetic on the
 * digits, never floating point, and never rounding: more decimals than the currency has is refused.
 */

/** ISO 4217 currencies whose exponent is not 2 (all others in use have 2). */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export class InvalidAmountError extends Error {
  public constructor(public readonly reason: 'currency' | 'amount' | 'precision') {
    super(
      reason === 'currency'
        ? 'The currency is not a three-letter ISO 4217 code.'
        : reason === 'amount'
          ? 'The amount is not a positive decimal number.'
          : 'The amount has more decimals than the currency allows.',
    );
    this.name = 'InvalidAmountError';
  }
}

export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new InvalidAmountError('currency');
  return EXPONENTS[code] ?? 2;
}

/** "12.5" USD → 1250; "1000" JPY → 1000; "1.234" KWD → 1234. Zero is allowed (tokenize only). */
export function toMinorUnits(amount: string, currency: string): number {
  const exponent = currencyExponent(currency);
  const match = /^(\d{1,12})(?:\.(\d{1,4}))?$/.exec(amount.trim());
  if (!match) throw new InvalidAmountError('amount');
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) throw new InvalidAmountError('precision');
  const minor = Number(whole + fraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new InvalidAmountError('amount');
  return minor;
}

/** MMYY → { month: 1..12, year: 2000+YY }; undefined when malformed. */
export function splitExpiry(exp: string): { month: number; year: number } | undefined {
  if (!/^\d{4}$/.test(exp)) return undefined;
  const month = Number(exp.slice(0, 2));
  if (month < 1 || month > 12) return undefined;
  return { month, year: 2000 + Number(exp.slice(2)) };
}
