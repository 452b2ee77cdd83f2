/**
 * Where the audit trail and the finance outcomes live, as the functions read it from their environment
 * (the CDK stack and the sandbox set these). Absent bucket = no audit sink (unit tests, tools).
 */
import { EnvReader } from '../shared/config';

export const AUDIT_ENV = {
  /** The Object Lock bucket for audit events and outcome records. */
  bucket: 'AUDIT_BUCKET',
  /** The DynamoDB table holding each stream's chain head. */
  chainTable: 'AUDIT_CHAIN_TABLE',
} as const;

export interface AuditConfig {
  bucket: string;
  chainTable: string;
}

/** The audit settings, or undefined when this function writes no audit trail; both or neither must be set. */
export function readAuditConfig(env: NodeJS.ProcessEnv): AuditConfig | undefined {
  const bucket = env[AUDIT_ENV.bucket]?.trim();
  if (!bucket) return undefined;
  const r = new EnvReader(env);
  const chainTable = r.required(AUDIT_ENV.chainTable);
  r.done();
  return { bucket, chainTable };
}
