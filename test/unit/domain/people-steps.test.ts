/**
 * People steps in sequence.yaml (call, voicemail, task): their fields, defaults, templates
 * validated like email and SMS, and the cross-field rules publishing enforces.
 */
import { describe, expect, it } from 'vitest';
import { compileSequence, SequenceValidationError } from '../../../functions/domain/sequence-definition.js';
import { DEFAULT_OUTCOME_ACTIONS } from '../../../functions/domain/people-steps.js';

type Def = Record<string, unknown> & { steps: Record<string, unknown>[] };

function definition(): Def {
  return {
    name: 'Calls',
    owner: 'Sales@Northwind.example',
    defaultTimezone: 'America/New_York',
    sender: { name: 'Dana', company: 'Northwind', email: { from: 'dana@northwind.example' }, sms: { from: '+15005550006' } },
    attributes: { industry: 'logistics' },
    steps: [
      { id: 'intro', channel: 'email', wait: 0, template: '01-intro.email.liquid' },
      {
        id: 'first-call',
        channel: 'call',
        wait: '2 hours',
        template: '02-first-call.call.liquid',
        purpose: 'Find out what prompted the demo request',
        dueWithin: '2 business days',
        collect: ['currentVendor', 'nextPurchase'],
      },
      { id: 'voicemail', channel: 'voicemail', wait: '1 day', template: '03-voicemail.voicemail.liquid', purpose: 'Leave a short reason to call back' },
      { id: 'connect', channel: 'task', wait: '1 day', template: '04-connect.task.liquid', purpose: 'Connect on LinkedIn', assignee: 'Rep@Northwind.example' },
      { id: 'follow-up', channel: 'email', wait: '2 days', template: '05-follow-up.email.liquid' },
    ],
  };
}

function templates(): Record<string, string> {
  return {
    '01-intro.email.liquid': '---\nsubject: Hello\n---\nHi {{ prospect.firstName | default: "there" }}',
    '02-first-call.call.liquid': 'The reason I am calling is your demo request, {{ prospect.firstName | default: "there" }}.',
    '03-voicemail.voicemail.liquid': 'Hi {{ prospect.firstName | default: "there" }}, this is {{ sender.name }} from {{ sender.company }}.',
    '04-connect.task.liquid': 'Send a connection request to {{ prospect.fullName | default: "them" }}.',
    '05-follow-up.email.liquid': 'You use {{ attributes.currentVendor | default: "another tool" }} today.',
  };
}

function compile(def: unknown = definition(), files = templates()) {
  return compileSequence({ id: 'calls', definition: def, templates: files });
}

function problems(def: unknown = definition(), files = templates()): string[] {
  try {
    compile(def, files);
  } catch (error) {
    if (error instanceof SequenceValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a SequenceValidationError');
}

describe('people steps: valid input', () => {
  it('compiles call, voicemail and task steps with their defaults as data', () => {
    const { definition: compiled, templates: compiledTemplates } = compile();
    const [, call, voicemail, task] = compiled.steps;
    expect(call).toMatchObject({
      channel: 'call',
      purpose: 'Find out what prompted the demo request',
      dueWithin: { amount: 2, unit: 'businessDays' },
      collect: ['currentVendor', 'nextPurchase'],
      outcomes: DEFAULT_OUTCOME_ACTIONS,
    });
    expect(call?.assignee).toBeUndefined(); // the owner gets it, at run time
    expect(voicemail).toMatchObject({ channel: 'voicemail', voicemail: { onHuman: 'short_message' } });
    expect(voicemail?.outcomes).toBeUndefined();
    expect(task).toMatchObject({ channel: 'task', assignee: 'rep@northwind.example' });
    expect(compiledTemplates['first-call']).toEqual({ channel: 'call', body: expect.stringContaining('The reason I am calling') });
    expect(compiledTemplates['voicemail']).toMatchObject({ channel: 'voicemail' });
  });

  it('declares collected fields as attributes, so later templates may use them', () => {
    const { definition: compiled } = compile();
    expect(compiled.attributes).toEqual({ industry: 'logistics', currentVendor: '(currentVendor)', nextPurchase: '(nextPurchase)' });
  });

  it('merges a step outcome map over the defaults', () => {
    const def = definition();
    def.steps[1] = { ...def.steps[1], outcomes: { wrong_number: 'stop_opted_out', connected: 'stop_replied' } };
    const call = compile(def).definition.steps[1];
    expect(call?.outcomes).toEqual({ ...DEFAULT_OUTCOME_ACTIONS, wrong_number: 'stop_opted_out', connected: 'stop_replied' });
  });

  it('takes exitOn, a recording with its notice, and a voice caller ID', () => {
    const def: Def = { ...definition(), exitOn: ['meeting_booked', 'deal.won'], recording: { enabled: true, consentNotice: 'This call may be recorded.' } };
    (def['sender'] as Record<string, unknown>)['voice'] = { from: '+15005550007' };
    const compiled = compile(def).definition;
    expect(compiled.exitOn).toEqual(['meeting_booked', 'deal.won']);
    expect(compiled.recording).toEqual({ enabled: true, consentNotice: 'This call may be recorded.' });
    expect(compiled.sender.voice).toEqual({ from: '+15005550007' });
  });

  it('keeps the content hash of a sequence without people steps (no new fields are added to it)', () => {
    const emailOnly = { ...definition(), steps: [definition().steps[0] as Record<string, unknown>] };
    const compiled = compile(emailOnly);
    expect(compiled.definition).not.toHaveProperty('exitOn');
    expect(compiled.definition.steps[0]).not.toHaveProperty('outcomes');
  });
});

describe('people steps: what publishing refuses', () => {
  it('needs a purpose on every people step', () => {
    const def = definition();
    delete def.steps[2]?.['purpose'];
    expect(problems(def)).toEqual([
      `templates/calls/sequence.yaml: step "voicemail" (steps[2]): purpose: is required — one line saying why ("The reason I'm calling is…")`,
    ]);
  });

  it('names unknown outcomes and actions, and pause_until on an outcome without a date', () => {
    const def = definition();
    def.steps[1] = { ...def.steps[1], outcomes: { maybe_later: 'continue', connected: 'celebrate', no_answer: 'pause_until' } };
    const found = problems(def);
    expect(found).toContainEqual(expect.stringContaining('step "first-call" (steps[1]): outcomes.maybe_later: "maybe_later" is not an outcome — use connected, left_voicemail'));
    expect(found).toContainEqual(expect.stringContaining('outcomes.connected: "celebrate" is not an action — use continue, pause_until'));
    expect(found).toContainEqual(expect.stringContaining('outcomes.no_answer: pause_until needs a date, and only call_back carries one'));
  });

  it('validates collect names as attribute names, dueWithin as a duration, the assignee as an email', () => {
    const def = definition();
    def.steps[1] = { ...def.steps[1], collect: ['budget', 'next purchase'], dueWithin: 'soon', assignee: 'not-an-email' };
    const found = problems(def);
    expect(found).toContainEqual(expect.stringContaining('collect.1: "next purchase" is not a valid attribute name'));
    expect(found).toContainEqual(expect.stringContaining('dueWithin: "soon" is not a valid duration'));
    expect(found).toContainEqual(expect.stringContaining('assignee: "not-an-email" is not a valid email address'));
  });

  it('keeps each field on the steps it applies to', () => {
    const def = definition();
    def.steps[0] = { ...def.steps[0], purpose: 'Say hello' };
    def.steps[2] = { ...def.steps[2], dueWithin: '1 day' };
    def.steps[3] = { ...def.steps[3], voicemail: { onHuman: 'connect_rep' } };
    expect(problems(def)).toEqual([
      'templates/calls/sequence.yaml: step "intro" (steps[0]): purpose only applies to call, voicemail and task steps',
      'templates/calls/sequence.yaml: step "voicemail" (steps[2]): dueWithin only applies to call and task steps (a voicemail drop is placed by the engine)',
      'templates/calls/sequence.yaml: step "connect" (steps[3]): voicemail only applies to voicemail steps',
    ]);
  });

  it('needs a caller ID for calls, and a consent notice for recording', () => {
    const def: Def = { ...definition(), recording: { enabled: true } };
    def['sender'] = { name: 'Dana', email: { from: 'dana@northwind.example' }, sms: { messagingServiceSid: `MG${'a'.repeat(32)}` } };
    expect(problems(def)).toEqual([
      'templates/calls/sequence.yaml: sender.voice.from (or sender.sms.from), an E.164 Twilio number, is required as the caller ID because step "first-call" places calls',
      'templates/calls/sequence.yaml: recording.consentNotice is required when recording is enabled — it is played to the prospect before the call connects (e.g. "This call may be recorded.")',
    ]);
  });

  it('checks a voicemail recording URL and the human-answer action', () => {
    const def = definition();
    def.steps[2] = { ...def.steps[2], voicemail: { recordingUrl: 'http://insecure.example/vm.mp3', onHuman: 'hang_up' } };
    const found = problems(def);
    expect(found).toContainEqual(expect.stringContaining('voicemail.recordingUrl: "http://insecure.example/vm.mp3" is not an https:// URL'));
    expect(found).toContainEqual(expect.stringContaining('voicemail.onHuman: "hang_up" is not allowed — use connect_rep or short_message'));
  });

  it('validates scripts with the same strict variables: unknown ones, and ones a prospect may not have', () => {
    const files = templates();
    files['02-first-call.call.liquid'] = 'Hi {{ prospect.nickname }}, about {{ attributes.budget }}.';
    files['04-connect.task.liquid'] = 'Find {{ prospect.fullName }} on LinkedIn.';
    const found = problems(definition(), files);
    expect(found).toContainEqual(expect.stringContaining('02-first-call.call.liquid (step first-call): unknown variable "prospect.nickname"'));
    expect(found).toContainEqual(expect.stringContaining('02-first-call.call.liquid (step first-call): unknown variable "attributes.budget" — declare budget under attributes:'));
    expect(found).toContainEqual(expect.stringContaining('04-connect.task.liquid (step connect): variable "prospect.fullName" may be missing'));
  });

  it('refuses a template whose extension is not the step channel, and unsubscribeUrl outside email', () => {
    const def = definition();
    def.steps[1] = { ...def.steps[1], template: '02-first-call.sms.liquid' };
    expect(problems(def, { ...templates(), '02-first-call.sms.liquid': 'Hi' })).toContainEqual(
      expect.stringContaining('template "02-first-call.sms.liquid" is an sms template but the step\'s channel is call'),
    );
    const files = { ...templates(), '03-voicemail.voicemail.liquid': 'Unsubscribe at {{ unsubscribeUrl }}' };
    expect(problems(definition(), files)).toContainEqual(expect.stringContaining('variable "unsubscribeUrl" is only available in email templates'));
  });

  it('refuses exitOn names that are no event names, and a step window without call hours', () => {
    expect(problems({ ...definition(), exitOn: ['meeting booked'] })).toContainEqual(expect.stringContaining('exitOn.0: "meeting booked" is not an event name'));
    const def = definition();
    def.steps[1] = { ...def.steps[1], window: { start: '21:00', end: '23:00' } };
    expect(problems(def)).toContainEqual(
      expect.stringContaining('step "first-call" (steps[1]): its window 21:00–23:00 leaves no time to send — calls may only be placed 08:00–21:00 local time'),
    );
  });
});
