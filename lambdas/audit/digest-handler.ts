/**
 * The hourly audit digest function (EventBridge schedule, a few minutes past each hour): signs the digest of
 * the hour that just ended. Only this function may use the digest key for kms:Sign (lib/constructs/audit-trail.ts).
 */
import type { ScheduledEvent } from 'aws-lambda';
import { EnvReader } from '../shared/config';
import { createLogger } from '../shared/logging';
import { kmsClient, s3Client } from '../shared/clients';
import { AUDIT_ENV } from './audit-config';
import { hourOf, isHour, previousHourOf } from './digest-chain';
import { writeHourlyDigest } from './digest-writer';

const logger = createLogger('audit-digest');

export const DIGEST_ENV = { keyArn: 'AUDIT_DIGEST_KEY_ARN' } as const;

function config(env: NodeJS.ProcessEnv): { bucket: string; keyId: string } {
  const r = new EnvReader(env);
  const bucket = r.required(AUDIT_ENV.bucket);
  const keyId = r.required(DIGEST_ENV.keyArn);
  r.done();
  return { bucket, keyId };
}

let settings: { bucket: string; keyId: string } | undefined;

export const handler = async (event: Pick<ScheduledEvent, 'time'> & { hour?: string }): Promise<{ hour: string; sessions: number }> => {
  settings ??= config(process.env);
  // The hour that ended before the schedule fired; a manual run may name an hour to (re)write.
  const hour = typeof event.hour === 'string' && isHour(event.hour) ? event.hour : previousHourOf(hourOf(new Date(event.time ?? Date.now())));
  const digest = await writeHourlyDigest({ s3: await s3Client(), kms: await kmsClient(), ...settings }, hour);
  logger.info('audit digest written', { hour, sessions: digest.sessions.length });
  return { hour, sessions: digest.sessions.length };
};
