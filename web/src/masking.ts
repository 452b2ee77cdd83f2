/**
 * How the console shows card entry: only counts and, for the card number, the last four once captured.
 * It never receives digits, so there is nothing else it could show.
 */

export type FieldState = 'waiting' | 'prompted' | 'invalid' | 'captured' | 'restarted';

export interface FieldProgress {
  field: 'pan' | 'exp' | 'cvv';
  label: string;
  state: FieldState;
  attempts: number;
  digitsEntered?: number;
  reason?: string;
}

const DOT = '\u2022';

/** `•••• •••• •••• 1111` for a captured 16-digit number; dots only while nothing is known. */
export function maskedValue(p: FieldProgress, last4: string | undefined): string {
  if (p.state !== 'captured') return p.state === 'waiting' ? '' : p.digitsEntered ? DOT.repeat(p.digitsEntered) : '';
  const count = p.digitsEntered ?? (p.field === 'pan' ? 16 : p.field === 'exp' ? 4 : 3);
  if (p.field === 'pan' && last4 && /^\d{4}$/.test(last4)) {
    // Dots in groups of four, then the last four on their own, whatever the card's length.
    const hidden = DOT.repeat(Math.max(count - 4, 0)).replace(/(.{4})(?=.)/g, '$1 ');
    return hidden ? `${hidden} ${last4}` : last4;
  }
  if (p.field === 'exp') return `${DOT}${DOT}/${DOT}${DOT}`;
  return DOT.repeat(count);
}

export function progressText(p: FieldProgress): string {
  switch (p.state) {
    case 'waiting':
      return 'Not yet asked';
    case 'prompted':
      return p.attempts > 1 ? `Caller is keying (attempt ${p.attempts})` : 'Caller is keying';
    case 'restarted':
      return 'Caller started the field again';
    case 'invalid':
      return `Not accepted${p.reason ? `: ${p.reason}` : ''}${p.digitsEntered !== undefined ? ` (${p.digitsEntered} digits)` : ''}`;
    case 'captured':
      return `Captured${p.digitsEntered !== undefined ? `, ${p.digitsEntered} digits` : ''}`;
  }
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  jcb: 'JCB',
  diners: 'Diners Club',
  unknown: 'Card',
};
export const brandName = (brand: string | undefined): string => BRANDS[brand ?? 'unknown'] ?? brand ?? 'Card';
