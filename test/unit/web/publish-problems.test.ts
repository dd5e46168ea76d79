/** The editor puts each publish problem at the file, step and line the API names. */
import { describe, expect, it } from 'vitest';
import { locateProblem } from '../../../web/src/publish-problems.js';

const FILES = ['01-intro.email.liquid', '02-check-in.sms.liquid'];

describe('locateProblem', () => {
  it('reads a template problem with its step and line', () => {
    const text = 'templates/inbound-lead-follow-up/02-check-in.sms.liquid (step check-in): unknown variable "prospect.nickname" — prospects have firstName (line 3)';
    expect(locateProblem(text, FILES)).toEqual({ file: '02-check-in.sms.liquid', step: 'check-in', line: 3, message: text });
  });

  it('reads a definition problem naming a step', () => {
    const text = 'templates/x/sequence.yaml: step "check-in" (steps[1]): wait: "3 weeks" is not a valid wait';
    expect(locateProblem(text, FILES)).toEqual({ file: 'sequence.yaml', step: 'check-in', message: text });
  });

  it('reads a front-matter problem with its line, and puts what names no known file at the definition', () => {
    const text = 'templates/x/01-intro.email.liquid (step intro): line 2: unknown front matter field "subjet" — allowed: subject, text';
    expect(locateProblem(text, FILES)).toMatchObject({ file: '01-intro.email.liquid', step: 'intro', line: 2 });
    expect(locateProblem('templates/x/99-new.sms.liquid (step new): template file not found', FILES)).toMatchObject({ file: 'sequence.yaml', step: 'new' });
    expect(locateProblem('expected {"definition": {...}}', FILES)).toEqual({ file: 'sequence.yaml', message: 'expected {"definition": {...}}' });
  });
});
