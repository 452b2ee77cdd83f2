/**
 * A small, strict command-line parser: known options only, repeated options collected, clear errors.
 */

export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** Takes a value (`--name value` or `--name=value`). */
  value?: boolean;
  /** May be given more than once. */
  repeat?: boolean;
}

export interface ParsedArgs {
  options: Record<string, string[]>;
  flags: Set<string>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options: Record<string, string[]> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`);
    if (!s.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i += 1;
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    const list = (options[name] ??= []);
    if (list.length > 0 && !s.repeat) throw new UsageError(`--${name} may be given only once`);
    list.push(value);
  }
  return { options, flags, positional };
}

export const one = (args: ParsedArgs, name: string): string | undefined => args.options[name]?.[0];
