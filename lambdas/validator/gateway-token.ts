/**
 * The gateway token of the XML contract's reply, on its own (no XML parser), so the finance record's
 * builder can apply the same rule as the validator without loading the contract's parser.
 *
 * The optional `token` attribute of `<outcome>`: when the merchant's service stored the card at its gateway
 * (tokenization), the gateway's reusable reference to it — a customer / payment-method id, never the card.
 * `<outcome value="accepted" details="Approved - payment pi_1" token="cus_Q1/pm_Q2"/>`
 * It is 1 to 255 characters of A–Z a–z 0–9 and `. _ : / + = -` and holds no card data: a token with a card
 * number in it (any digits the shared detector takes for one) or with the submitted card's digits, expiry or
 * security code is refused. A refused token never changes the outcome: it is dropped, and the details say so.
 */
export const GATEWAY_TOKEN = { attribute: 'token', maxLength: 255, charset: /^[A-Za-z0-9._:/+=-]+$/ } as const;

/** Why a token breaks the contract's syntax (`length` or `charset`), or undefined when it does not. */
export function gatewayTokenSyntaxProblem(token: string): 'length' | 'charset' | undefined {
  if (token.length === 0 || token.length > GATEWAY_TOKEN.maxLength) return 'length';
  return GATEWAY_TOKEN.charset.test(token) ? undefined : 'charset';
}
