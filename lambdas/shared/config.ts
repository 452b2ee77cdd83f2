/**
 * Reads and checks a function's environment once, at module scope, gathering every problem into
 * one ConfigurationError.
 */
import { ConfigurationError } from './errors';

export class EnvReader {
  private readonly problems: string[] = [];

  public constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  public required(name: string): string {
    const value = this.env[name];
    if (value === undefined || value.trim() === '') {
      this.problems.push(`${name} is not set`);
      return '';
    }
    return value;
  }

  public optional(name: string, fallback: string): string {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? fallback : value;
  }

  public integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  public oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }

  /** Record a problem found by the caller's own checks. */
  public problem(text: string): void {
    this.problems.push(text);
  }

  /** Throws one error naming every problem found so far. */
  public done(): void {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
  }
}
