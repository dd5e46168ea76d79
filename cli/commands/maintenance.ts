/**
 * `followup maintenance phone-holders`: for a stack deployed before phone holders items
 * existed, lists every profile's phone in its holders item, then marks the table, so
 * enrolling stops asking the byPhone index once per row (README "Upgrading"). One
 * `POST /maintenance/phone-holders` per step, each answered inside the API's 29 s,
 * until the answer says done. Safe to run while imports run, and to run again.
 */
import type { Command } from 'commander';
import { phoneHoldersResponse } from '../../functions/contract/maintenance.js';
import { CliError } from '../client.js';
import { contextOf } from '../context.js';
import { fields, printJson } from '../output.js';

export function registerMaintenance(program: Command): void {
  const maintenance = program.command('maintenance').description('one-off upkeep of a deployed table after an upgrade');
  maintenance
    .command('phone-holders')
    .description('backfill the phone holders items of a table written before they existed (then imports stop querying byPhone)')
    .option('--cursor <cursor>', 'resume where an interrupted run stopped (it prints the cursor)')
    .action(async (options: { cursor?: string }, command: Command) => {
      const { client, output } = contextOf(command);
      const total = { steps: 0, prospects: 0, phones: 0 };
      let cursor = options.cursor;
      for (;;) {
        const step = await client
          .json('POST', '/maintenance/phone-holders', phoneHoldersResponse, { ...(cursor ? { body: { cursor } } : {}) })
          .catch((error: unknown) => {
            if (error instanceof CliError && cursor) throw new CliError(`${error.message}; resume with --cursor ${cursor}`);
            throw error;
          });
        total.steps += 1;
        total.prospects += step.prospects;
        total.phones += step.phones;
        if (step.done || !step.cursor) break;
        cursor = step.cursor;
        if (!output.json) output.note(`step ${total.steps}: ${total.prospects.toLocaleString('en-US')} prospects with a phone listed so far`);
      }
      if (output.json) return printJson(output, { done: true, ...total });
      await output.write(`${fields([['done', 'yes: enrolling reads the holders items, no byPhone Query'], ['steps', total.steps], ['prospects', total.prospects], ['phones', total.phones]])}\n`);
    });
}
