import { describe, expect, it } from 'vitest';
import {
  compileSequence,
  isFirstSmsStep,
  isThreadedStep,
  parseWait,
  SequenceValidationError,
} from '../../../functions/domain/sequence-definition.js';

type Def = Record<string, unknown> & { steps: Record<string, unknown>[] };

function baseDefinition(): Def {
  return {
    name: 'Test sequence',
    owner: 'sales@northwind.example',
    defaultTimezone: 'America/New_York',
    sender: {
      name: 'Dana Whitfield',
      company: 'Northwind Analytics',
      email: { from: 'dana@northwind.example' },
      sms: { from: '+15005550006' },
    },
    attributes: { industry: 'logistics' },
    steps: [
      { id: 'intro', channel: 'email', wait: 0, template: '01-intro.email.liquid' },
      { id: 'checkin', channel: 'sms', wait: '2 days', template: '02-checkin.sms.liquid' },
      { id: 'story', channel: 'email', wait: '3 business days', template: '03-story.email.liquid' },
    ],
  };
}

function baseTemplates(): Record<string, string> {
  return {
    '01-intro.email.liquid': '---\nsubject: Hello from {{ sender.company }}\n---\nHi {{ prospect.firstName | default: "there" }},\n\nThanks!\n',
    '02-checkin.sms.liquid': 'Hi {{ prospect.firstName | default: "there" }}, Dana here.\n',
    '03-story.email.liquid': 'Hi {{ prospect.firstName | default: "there" }}, a story about {{ attributes.industry | default: "teams" }}.\n',
  };
}

function compile(definition: unknown = baseDefinition(), templates = baseTemplates()) {
  return compileSequence({ id: 'x', definition, templates });
}

/** The problems a compile reports (fails the test when it compiles). */
function problems(definition: unknown = baseDefinition(), templates = baseTemplates()): string[] {
  try {
    compile(definition, templates);
  } catch (error) {
    if (error instanceof SequenceValidationError) {
      expect(error.message).toBe(error.problems.join('\n'));
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected a SequenceValidationError');
}

describe('compileSequence: valid input', () => {
  it('applies the defaults and keeps steps in order', () => {
    const compiled = compile();
    expect(compiled.id).toBe('x');
    expect(compiled.warnings).toEqual([]);
    expect(compiled.definition).toMatchObject({
      window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
      stopOnReply: true,
      onPermanentFailure: 'skip_step',
      attributes: { industry: 'logistics' },
    });
    expect(compiled.definition.steps.map((s) => [s.id, s.channel, s.wait])).toEqual([
      ['intro', 'email', { amount: 0, unit: 'minutes' }],
      ['checkin', 'sms', { amount: 2, unit: 'days' }],
      ['story', 'email', { amount: 3, unit: 'businessDays' }],
    ]);
  });

  it('splits an email file into subject and body; threaded follow-ups inherit the first subject', () => {
    const { templates } = compile();
    expect(templates.intro).toEqual({
      channel: 'email',
      subject: 'Hello from {{ sender.company }}',
      html: '',
      text: 'Hi {{ prospect.firstName | default: "there" }},\n\nThanks!',
    });
    expect(templates.story).toMatchObject({ subject: 'Hello from {{ sender.company }}' });
    expect(templates.checkin).toEqual({ channel: 'sms', body: 'Hi {{ prospect.firstName | default: "there" }}, Dana here.' });
  });

  it('hashes content, not key order', () => {
    const reordered = Object.fromEntries(Object.entries(baseDefinition()).reverse());
    expect(compile(reordered).hash).toBe(compile().hash);
    const changed = { ...baseTemplates(), '02-checkin.sms.liquid': 'Hi, Dana here.' };
    expect(compile(baseDefinition(), changed).hash).not.toBe(compile().hash);
  });

  it('knows which steps reply in the thread and which SMS is first', () => {
    const { definition } = compile();
    expect(definition.steps.map((_, i) => isThreadedStep(definition, i))).toEqual([false, false, true]);
    expect(definition.steps.map((_, i) => isFirstSmsStep(definition, i))).toEqual([false, true, false]);
  });

  it('requires a subject on a newThread email and then does not thread it', () => {
    const def = baseDefinition();
    def.steps[2] = { ...def.steps[2], newThread: true };
    expect(problems(def)).toEqual([
      'templates/x/03-story.email.liquid (step story): "subject:" is required in the front matter — this email starts a thread',
    ]);
    const templates = { ...baseTemplates(), '03-story.email.liquid': '---\nsubject: A story\n---\nHello' };
    const { definition } = compile(def, templates);
    expect(isThreadedStep(definition, 2)).toBe(false);
  });

  it('warns that a threaded step’s own subject is only a fallback', () => {
    const templates = { ...baseTemplates(), '03-story.email.liquid': '---\nsubject: A story\n---\nHello' };
    expect(compile(baseDefinition(), templates).warnings).toEqual([
      'templates/x/03-story.email.liquid (step story): this follow-up replies in the thread of step intro as "Re: <its subject>"; its own subject is only used if step intro was not sent — set newThread: true to always use it',
    ]);
  });

  it('takes an HTML body as the HTML part and a front-matter text part', () => {
    const templates = {
      ...baseTemplates(),
      '01-intro.email.liquid': '---\nsubject: "Hi {{ prospect.firstName | default: \'there\' }}"\ntext: |\n  Plain {{ sender.name }}\n  second line\n---\n<p>Rich</p>',
    };
    expect(compile(baseDefinition(), templates).templates.intro).toEqual({
      channel: 'email',
      subject: "Hi {{ prospect.firstName | default: 'there' }}",
      html: '<p>Rich</p>',
      text: 'Plain {{ sender.name }}\nsecond line',
    });
  });
});

describe('parseWait', () => {
  it.each([
    ['0', 0, 'minutes'],
    [0, 0, 'minutes'],
    ['immediately', 0, 'minutes'],
    ['30 minutes', 30, 'minutes'],
    ['90m', 90, 'minutes'],
    ['4 hours', 4, 'hours'],
    ['2h', 2, 'hours'],
    ['2 days', 2, 'days'],
    ['3d', 3, 'days'],
    ['1 week', 7, 'days'],
    ['3 business days', 3, 'businessDays'],
    ['2bd', 2, 'businessDays'],
    [{ amount: 2, unit: 'businessDays' }, 2, 'businessDays'],
    [{ amount: 45, unit: 'minutes' }, 45, 'minutes'],
  ])('%j → %d %s', (input, amount, unit) => {
    expect(parseWait(input)).toEqual({ amount, unit });
  });

  it('explains what is wrong', () => {
    expect(parseWait('3 fortnights')).toBe('"3 fortnights" is not a valid wait — unknown unit "fortnights"; use e.g. "0", "30 minutes", "4 hours", "2 days" or "3 business days"');
    expect(parseWait('1.5h')).toBe('"1.5h" is not a valid wait — use a whole number that is 0 or more (e.g. "90 minutes" instead of "1.5 hours")');
    expect(parseWait(3)).toBe('3 is not a valid wait — add a unit, e.g. "3 days"');
  });
});

describe('compileSequence: definition errors', () => {
  it('collects every problem, naming the file, the step and the field', () => {
    const def = baseDefinition();
    def.defaultTimezone = 'America/Gotham';
    def.owner = 'sales@';
    def.steps[1] = { ...def.steps[1], wait: '3 fortnights' };
    def.steps[2] = { ...def.steps[2], wiat: '2 days' };
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: owner: "sales@" is not a valid email address',
      'templates/x/sequence.yaml: defaultTimezone: "America/Gotham" is not an IANA time zone (e.g. America/New_York, Europe/Berlin)',
      'templates/x/sequence.yaml: step "checkin" (steps[1]): wait: "3 fortnights" is not a valid wait — unknown unit "fortnights"; use e.g. "0", "30 minutes", "4 hours", "2 days" or "3 business days"',
      'templates/x/sequence.yaml: step "story" (steps[2]): unknown field "wiat"',
    ]);
  });

  it('reports required fields and bad values', () => {
    const def = baseDefinition();
    delete def.owner;
    def.onPermanentFailure = 'retry_forever';
    def.steps[0] = { ...def.steps[0], channel: 'fax', id: 'Intro Email' };
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: owner: is required',
      'templates/x/sequence.yaml: onPermanentFailure: "retry_forever" is not allowed — use skip_step or fail_enrollment',
      'templates/x/sequence.yaml: step "Intro Email" (steps[0]): id: "Intro Email" is not a valid step id — use 1–48 lower-case letters, digits and dashes, starting with a letter or digit',
      'templates/x/sequence.yaml: step "Intro Email" (steps[0]): channel: "fax" is not a channel — use email, sms, call, voicemail or task',
    ]);
  });

  it('rejects a bad sequence id, duplicate steps, wrong or missing template files', () => {
    const def = baseDefinition();
    def.steps[2] = { id: 'intro', channel: 'email', wait: '1d', template: '03-story.sms.liquid' };
    def.steps.push({ id: 'later', channel: 'sms', wait: '1d', template: '04-later.sms.liquid' });
    expect(() => compileSequence({ id: 'Bad_Id', definition: baseDefinition(), templates: baseTemplates() })).toThrow(
      'templates/Bad_Id: sequence id "Bad_Id" is not valid',
    );
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: step "intro" (steps[2]): id "intro" is used by an earlier step',
      'templates/x/sequence.yaml: step "intro" (steps[2]): template "03-story.sms.liquid" is an sms template but the step\'s channel is email',
      'templates/x/04-later.sms.liquid (step later): template file not found',
    ]);
  });

  it('requires the sender addresses the channels need', () => {
    const def = baseDefinition();
    def.sender = { name: 'Dana' };
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: sender.email.from is required because step "intro" sends email',
      'templates/x/sequence.yaml: sender.sms.from (an E.164 number) or sender.sms.messagingServiceSid is required because step "checkin" sends SMS',
    ]);
    def.sender = { name: 'Dana', company: 'Northwind', email: 'dana@northwind.example', sms: { messagingServiceSid: 'MGnothex' } };
    expect(problems(def)).toEqual(['templates/x/sequence.yaml: sender.sms.messagingServiceSid: must be "MG" followed by 32 hex digits']);
    def.sender = { name: 'Dana', company: 'Northwind', email: 'dana@northwind.example', sms: { messagingServiceSid: `MG${'a1'.repeat(16)}` } };
    expect(compile(def).definition.sender.email).toEqual({ from: 'dana@northwind.example' });
  });

  it('reads allowConcurrent and stopOnReplyFrom; leaves the defaults out so existing definitions keep their hash', () => {
    const plain = compile();
    expect(plain.definition).not.toHaveProperty('allowConcurrent');
    expect(plain.definition).not.toHaveProperty('stopOnReplyFrom');
    expect(compile({ ...baseDefinition(), allowConcurrent: false, stopOnReplyFrom: 'prospect' }).hash).toBe(plain.hash);
    const both = compile({ ...baseDefinition(), allowConcurrent: true, stopOnReplyFrom: 'account' });
    expect(both.definition).toMatchObject({ allowConcurrent: true, stopOnReplyFrom: 'account' });
    expect(problems({ ...baseDefinition(), stopOnReplyFrom: 'company' }).join('\n')).toMatch(/stopOnReplyFrom.*"company" is not allowed — use prospect .* or account/);
    expect(problems({ ...baseDefinition(), allowConcurrent: 'yes' }).join('\n')).toMatch(/allowConcurrent: must be true or false, got "yes"/);
  });

  it('rejects an SMS step whose window does not overlap 08:00–21:00', () => {
    const def = baseDefinition();
    def.steps[1] = { ...def.steps[1], window: { days: 'weekdays', start: '21:00', end: '23:00' } };
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: step "checkin" (steps[1]): its window 21:00–23:00 leaves no time to send — SMS may only be sent 08:00–21:00 local time',
    ]);
  });

  it('validates windows: days, times and order', () => {
    const def = baseDefinition();
    def.window = { days: ['mon', 'funday'], start: '9:00', end: '17:00' };
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: window: days: "funday" is not a day — use a list like [mon, tue, wed, thu, fri], or "weekdays" / "every day"',
    ]);
    def.window = { start: '17:00', end: '09:00' };
    expect(problems(def)).toEqual([
      'templates/x/sequence.yaml: window: start 17:00 must be before end 09:00 (windows cannot cross midnight)',
    ]);
    def.window = { days: ['Monday', 'sat'], start: '8:30', end: '24:00' };
    expect(compile(def).definition.window).toEqual({ days: ['mon', 'sat'], start: '08:30', end: '24:00' });
  });
});

describe('compileSequence: template errors', () => {
  const withTemplate = (file: string, source: string) => ({ ...baseTemplates(), [file]: source });

  it('reports a variable that may be missing, with the default to add', () => {
    expect(problems(baseDefinition(), withTemplate('02-checkin.sms.liquid', 'Hi {{ prospect.firstName }}, Dana here.'))).toEqual([
      'templates/x/02-checkin.sms.liquid (step checkin): variable "prospect.firstName" may be missing — add | default: "there" (line 1)',
    ]);
  });

  it('reports all missing variables of one template, at their file lines', () => {
    const source = '---\nsubject: For {{ prospect.company }}\n---\n\nHi {{ prospect.firstName }},\n{{ prospect.phone }}';
    expect(problems(baseDefinition(), withTemplate('01-intro.email.liquid', source))).toEqual([
      'templates/x/01-intro.email.liquid (step intro): variable "prospect.company" may be missing — add | default: "your team" (line 2)',
      'templates/x/01-intro.email.liquid (step intro): variable "prospect.firstName" may be missing — add | default: "there" (line 5)',
      'templates/x/01-intro.email.liquid (step intro): variable "prospect.phone" may be missing — add | default: "…" or wrap it in {% if prospect.phone %} (line 6)',
    ]);
  });

  it('treats prospect.timezone as possibly missing (the prospect may not have one)', () => {
    expect(problems(baseDefinition(), withTemplate('02-checkin.sms.liquid', 'Hi, it is {{ prospect.timezone }} time'))).toEqual([
      'templates/x/02-checkin.sms.liquid (step checkin): variable "prospect.timezone" may be missing — add | default: "…" or wrap it in {% if prospect.timezone %} (line 1)',
    ]);
  });

  it('accepts a variable guarded by {% if %}, and says | default: must come first', () => {
    expect(() => compile(baseDefinition(), withTemplate('02-checkin.sms.liquid', 'Hi{% if prospect.firstName %} {{ prospect.firstName }}{% endif %}!'))).not.toThrow();
    expect(problems(baseDefinition(), withTemplate('02-checkin.sms.liquid', 'Hi {{ prospect.firstName | upcase | default: "you" }}'))).toEqual([
      'templates/x/02-checkin.sms.liquid (step checkin): variable "prospect.firstName" may be missing — | default: must be the FIRST filter (line 1)',
    ]);
  });

  it('names unknown variables, undeclared attributes, unset sender fields and unknown filters', () => {
    const templates = {
      ...baseTemplates(),
      '02-checkin.sms.liquid': '{{ prospect.nickname }} {{ attributes.dealSize }} {{ sender.title }} {{ unsubscribeUrl }}',
      '03-story.email.liquid': 'Hi {{ prospect.email | shout }}',
    };
    expect(problems(baseDefinition(), templates)).toEqual([
      'templates/x/02-checkin.sms.liquid (step checkin): unknown variable "prospect.nickname" — prospects have firstName, lastName, fullName, company, email, phone, timezone; custom fields are attributes.<name> (line 1)',
      'templates/x/02-checkin.sms.liquid (step checkin): unknown variable "attributes.dealSize" — declare dealSize under attributes: in sequence.yaml with a sample value (line 1)',
      'templates/x/02-checkin.sms.liquid (step checkin): variable "sender.title" is not set — add sender.title to sequence.yaml, or add | default: "…" (line 1)',
      'templates/x/02-checkin.sms.liquid (step checkin): variable "unsubscribeUrl" is only available in email templates (line 1)',
      'templates/x/03-story.email.liquid (step story): unknown filter "shout" (line 1)',
    ]);
  });

  it('reports Liquid syntax errors readably', () => {
    expect(problems(baseDefinition(), withTemplate('02-checkin.sms.liquid', 'Hi\n{% if prospect.firstName %}there'))).toEqual([
      'templates/x/02-checkin.sms.liquid (step checkin): "{% if %}" is not closed — add "{% endif %}" (line 2)',
    ]);
    expect(problems(baseDefinition(), withTemplate('02-checkin.sms.liquid', 'Hi {{ prospect.firstName'))).toEqual([
      'templates/x/02-checkin.sms.liquid (step checkin): "{{" is not closed — add "}}" (line 1)',
    ]);
  });

  it('reports front matter mistakes and an empty body', () => {
    const source = '---\nsubjet: Hello\n---\n';
    expect(problems(baseDefinition(), withTemplate('01-intro.email.liquid', source))).toEqual([
      'templates/x/01-intro.email.liquid (step intro): line 2: unknown front matter field "subjet" — allowed: subject, text',
      'templates/x/01-intro.email.liquid (step intro): the email body is empty',
    ]);
  });

  it('warns about multi-segment SMS (with the opt-out footer) and long subjects', () => {
    const templates = {
      ...baseTemplates(),
      '01-intro.email.liquid': `---\nsubject: ${'A very long subject line '.repeat(4)}\n---\nHello`,
      '02-checkin.sms.liquid': `Hi {{ prospect.firstName | default: "there" }}, I’m ${'x'.repeat(60)}`,
    };
    expect(compile(baseDefinition(), templates).warnings).toEqual([
      'templates/x/01-intro.email.liquid (step intro): subject is 99 characters with sample data — over 78 it is often cut off',
      'templates/x/02-checkin.sms.liquid (step checkin): SMS is 2 segments (UCS-2, 96 UTF-16 units) with sample data and the opt-out footer — each segment is billed; ’ forces UCS-2',
    ]);
  });
});
