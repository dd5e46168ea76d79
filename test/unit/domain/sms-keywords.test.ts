import { describe, expect, it } from 'vitest';
import { classifySms, helpText, HELP_KEYWORDS, START_KEYWORDS, STOP_KEYWORDS } from '../../../functions/domain/sms-keywords.js';

describe('classifySms', () => {
  it.each(STOP_KEYWORDS)('%s (any case, padded) is an opt-out', (keyword) => {
    for (const body of [keyword, keyword.toLowerCase(), `  ${keyword[0]}${keyword.slice(1).toLowerCase()}  `, `${keyword}.`, `${keyword}!\n`]) {
      expect(classifySms(body)).toEqual({ intent: 'opt_out', handledByTwilio: false });
    }
  });

  it('accepts OPT OUT and opt-out as OPTOUT', () => {
    expect(classifySms('opt out').intent).toBe('opt_out');
    expect(classifySms('Opt-Out').intent).toBe('opt_out');
  });

  it.each(START_KEYWORDS)('%s is an opt-in', (keyword) => {
    expect(classifySms(keyword.toLowerCase()).intent).toBe('opt_in');
  });

  it.each(HELP_KEYWORDS)('%s is a help request', (keyword) => {
    expect(classifySms(` ${keyword} `).intent).toBe('help');
  });

  it('only the whole body counts: sentences are replies', () => {
    for (const body of ['please stop texting me', 'Stop it, call me instead', 'yes please call me', 'help me choose a plan', 'STOP STOP', '']) {
      expect(classifySms(body).intent).toBe('reply');
    }
  });

  it("honours Twilio's OptOutType over the body", () => {
    expect(classifySms('arrête', 'STOP')).toEqual({ intent: 'opt_out', handledByTwilio: true });
    expect(classifySms('whatever', 'start')).toEqual({ intent: 'opt_in', handledByTwilio: true });
    expect(classifySms('aide', 'HELP')).toEqual({ intent: 'help', handledByTwilio: true });
    expect(classifySms('hello', '')).toEqual({ intent: 'reply', handledByTwilio: false });
  });
});

describe('helpText', () => {
  it('names the sender and says how to stop', () => {
    const text = helpText({ name: 'Dana Whitfield', company: 'Northwind Analytics', email: 'dana@northwind.example' });
    expect(text).toContain('Dana Whitfield at Northwind Analytics');
    expect(text).toContain('dana@northwind.example');
    expect(text).toMatch(/Reply STOP to opt out/);
    expect(helpText({ name: 'Dana' })).toMatch(/^This is Dana\. Reply STOP/);
  });
});
