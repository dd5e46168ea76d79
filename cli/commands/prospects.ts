/**
 * `followup prospects find EMAIL`: the prospects an email (or a phone, or the start of a
 * name or company) finds, one line per enrollment with the enrollment id `followup stop`
 * takes. The search answers people; their enrollments come from each one's view (a few
 * requests: an exact email or phone finds one person).
 */
import type { Command } from 'commander';
import { prospectsPage, prospectView, type ProspectView } from '../../functions/contract/queries.js';
import { contextOf, pathWith } from '../context.js';
import { printJson, table } from '../output.js';
import { fullName } from './format.js';

/** Prospects whose enrollments are looked up; a broader match lists the people only. */
const DETAILED = 20;

export function registerProspects(program: Command): void {
  const prospects = program.command('prospects').description('find prospects');
  prospects
    .command('find')
    .description('find prospects by email or phone (exact), or by the start of a name or company, with their enrollments')
    .argument('<query>', 'an email address, a phone number, or the start of a name or company')
    .action(async (query: string, _options, command: Command) => {
      const { client, output } = contextOf(command);
      const page = await client.json('GET', '/prospects', prospectsPage, { query: { q: query, limit: 100 } });
      const detailed = page.items.length <= DETAILED;
      const views = detailed ? await Promise.all(page.items.map((p) => client.json('GET', pathWith('/prospects/{id}', { id: p.id }), prospectView))) : [];
      if (output.json) return printJson(output, detailed ? { items: views, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } : page);
      if (page.items.length === 0) return output.note(`no prospect matches ${JSON.stringify(query)}`);
      const enrollmentsOf = new Map<string, ProspectView['enrollments']>(views.map((view) => [view.prospect.id, view.enrollments]));
      const rows = page.items.flatMap((p) => {
        const person = [p.id, fullName(p), p.email, p.phone, p.company];
        const enrollments = enrollmentsOf.get(p.id) ?? [];
        if (enrollments.length === 0) return [[...person, undefined, undefined, undefined]];
        return enrollments.map((e) => [...person, e.id, e.status, e.nextTouchAt]);
      });
      output.print(table(['PROSPECT', 'NAME', 'EMAIL', 'PHONE', 'COMPANY', 'ENROLLMENT', 'STATUS', 'NEXT TOUCH'], rows));
      if (!detailed) output.note(`${page.items.length} prospects match: their enrollments are listed for ${DETAILED} or fewer; narrow the query`);
      else if (page.nextCursor) output.note('more prospects match: narrow the query');
    });
}
