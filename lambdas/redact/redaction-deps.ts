/**
 * Builds the redaction service's dependencies from the environment, checked once: the configuration
 * (REDACTION_CONFIG, JSON, or the bundled config/redaction.json), the audit sinks (the log, plus S3
 * when AUDIT_BUCKET is set), the clock and the id source. Used by the Lambda handler at start-up and
 * by `redactHttp` when the sandbox mounts it without dependencies of its own.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import defaultConfig from '../../config/redaction.json';
import { s3Client } from '../shared/clients';
import { EnvReader } from '../shared/config';
import { createLogger } from '../shared/logging';
import { combineSinks, logAuditSink, s3AuditSink, type AuditSink } from './audit';
import { loadRedactionConfig, parseRedactionConfig, RedactionConfigError } from './redaction-config';
import type { RedactionDeps } from './redaction-service';
import { Redactor } from './redactor';

export const ENV_REDACTION_CONFIG = 'REDACTION_CONFIG';
export const ENV_AUDIT_BUCKET = 'AUDIT_BUCKET';

/** Throws ConfigurationError naming every problem (a refused rule names its id). */
export function createRedactionDeps(env: NodeJS.ProcessEnv = process.env, logger: Logger = createLogger('redaction')): RedactionDeps {
  const reader = new EnvReader(env);
  const configText = reader.optional(ENV_REDACTION_CONFIG, '');
  const bucket = reader.optional(ENV_AUDIT_BUCKET, '');
  let redactor: Redactor | undefined;
  try {
    redactor = new Redactor(configText === '' ? loadRedactionConfig(defaultConfig) : parseRedactionConfig(configText));
  } catch (error) {
    if (!(error instanceof RedactionConfigError)) throw error;
    reader.problem(`${ENV_REDACTION_CONFIG} is refused (${error.problems.join('; ')})`);
  }
  reader.done();
  const sinks: AuditSink[] = [logAuditSink(logger)];
  if (bucket !== '') sinks.push(s3AuditSink(s3Client, bucket));
  return { redactor: redactor as Redactor, audit: combineSinks(...sinks), clock: () => new Date(), newId: randomUUID };
}
