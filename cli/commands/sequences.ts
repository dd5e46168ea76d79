/**
 * `followup sequences [list]`, `followup sequences show ID`, `followup sequences publish DIR`.
 * Publishing sends the folder as authored (sequence.yaml as JSON and the `*.liquid` files);
 * the server validates it and answers the problems, naming the file, step and variable.
 */
import type { Command } from 'commander';
import { readSequenceFolder, SequenceFolderError } from '../../functions/adapters/sequence-folder.js';
import { publishResponse, sequenceResponse, sequencesList, type PublishedSequenceView } from '../../functions/contract/sequences.js';
import { CliError, oneLine } from '../client.js';
import { contextOf, pathWith } from '../context.js';
import { fields, printJson, table } from '../output.js';
import { formatWait } from './format.js';

export function registerSequences(program: Command): void {
  const sequences = program.command('sequences').description('list, show and publish sequences');

  sequences
    .command('list', { isDefault: true })
    .description('every sequence at its current version')
    .action(async (_options, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await client.json('GET', '/sequences', sequencesList);
      if (output.json) return printJson(output, answer);
      if (answer.sequences.length === 0) return output.note('no sequences are published');
      output.print(
        table(
          ['ID', 'NAME', 'VERSION', 'STEPS', 'PUBLISHED'],
          answer.sequences.map((s) => [s.id, s.name, s.version, s.steps.map((step) => step.channel).join(' → '), s.publishedAt]),
        ),
      );
    });

  sequences
    .command('show')
    .description('one sequence at its current version: its steps, waits and templates')
    .argument('<id>', 'the sequence id (its folder name)')
    .action(async (id: string, _options, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await client.json('GET', pathWith('/sequences/{id}', { id }), sequenceResponse);
      if (output.json) return printJson(output, answer);
      output.print(describeSequence(answer.sequence));
    });

  sequences
    .command('publish')
    .description('publish a sequence folder (sequence.yaml and its *.liquid templates) as a new version')
    .argument('<dir>', 'the folder; its name is the sequence id')
    .action(async (dir: string, _options, command: Command) => {
      const { client, output } = contextOf(command);
      const folder = await readSequenceFolder(dir).catch((error: unknown) => {
        if (error instanceof SequenceFolderError) throw new CliError(oneLine(error.message), 2);
        throw new CliError(`cannot read ${dir}: ${(error as Error).message}`, 2);
      });
      const answer = await client.json('PUT', pathWith('/sequences/{id}', { id: folder.id }), publishResponse, {
        body: { definition: folder.definition, templates: folder.templates },
      });
      if (output.json) return printJson(output, answer);
      const { sequence } = answer;
      output.print(
        answer.created
          ? `published ${sequence.id} version ${sequence.version} (${sequence.definition.steps.length} steps)`
          : `${sequence.id} is unchanged: version ${sequence.version} already has this content`,
      );
      for (const warning of sequence.warnings) output.note(`warning: ${warning}`);
    });
}

function describeSequence(sequence: PublishedSequenceView): string {
  const definition = sequence.definition as PublishedSequenceView['definition'] & { owner?: string; defaultTimezone?: string };
  const head = fields([
    ['Sequence', `${sequence.id} (${definition.name})`],
    ['Version', `${sequence.version}, published ${sequence.publishedAt}`],
    ['Owner', definition.owner],
    ['Default zone', definition.defaultTimezone],
  ]);
  const steps = table(
    ['#', 'STEP', 'CHANNEL', 'WAIT', 'TEMPLATE'],
    definition.steps.map((step, index) => [index + 1, step.id, step.channel, formatWait(step.wait), step.template]),
  );
  const warnings = sequence.warnings.map((warning) => `warning: ${warning}`);
  return [head, '', steps, ...(warnings.length ? ['', ...warnings] : [])].join('\n');
}
