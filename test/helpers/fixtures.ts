/** Loads SMA event fixtures from events/ and lets a test adjust them without touching the files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SmaEvent, TransactionAttributes } from '../../lambdas/telephony/chime-sma/contract';

export const PAN_SENTINEL = '4111111111111111';
export const AMEX_SENTINEL = '378282246310005';
export const CVV_SENTINEL = '737';

export function smaFixture(name: string, change?: { attrs?: TransactionAttributes; digits?: string | null; args?: Record<string, string> }): SmaEvent {
  const event = JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'sma', `${name}.json`), 'utf8')) as SmaEvent;
  if (change?.attrs) event.CallDetails.TransactionAttributes = { ...change.attrs };
  if (change?.digits !== undefined && event.ActionData) {
    if (change.digits === null) delete event.ActionData.ReceivedDigits;
    else event.ActionData.ReceivedDigits = change.digits;
  }
  if (change?.args && event.ActionData?.Parameters) event.ActionData.Parameters.Arguments = { ...change.args };
  return event;
}
