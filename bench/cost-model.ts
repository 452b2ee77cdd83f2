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
  /** CloudWatch Logs: per GB ingested (standard class; vended Step Functions logs are billed the same up to 10 TB). */
  logsGb: 0.5,
  /** X-Ray: per trace recorded (every function and the state machine have active tracing). */
  xrayTrace: 5 / 1_000_000,
} as const;

/** Step Functions logging at level ALL writes about two events per state transition, ~700 bytes each (no execution data). */
export const SFN_LOG_BYTES_PER_TRANSITION = 2 * 700;

export interface SessionUsage {
  /** AWS requests per service operation, as the sandbox engines counted them. */
  requests: Record<string, number>;
  /** State transitions of the session's workflow. */
  transitions: number;
  /** Lambda invocations and the memory (MB) and billed duration (ms) of each. */
  invocations: Array<{ fn: string; memoryMb: number; billedMs: number }>;
  /** Bytes the functions logged. */
  logBytes: number;
  /**
   * X-Ray traces recorded. @default one per SMA invocation (each is a root request from Chime) plus one for
   * the workflow (its task functions join it) — an upper bound: the default sampling rule records 1 request
   * per second and 5% of the rest.
   */
  traces?: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  usd: number;
}

const sum = (requests: Record<string, number>, test: (op: string) => boolean): number =>
  Object.entries(requests)
    .filter(([op]) => test(op))
    .reduce((n, [, c]) => n + c, 0);

/**
 * Each write is counted as one WRU and each strongly consistent read as one RRU. That holds for items under
 * 1 KB (session, chain heads); a vault item with three sealed fields can pass 1 KB, and an update is billed on
 * the larger of the old and new item, so vault writes may cost 2 WRU: a few millionths of a dollar per session.
 */
export function sessionCost(usage: SessionUsage): { lines: CostLine[]; totalUsd: number } {
  const r = usage.requests;
  const gbSeconds = usage.invocations.reduce((n, i) => n + (i.memoryMb / 1024) * (i.billedMs / 1000), 0);
  const dynamoWrites = sum(r, (op) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(op));
  const dynamoReads = sum(r, (op) => /^dynamodb:(GetItem|Query|Scan|BatchGetItem)$/.test(op));
  const kms = sum(r, (op) => op.startsWith('kms:'));
  const s3Put = sum(r, (op) => /^s3:(Put|Copy|Create|List)/.test(op));
  const s3Get = sum(r, (op) => /^s3:(Get|Head)/.test(op));
  const sfnLogGb = (usage.transitions * SFN_LOG_BYTES_PER_TRANSITION) / 1024 ** 3;
  const traces = usage.traces ?? usage.invocations.filter((i) => i.fn === 'sma').length + 1;
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
    { item: 'Step Functions logs GB (estimate)', quantity: sfnLogGb, usd: sfnLogGb * PRICES_USD.logsGb },
    { item: 'X-Ray traces (upper bound)', quantity: traces, usd: traces * PRICES_USD.xrayTrace },
  ];
  return { lines, totalUsd: lines.reduce((n, l) => n + l.usd, 0) };
}
