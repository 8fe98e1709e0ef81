#!/usr/bin/env node
/**
 * `multi-user-ip <command> [flags]`: the package's one binary. Each subcommand is a module of
 * scripts/ exporting `main(argv)` → exit code, loaded only when asked for (detect does not pay for
 * validate's imports). Installed, this runs as compiled JavaScript (dist/scripts/cli.js); in the repo
 * the npm scripts run the same entry through tsx.
 */
import { isMainModule } from './lib/cli.ts';

/** The subcommands, each with a one-line description for the overview. */
const COMMANDS: Record<string, { about: string; load: () => Promise<{ main: (argv: string[]) => Promise<number> }> }> = {
  'build-table': { about: 'compile prefix lists into the binary table', load: () => import('./build-table.ts') },
  detect: { about: 'find multi-user prefixes in request logs', load: () => import('./detect.ts') },
  validate: { about: 'score a prefix list on RIPE Atlas ground truth', load: () => import('./validate.ts') },
  rebuild: { about: 'detect → merge → validate → build, with the churn guard', load: () => import('./rebuild.ts') },
  simulate: { about: 'write a simulated log with its ground truth', load: () => import('./simulate.ts') },
};

const USAGE = `usage: multi-user-ip <command> [flags]   (multi-user-ip <command> --help for its flags)
commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.about}`)
  .join('\n')}`;

/**
 * Runs `multi-user-ip` with these arguments and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['build-table', '--help']);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`multi-user-ip: ${name === undefined ? 'no command given' : `unknown command ${name}`}\n${USAGE}\n`);
    return 2;
  }
  return (await command.load()).main(rest);
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
