/** `followup stats ID`: a sequence's enrollments by status, its steps and its funnel. */
import type { Command } from 'commander';
import { sequenceStats } from '../../functions/contract/queries.js';
import { contextOf, pathWith } from '../context.js';
import { positiveInt } from '../options.js';
import { fields, percent, printJson, table } from '../output.js';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description("a sequence's enrollments by status, what each step sent and got back, and the funnel")
    .argument('<id>', 'the sequence id')
    .option('--days <n>', 'also print the last N days (UTC), newest first', (value) => positiveInt(value, 90))
    .action(async (id: string, options: { days?: number }, command: Command) => {
      const { client, output } = contextOf(command);
      const stats = await client.json('GET', pathWith('/sequences/{id}/stats', { id }), sequenceStats);
      if (output.json) return printJson(output, stats);
      const statuses = Object.entries(stats.enrollments)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ');
      const { funnel } = stats;
      const blocks = [
        fields([
          ['Sequence', `${stats.sequenceId} (version ${stats.version})`],
          ['Enrolled', stats.enrolled],
          ['By status', statuses || 'none'],
          ['Reply rate', percent(stats.replyRate)],
          [
            'Funnel',
            `enrolled ${funnel.enrolled} → touched ${funnel.touched} → replied ${funnel.replied}; opted out ${funnel.optedOut}, bounced ${funnel.bounced}, completed ${funnel.completed}, converted ${funnel.converted}`,
          ],
        ]),
        table(
          ['STEP', 'CHANNEL', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'REPLIED', 'OPTED OUT', 'BOUNCED', 'FAILED', 'SKIPPED', 'REPLY RATE'],
          stats.steps.map((s) => [s.stepId, s.channel, s.sent, s.delivered, s.opened, s.clicked, s.replied, s.optedOut, s.bounced, s.failed, s.skipped, percent(s.replyRate)]),
        ),
      ];
      if (options.days) {
        const days = stats.daily.slice(-options.days).reverse();
        blocks.push(table(['DAY', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'REPLIED', 'OPTED OUT', 'BOUNCED', 'FAILED'], days.map((d) => [d.day, d.sent, d.delivered, d.opened, d.clicked, d.replied, d.optedOut, d.bounced, d.failed])));
      }
      output.print(blocks.join('\n\n'));
    });
}
