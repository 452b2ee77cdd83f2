/**
 * Lambda entry of the SIP-rule custom resource (the provider framework's onEvent): parses the
 * CloudFormation event, runs the lifecycle in sip-rule.ts with a real Chime SDK Voice client, and
 * returns the physical id. Errors propagate, so the framework reports FAILED with their message.
 */
import { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import { createLogger } from '../../shared/logging';
import { handleSipRuleEvent, type SipRuleEvent, type SipRuleResult } from './sip-rule';

const logger = createLogger(process.env.POWERTOOLS_SERVICE_NAME ?? 'secure-ivr-sip-rule');
const client = new ChimeSDKVoiceClient({});
const wait = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2000 * attempt));

export async function handler(event: SipRuleEvent & { RequestId?: string; LogicalResourceId?: string }): Promise<SipRuleResult> {
  logger.appendKeys({ requestType: event.RequestType, logicalResourceId: event.LogicalResourceId ?? '' });
  try {
    return await handleSipRuleEvent(event, { client, wait, log: (message, fields) => logger.info(message, { ...fields }) });
  } catch (err) {
    logger.error('SIP rule request failed', { errorName: err instanceof Error ? err.name : 'unknown' });
    throw err;
  } finally {
    logger.resetKeys();
  }
}
