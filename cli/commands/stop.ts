/** `followup stop ENROLLMENT_ID`: stop an enrollment by hand; no touch goes out after it. */
import type { Command } from 'commander';
import { enrollmentControlResponse } from '../../functions/contract/sequences.js';
import { contextOf, pathWith } from '../context.js';
import { printJson } from '../output.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('stop an enrollment (ids: followup prospects find EMAIL)')
    .argument('<enrollment-id>', '<prospect id>.<sequence id>, e.g. p_9b62….inbound-lead-follow-up')
    .option('--reason <text>', 'why, for the timeline (default "stopped by hand")')
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await client.json('POST', pathWith('/enrollments/{id}/stop', { id }), enrollmentControlResponse, {
        ...(options.reason ? { body: { reason: options.reason } } : {}),
      });
      if (output.json) return printJson(output, answer);
      const { enrollment } = answer;
      output.print(
        answer.changed === false
          ? `${enrollment.id} had already ended: ${enrollment.status}${enrollment.endReason ? ` (${enrollment.endReason})` : ''}`
          : `stopped ${enrollment.id} at step ${enrollment.stepIndex + 1}`,
      );
    });
}
