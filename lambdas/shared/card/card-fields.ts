/**
 * The card fields a secure session collects, in the order the IVR asks for them, and the words the
 * agent's screen uses for them: the one list every part refers to (vault, IVR, call state, forms,
 * agent API, pushes).
 */
export const CARD_FIELDS = ['pan', 'exp', 'cvv'] as const;
export type CardField = (typeof CARD_FIELDS)[number];

export const CARD_FIELD_LABELS: Readonly<Record<CardField, string>> = { pan: 'Card number', exp: 'Expiry date', cvv: 'Security code' };

export function isCardField(value: unknown): value is CardField {
  return (CARD_FIELDS as readonly unknown[]).includes(value);
}
