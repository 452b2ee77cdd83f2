/**
 * The commands' argument parser: node:util parseArgs in strict mode behind the small spec the commands
 * declare, so unknown options, missing values and an option swallowed as another's value (`--config
 * --format x`) are refused with a clear usage error instead of being read wrongly.
 */
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';

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

type NodeOptions = NonNullable<ParseArgsConfig['options']>;

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const config: NodeOptions = {};
  for (const [name, s] of Object.entries(spec)) config[name] = { type: s.value ? 'string' : 'boolean', multiple: true };
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({ args: argv, options: config, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
  const options: Record<string, string[]> = {};
  const flags = new Set<string>();
  for (const [name, raw] of Object.entries(parsed.values)) {
    const values = (Array.isArray(raw) ? raw : [raw]) as Array<string | boolean>;
    const s = spec[name] as OptionSpec;
    if (values.length > 1 && !s.repeat) throw new UsageError(`--${name} may be given only once`);
    if (s.value) options[name] = values as string[];
    else flags.add(name);
  }
  return { options, flags, positional: parsed.positionals };
}

/** node:util's messages name the option but can be long; keep the first sentence and the option. */
function usageMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `${option} needs a value`;
      if (/ambiguous/.test(message))
        return `${option} needs a value (it was followed by another option; write ${option}=VALUE if the value starts with a dash)`;
      return `${option} takes no value`;
    default:
      return message.split('\n')[0] ?? 'invalid arguments';
  }
}

export const one = (args: ParsedArgs, name: string): string | undefined => args.options[name]?.[0];
