import { parseArgs, UsageError } from '../../bin/commands/args';

const SPEC = { config: { value: true }, format: { value: true }, field: { value: true, repeat: true }, json: {} };

function usage(argv: string[]): string {
  try {
    parseArgs(argv, SPEC);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('command-line arguments', () => {
  it('refuses an option that would swallow the next option as its value', () => {
    expect(usage(['--config', '--format', 'x'])).toMatch(/^--config needs a value/);
  });

  it('takes a value that starts with a dash only when written with =', () => {
    expect(parseArgs(['--config=-x'], SPEC).options.config).toEqual(['-x']);
  });

  it('names an unknown option, a missing value and a value given to a flag', () => {
    expect(usage(['--nope'])).toBe('unknown option --nope');
    expect(usage(['--config'])).toBe('--config needs a value');
    expect(usage(['--json=1'])).toBe('--json takes no value');
  });

  it('collects repeatable options in order and refuses a repeated single option', () => {
    const args = parseArgs(['--field', 'a=1', '--json', '--field=b=2', 'rest'], SPEC);
    expect(args.options.field).toEqual(['a=1', 'b=2']);
    expect([...args.flags]).toEqual(['json']);
    expect(args.positional).toEqual(['rest']);
    expect(usage(['--format', 'a', '--format', 'b'])).toBe('--format may be given only once');
  });
});
