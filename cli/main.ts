#!/usr/bin/env node
/**
 * `followup`, the command line of the HTTP API (README "The followup CLI"): the same
 * against `npm start` and a deployed stack, configured by `--url` / FOLLOWUP_URL and
 * FOLLOWUP_API_KEY. Results on stdout (tables, `--json`, CSV), notes and errors on
 * stderr; an error is one line and a non-zero exit: 1 when a request failed, 2 when the
 * command line is wrong.
 *
 * Adding a command:
 * 1. Write `cli/commands/<name>.ts` exporting `register<Name>(program: Command)`, which
 *    adds the command with its description, arguments and options (`--help` then comes
 *    for free), and an action that starts with `const { client, output } = contextOf(command)`.
 * 2. Call the API through `client.json(method, path, schema)` with the response schema
 *    from functions/contract (so the answer is checked), `pathWith` for ids in paths,
 *    `client.text` for CSV. Throw `CliError` for anything the user must fix; option
 *    parsers throw commander's `InvalidArgumentError` (cli/options.ts has the shared ones).
 * 3. Print with cli/output.ts: `printJson(output, answer)` when `output.json`, else a
 *    `table(...)`; long work reports on stderr through cli/progress.ts.
 * 4. Add the register function to COMMANDS below, and a case to test/e2e/cli.test.ts.
 */
import { Command, CommanderError } from 'commander';
import { API_VERSION } from '../functions/contract/openapi.js';
import { CliError, DEFAULT_URL } from './client.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerInbox } from './commands/inbox.js';
import { registerMaintenance } from './commands/maintenance.js';
import { registerProspects } from './commands/prospects.js';
import { registerSequences } from './commands/sequences.js';
import { registerStats } from './commands/stats.js';
import { registerStop } from './commands/stop.js';

const COMMANDS: readonly ((program: Command) => void)[] = [
  registerSequences,
  registerStats,
  registerProspects,
  registerStop,
  registerExport,
  registerInbox,
  registerImport,
  registerMaintenance,
];

function createProgram(): Command {
  const program = new Command('followup')
    .description('Followup from the command line: sequences, stats, prospects, the inbox, exports')
    .version(API_VERSION)
    .option('--url <url>', `the API's URL (default: $FOLLOWUP_URL, else ${DEFAULT_URL})`)
    .option('--json', 'print the API answers as JSON, for scripts')
    .addHelpText(
      'after',
      '\nEnvironment:\n  FOLLOWUP_URL      the API URL (as --url)\n  FOLLOWUP_API_KEY  the admin API key (npm start prints it) or a user access token\n\nExit status: 0 done, 1 a request failed, 2 a wrong command line.',
    )
    // Settings set before the commands are added are inherited by them.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of COMMANDS) register(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // commander has printed its own message (usage errors) or the help/version already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message.split('\n')[0]}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
