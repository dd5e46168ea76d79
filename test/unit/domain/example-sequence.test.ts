import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadSequenceFromDirectory,
  loadSequencesFromDirectory,
  parseSequenceYaml,
} from '../../../functions/adapters/sequence-files.js';
import { computeNextTouchAt } from '../../../functions/domain/schedule.js';
import { isFirstSmsStep, isThreadedStep, SequenceValidationError } from '../../../functions/domain/sequence-definition.js';
import { renderEmail, renderScript, renderSms, templateVarsFor, type ScriptTemplate } from '../../../functions/domain/templates.js';

describe('templates/phone-first-follow-up', () => {
  it('mixes the channels as the practice says, and compiles with no warnings', async () => {
    const sequence = await loadSequenceFromDirectory('templates/phone-first-follow-up');
    expect(sequence.warnings).toEqual([]);
    expect(sequence.definition.steps.map((s) => `${s.id}:${s.channel}:${s.wait.amount}${s.wait.unit}`)).toEqual([
      'welcome:email:0minutes',
      'first-call:call:1hours',
      'voicemail:voicemail:10minutes',
      'text:sms:1businessDays',
      'value:email:3businessDays',
      'second-call:call:2businessDays',
      'break-up:email:4businessDays',
    ]);
    const [, call, voicemail] = sequence.definition.steps;
    expect(call).toMatchObject({ purpose: expect.stringContaining('book a 30-minute demo'), dueWithin: { amount: 1, unit: 'businessDays' }, collect: ['currentTool', 'teamSize'] });
    expect(call?.outcomes).toMatchObject({ connected: 'stop_replied', meeting_booked: 'stop_converted', call_back: 'pause_until', no_answer: 'continue' });
    expect(voicemail?.voicemail).toEqual({ onHuman: 'connect_rep' });
    expect(sequence.definition).toMatchObject({ exitOn: ['meeting_booked'], sender: { voice: { from: '+15005550006' } } });
  });

  it("reads a call's script and a voicemail like a rep would say them, for a prospect with only a phone", async () => {
    const { definition, templates } = await loadSequenceFromDirectory('templates/phone-first-follow-up');
    const vars = templateVarsFor({ prospect: { phone: '+13125550127', attributes: {} }, sender: definition.sender, timezone: 'America/Chicago' });
    const script = renderScript(templates['first-call'] as ScriptTemplate, vars);
    expect(script).toMatch(/^Hi there, this is Dana Whitfield from Northwind Analytics\. The reason I'm calling is the demo you asked for:/);
    expect(renderScript(templates['voicemail'] as ScriptTemplate, vars)).toContain('Hi there, this is Dana Whitfield from Northwind Analytics.');
    const withTool = templateVarsFor({ prospect: { phone: '+13125550127', firstName: 'Lin', attributes: { currentTool: 'Tableau' } }, sender: definition.sender });
    expect(renderScript(templates['second-call'] as ScriptTemplate, withTool)).toContain('They use Tableau for reporting today.');
  });
});

describe('templates/inbound-lead-follow-up', () => {
  it('compiles with no errors or warnings: 5 touches mixing email and SMS', async () => {
    const all = await loadSequencesFromDirectory('templates');
    expect(all.map((s) => s.id).sort()).toEqual(['inbound-lead-follow-up', 'phone-first-follow-up']);
    const sequence = all.find((s) => s.id === 'inbound-lead-follow-up');
    expect(sequence?.warnings).toEqual([]);
    const steps = sequence?.definition.steps ?? [];
    expect(steps.map((s) => `${s.id}:${s.channel}:${s.wait.amount}${s.wait.unit}`)).toEqual([
      'intro:email:0minutes',
      'check-in:sms:2days',
      'customer-story:email:4businessDays',
      'quick-call:sms:3days',
      'break-up:email:5days',
    ]);
    expect(sequence?.definition).toMatchObject({
      id: 'inbound-lead-follow-up',
      owner: 'sales@northwind.example',
      defaultTimezone: 'America/New_York',
      sender: { name: 'Dana Whitfield', company: 'Northwind Analytics', sms: { from: '+15005550006' } },
      attributes: { industry: 'logistics' },
    });
  });

  it('renders like a real rep wrote it, for a sparse prospect too', async () => {
    const sequence = await loadSequenceFromDirectory('templates/inbound-lead-follow-up');
    const { definition, templates } = sequence;
    const sparse = templateVarsFor({
      prospect: { email: 'p@example.com', phone: '+13125550127', attributes: {} },
      sender: definition.sender,
      unsubscribeUrl: 'https://followup.example/unsubscribe/t',
    });
    const intro = templates.intro;
    const checkIn = templates['check-in'];
    const breakUp = templates['break-up'];
    if (intro?.channel !== 'email' || checkIn?.channel !== 'sms' || breakUp?.channel !== 'email') throw new Error('channels');

    const first = renderEmail(intro, sparse);
    expect(first.subject).toBe('Your Northwind Analytics request');
    expect(first.text.startsWith('Hi there,\n\nThanks for reaching out about Northwind Analytics.')).toBe(true);
    expect(first.text).toContain('Most operations teams I talk to');

    const sms = renderSms(checkIn, sparse, { isFirstSmsOfSequence: isFirstSmsStep(definition, 1) });
    expect(sms).toMatchObject({ segments: 1, encoding: 'GSM-7' });
    expect(sms.body.endsWith('Reply STOP to opt out.')).toBe(true);

    expect(isThreadedStep(definition, 4)).toBe(true);
    const last = renderEmail(breakUp, sparse, { threadSubject: first.subject });
    expect(last.subject).toBe('Re: Your Northwind Analytics request');
    expect(last.text).toContain('good luck with everything this quarter.');
  });

  it('spreads the five touches over about two weeks', async () => {
    const { definition } = await loadSequenceFromDirectory('templates/inbound-lead-follow-up');
    // Enrolled Monday 2025-06-02 10:00 in New York.
    let from = new Date('2025-06-02T14:00:00Z');
    const times: string[] = [];
    for (const step of definition.steps) {
      const { at } = computeNextTouchAt({
        from,
        wait: step.wait,
        window: step.window ?? definition.window,
        channel: step.channel,
        timezone: 'America/New_York',
        defaultTimezone: definition.defaultTimezone,
      });
      times.push(at.toISOString());
      from = at;
    }
    expect(times).toEqual([
      '2025-06-02T14:00:00.000Z', // Mon 10:00
      '2025-06-04T14:00:00.000Z', // Wed 10:00 SMS
      '2025-06-10T14:00:00.000Z', // Tue 10:00 (4 business days)
      '2025-06-13T14:00:00.000Z', // Fri 10:00 SMS
      '2025-06-18T14:00:00.000Z', // Wed 10:00 (Fri + 5 days = Wed)
    ]);
  });
});

describe('sequence-files', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function folder(files: Record<string, string>): Promise<string> {
    root = await mkdtemp(path.join(tmpdir(), 'followup-seq-'));
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), content);
    }
    return root;
  }

  it('reports YAML syntax errors with the file and line', () => {
    const source = 'name: x\nsteps:\n  - id: a\n    wait: [1\n  - id: b\n';
    expect(() => parseSequenceYaml(source, 'templates/x/sequence.yaml')).toThrow(SequenceValidationError);
    expect(() => parseSequenceYaml(source, 'templates/x/sequence.yaml')).toThrow(
      /^templates\/x\/sequence\.yaml line 5, column 3: Flow sequence in block collection must be sufficiently indented/,
    );
    expect(() => parseSequenceYaml('a: 1\na: 2\n', 'f.yaml')).toThrow('f.yaml line 2, column 1: Map keys must be unique');
  });

  it('ignores loose files and folders without sequence.yaml, and reports every broken sequence', async () => {
    const dir = await folder({
      'leads.csv': 'email\na@example.com\n',
      'drafts/notes.txt': 'not a sequence',
      'broken/sequence.yaml': 'owner: nobody\n',
      'other/sequence.yaml': 'steps: [\n',
    });
    const error = await loadSequencesFromDirectory(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SequenceValidationError);
    const problems = (error as SequenceValidationError).problems.map((p) => p.replace(dir, '<root>'));
    expect(problems).toContain('<root>/broken/sequence.yaml: owner: "nobody" is not a valid email address');
    expect(problems).toContain('<root>/broken/sequence.yaml: steps: is required');
    expect(problems.some((p) => p.startsWith('<root>/other/sequence.yaml line 2'))).toBe(true);
    expect(problems.some((p) => p.includes('drafts'))).toBe(false);
  });

  it('loads a folder and names template errors by file', async () => {
    const dir = await folder({
      'hello/sequence.yaml': [
        'owner: a@example.com',
        'defaultTimezone: Europe/Berlin',
        'sender: { name: Ana, email: ana@example.com }',
        'steps:',
        '  - { id: hi, channel: email, wait: immediately, template: hi.email.liquid }',
      ].join('\n'),
      'hello/hi.email.liquid': '---\nsubject: Hi\n---\nHello {{ prospect.firstName }}',
    });
    await expect(loadSequencesFromDirectory(dir)).rejects.toThrow(
      `${dir}/hello/hi.email.liquid (step hi): variable "prospect.firstName" may be missing — add | default: "there" (line 4)`,
    );
    await writeFile(path.join(dir, 'hello/hi.email.liquid'), '---\nsubject: Hi\n---\nHello {{ prospect.firstName | default: "there" }}');
    const [hello] = await loadSequencesFromDirectory(dir);
    expect(hello?.definition).toMatchObject({ id: 'hello', name: 'hello', defaultTimezone: 'Europe/Berlin' });
  });
});
