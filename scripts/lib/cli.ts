/**
 * The conventions every `multi-user-ip` subcommand shares, in one place:
 *
 * - `--help` / `-h` prints the usage to stdout and exits 0;
 * - an unknown or malformed flag prints one line naming it plus a usage hint and exits 2
 *   ({@link UsageError}; {@link parseCommandLine} turns `node:util` `parseArgs`' messages into such lines);
 * - a file the command cannot read or write, or bad input in it, prints `file[:line]: what was expected`
 *   and exits 1 ({@link InputError} and {@link OutputError} from `files.ts`, Node's own fs errors);
 * - no stack trace for any of these (`MULTI_USER_IP_DEBUG=1` prints one for anything else).
 *
 * `node:util` `parseArgs` stays the parser: a library would not remove the per-command checks (kinds,
 * percentages, `--kind` after `--in`), and the option tables stay plain objects others can add to.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { FILE_ERRORS, InputError, OutputError } from './files.ts';

/**
 * A mistake on the command line (exit 2). The message names the flag, in flag terms.
 *
 * @example
 * ```ts
 * if (values['max-churn'] !== undefined && values.previous === undefined) throw new UsageError('--max-churn needs --previous');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` `parseArgs` with `strict` on and its errors rewritten as one-line {@link UsageError}s
 * naming the flag (`unknown option --foo`, `--out needs a value`, `--quiet takes no value`).
 *
 * @example
 * ```ts
 * const { values } = parseCommandLine(argv, { out: { type: 'string' }, quiet: { type: 'boolean' } });
 * ```
 */
export function parseCommandLine<O extends Options, P extends boolean = false>(
  argv: string[],
  options: O,
  config: { allowPositionals?: P } = {},
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: config.allowPositionals ?? false, tokens: true });
  } catch (e) {
    throw new UsageError(describeParseError(e));
  }
}

function describeParseError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument "${quoted}"`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(message) ? `${flag} takes no value` : `${flag} needs a value`;
  }
  return message.split('\n')[0]!;
}

/**
 * Parses a number flag; `what` completes "expected …" (e.g. `a positive integer`).
 *
 * @example
 * ```ts
 * const threads = numberFlag('--threads', values.threads, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
 * ```
 */
export function numberFlag(flag: string, text: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`${flag}: expected ${what}, got "${text}"`);
  return n;
}

/** One subcommand: its name, usage text and body (which returns the exit code, 0 by default). */
export interface Command {
  name: string;
  usage: string;
  run: (argv: string[]) => Promise<number | undefined> | number | undefined;
}

/**
 * Runs a subcommand under the shared conventions and returns its exit code (never throws).
 *
 * @example
 * ```ts
 * export const main = (argv: string[]) => runCommand({ name: 'simulate', usage: USAGE, run: simulateCli }, argv);
 * ```
 */
export async function runCommand(command: Command, argv: string[], io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    io.out.write(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return (await command.run(argv)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`${command.name}: ${e.message}\nrun 'multi-user-ip ${command.name} --help' for usage\n`);
      return 2;
    }
    io.err.write(`${command.name}: ${describeError(e)}\n`);
    if (process.env.MULTI_USER_IP_DEBUG && e instanceof Error && e.stack) io.err.write(`${e.stack}\n`);
    return 1;
  }
}

/** The message for an error a user can cause; Node's fs errors become `path: what is wrong (CODE)`. */
function describeError(e: unknown): string {
  if (e instanceof InputError || e instanceof OutputError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.path && FILE_ERRORS[err.code]) return `${err.path}: ${FILE_ERRORS[err.code]} (${err.code})`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * True when the module at `url` is the program Node was started with, also through a symlink (npm
 * installs the binary as node_modules/.bin/multi-user-ip → …/dist/scripts/cli.js).
 *
 * @example
 * ```ts
 * if (isMainModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export function isMainModule(url: string): boolean {
  const started = process.argv[1];
  if (started === undefined) return false;
  try {
    return realpathSync(started) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
