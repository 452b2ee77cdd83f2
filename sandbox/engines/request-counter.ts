/**
 * Request accounting and fault injection shared by the local AWS engines.
 *
 * The benchmark reports AWS requests per secure session from these counts (keyed like the IAM
 * action, `kms:GenerateDataKey`), and tests and the soak run make the next N calls of an operation
 * fail the way the real service can, to exercise the product's retry and abort paths.
 */

/** What every engine exposes for the benchmark: requests served, per operation. */
export interface RequestCounter {
  /** Requests served since start or the last reset, keyed `<service>:<Operation>`. */
  counts(): Record<string, number>;
  resetCounts(): void;
}

/** Makes the next `count` calls of an operation fail with `errorType` (the AWS error code). */
export interface FaultInjection {
  /** `operation` is `GenerateDataKey` or `kms:GenerateDataKey`; `*` matches every operation of the engine. */
  injectFault(operation: string, count: number, errorType: string): void;
  clearFaults(): void;
}

export class OperationCounter implements RequestCounter {
  private readonly byOperation = new Map<string, number>();

  public add(operation: string): void {
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }

  public counts(): Record<string, number> {
    return Object.fromEntries([...this.byOperation.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  public resetCounts(): void {
    this.byOperation.clear();
  }
}

/** Pending injected faults of one engine; consumed one per matching request. */
export class FaultPlan implements FaultInjection {
  private readonly pending: Array<{ operation: string; remaining: number; errorType: string }> = [];

  public constructor(private readonly service: string) {}

  public injectFault(operation: string, count: number, errorType: string): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('Fault count must be a positive integer.');
    const qualified = operation === '*' || operation.includes(':') ? operation : `${this.service}:${operation}`;
    this.pending.push({ operation: qualified, remaining: count, errorType });
  }

  public clearFaults(): void {
    this.pending.length = 0;
  }

  /** The error type the request must fail with, or undefined to serve it normally. */
  public take(operation: string): string | undefined {
    const index = this.pending.findIndex((f) => f.operation === '*' || f.operation === operation);
    if (index < 0) return undefined;
    const fault = this.pending[index]!;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.pending.splice(index, 1);
    return fault.errorType;
  }
}

/** HTTP status the real services use for an error code: server-side faults are 5xx, the rest 400. */
export function statusForErrorType(errorType: string): number {
  if (/ServiceUnavailable|SlowDown/.test(errorType)) return 503;
  if (/Internal|ServerError|DependencyTimeout/.test(errorType)) return 500;
  return 400;
}
