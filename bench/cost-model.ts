/**
 * What one secure session costs in AWS, from the requests the sandbox counted for it, at published
 * on-demand prices (us-east-1, November 2026). Telephony minutes (Chime SDK PSTN audio) are excluded:
 * they are the same with or without secure-ivr.
 */

export const PRICES_USD = {
  /** Lambda: per request, and per GB-second on Arm. */
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecondArm: 0.0000133334,
  /** Step Functions Standard: per state transition. */
  sfnTransition: 0.025 / 1000,
  /** KMS: per API request (symmetric). */
  kmsRequest: 0.03 / 10_000,
  /** DynamoDB on-demand: per write / read request unit. */
  dynamoWrite: 0.625 / 1_000_000,
  dynamoRead: 0.125 / 1_000_000,
  /** S3 Standard: per PUT/COPY/POST/LIST and per GET. */
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  /** CloudWatch Logs: per GB ingested. */
  logsGb: 0.5,
} as const;

export interface SessionUsage {
  /** AWS requests per service operation, as the sandbox engines counted them. */
  requests: Record<string, number>;
  /** State transitions of the session's workflow. */
  transitions: number;
  /** Lambda invocations and the memory (MB) and billed duration (ms) of each. */
  invocations: Array<{ fn: string; memoryMb: number; billedMs: number }>;
  /** Bytes the functions logged. */
  logBytes: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  usd: number;
}

const sum = (requests: Record<string, number>, test: (op: string) => boolean): number =>
  Object.entries(requests).filter(([op]) => test(op)).reduce((n, [, c]) => n + c, 0);

/** Items are small (< 1 KB), so each write is one WRU and each strongly consistent read one RRU. */
export function sessionCost(usage: SessionUsage): { lines: CostLine[]; totalUsd: number } {
  const r = usage.requests;
  const gbSeconds = usage.invocations.reduce((n, i) => n + (i.memoryMb / 1024) * (i.billedMs / 1000), 0);
  const dynamoWrites = sum(r, (op) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(op));
  const dynamoReads = sum(r, (op) => /^dynamodb:(GetItem|Query|Scan|BatchGetItem)$/.test(op));
  const kms = sum(r, (op) => op.startsWith('kms:'));
  const s3Put = sum(r, (op) => /^s3:(Put|Copy|Create|List)/.test(op));
  const s3Get = sum(r, (op) => /^s3:(Get|Head)/.test(op));
  const lines: CostLine[] = [
    { item: 'Lambda requests', quantity: usage.invocations.length, usd: usage.invocations.length * PRICES_USD.lambdaRequest },
    { item: 'Lambda GB-seconds (Arm)', quantity: gbSeconds, usd: gbSeconds * PRICES_USD.lambdaGbSecondArm },
    { item: 'Step Functions transitions', quantity: usage.transitions, usd: usage.transitions * PRICES_USD.sfnTransition },
    { item: 'KMS requests', quantity: kms, usd: kms * PRICES_USD.kmsRequest },
    { item: 'DynamoDB write units', quantity: dynamoWrites, usd: dynamoWrites * PRICES_USD.dynamoWrite },
    { item: 'DynamoDB read units', quantity: dynamoReads, usd: dynamoReads * PRICES_USD.dynamoRead },
    { item: 'S3 PUT requests', quantity: s3Put, usd: s3Put * PRICES_USD.s3Put },
    { item: 'S3 GET requests', quantity: s3Get, usd: s3Get * PRICES_USD.s3Get },
    { item: 'CloudWatch Logs GB', quantity: usage.logBytes / 1024 ** 3, usd: (usage.logBytes / 1024 ** 3) * PRICES_USD.logsGb },
  ];
  return { lines, totalUsd: lines.reduce((n, l) => n + l.usd, 0) };
}
