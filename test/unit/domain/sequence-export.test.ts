/**
 * A published version exported back to files (the console's editor, the export command)
 * publishes again as the very same content: same hash, so re-publishing is a no-op.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadSequenceFromDirectory } from '../../../functions/adapters/sequence-files.js';
import { compileSequence } from '../../../functions/domain/sequence-definition.js';
import { formatWait, sequenceFiles, templateFileSource } from '../../../functions/domain/sequence-export.js';

describe('sequence export', () => {
  it.each(['inbound-lead-follow-up', 'phone-first-follow-up'])('round-trips the example sequence %s to the same hash through YAML', async (id) => {
    const published = await loadSequenceFromDirectory(resolve(import.meta.dirname, '../../../templates', id));
    const files = sequenceFiles(published);
    expect(Object.keys(files.templates).sort()).toEqual(published.definition.steps.map((s) => s.template).sort());
    const again = compileSequence({ id: published.id, definition: parse(stringify(files.definition)), templates: files.templates });
    expect(again.hash).toBe(published.hash);
    expect(again.templates).toEqual(published.templates);
  });

  it('writes a people step as it is authored: dueWithin in words, the script as the whole file', async () => {
    const published = await loadSequenceFromDirectory(resolve(import.meta.dirname, '../../../templates/phone-first-follow-up'));
    const files = sequenceFiles(published);
    const yaml = stringify(files.definition);
    expect(yaml).toContain('dueWithin: 1 business day');
    expect(yaml).toContain('dueWithin: 2 business days');
    expect(files.templates['02-first-call.call.liquid']).toMatch(/^Hi \{\{ prospect\.firstName/);
  });

  it('keeps an HTML body with its own text part, and a quoted subject', () => {
    const source = templateFileSource({ channel: 'email', subject: '"Quoted" {{ sender.name }}"', html: '<p>Hi</p>', text: 'Hi\n\n  indented' });
    const compiled = compileSequence({
      id: 'x',
      definition: {
        owner: 'o@example.com',
        defaultTimezone: 'UTC',
        sender: { name: 'S', email: 's@example.com' },
        steps: [{ id: 'a', channel: 'email', wait: '0', template: 'a.email.liquid' }],
      },
      templates: { 'a.email.liquid': source },
    });
    expect(compiled.templates.a).toEqual({ channel: 'email', subject: '"Quoted" {{ sender.name }}"', html: '<p>Hi</p>', text: 'Hi\n\n  indented' });
  });

  it('says waits in words', () => {
    expect(formatWait({ amount: 0, unit: 'minutes' })).toBe('0');
    expect(formatWait({ amount: 1, unit: 'days' })).toBe('1 day');
    expect(formatWait({ amount: 3, unit: 'businessDays' })).toBe('3 business days');
    expect(formatWait({ amount: 90, unit: 'minutes' })).toBe('90 minutes');
  });
});
