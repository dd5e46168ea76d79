// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a person sees, which is what these tests assert; it is not the DOM property the rule is about
/**
 * What the console must never do, in real headless Chromium: show a viewer controls that
 * change things (and the API refuses the viewer's forged requests anyway), run prospect
 * data as markup (a name, an attribute and a reply text of `<img src=x onerror=alert(1)>`
 * render as those characters), or publish a broken template without saying where it is.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { describeInBrowser, launchBrowser, screenshots, type BrowserSession } from './support/browser.js';
import { newUserLink, open, SEQUENCE, sendSmsReply, signInWith, tokenOf } from './support/console.js';

const XSS = '<img src=x onerror=alert(1)>';
const PHONE = '+12025550199';

let t: TestRuntime;
let browser: BrowserSession;
let viewer: Page;
let prospectId: string;
let enrollmentId: string;

describeInBrowser('the console, for a viewer and against hostile data', () => {
  beforeAll(async () => {
    t = await startTestRuntime();
    const enrolled = await t.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { prospects: [{ email: 'mallory@example.com', phone: PHONE, firstName: XSS, lastName: 'Doe', company: 'Evil & Co', timezone: 'America/New_York', attributes: { industry: XSS } }] },
    });
    expect(enrolled.body.summary.enrolled).toBe(1);
    ({ prospectId, enrollmentId } = enrolled.body.results[0]);
    await sendSmsReply(t, PHONE, `${XSS} <script>alert(2)</script>`);
    browser = await launchBrowser();
    viewer = await browser.newPage();
    await signInWith(viewer, await newUserLink(t, 'viola@example.com', 'viewer'));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows a viewer no import, publish, stop, pause, resume or mark-handled controls', async () => {
    await expect.poll(() => viewer.locator('header .who').innerText()).toMatch(/viola@example.com\s+viewer/);
    await open(viewer, t, '#/sequences', 'Sequences');
    await viewer.locator(`[data-sequence="${SEQUENCE}"]`).waitFor();
    expect(await viewer.getByRole('link', { name: /Import prospects|Edit and publish/ }).count()).toBe(0);
    await open(viewer, t, `#/sequences/${SEQUENCE}`, 'Inbound lead follow-up');
    expect(await viewer.getByRole('link', { name: /Import prospects|Edit and publish/ }).count()).toBe(0);
    await open(viewer, t, `#/sequences/${SEQUENCE}/import`, 'Import prospects');
    expect(await viewer.locator('input[type="file"]').count()).toBe(0);
    await open(viewer, t, `#/prospects/${prospectId}`);
    await viewer.getByTestId('timeline').waitFor();
    expect(await viewer.getByRole('button', { name: /^(Stop|Pause|Resume)$/ }).count()).toBe(0);
    await open(viewer, t, '#/inbox', 'Inbox');
    await viewer.getByTestId('inbox-text').first().waitFor();
    expect(await viewer.getByRole('button', { name: /Mark/ }).count()).toBe(0);
  });

  it("refuses the viewer's forged stop and import with 403, and nothing changes", async () => {
    const token = await tokenOf(viewer);
    expect(token.split('.')).toHaveLength(3);
    const forged = await viewer.evaluate(
      async ({ enrollmentId, sequence, token }) => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const stop = await fetch(`/enrollments/${enrollmentId}/stop`, { method: 'POST', headers });
        const enroll = await fetch(`/sequences/${sequence}/enrollments`, { method: 'POST', headers, body: JSON.stringify({ prospects: [{ email: 'x@example.com' }] }) });
        return [{ status: stop.status, body: await stop.json() }, { status: enroll.status, body: await enroll.json() }];
      },
      { enrollmentId, sequence: SEQUENCE, token },
    );
    expect(forged).toEqual([
      { status: 403, body: expect.objectContaining({ error: 'this action needs the editor role' }) },
      { status: 403, body: expect.objectContaining({ error: 'this action needs the editor role' }) },
    ]);
    const after = await t.request('GET', `/prospects/${prospectId}`);
    expect(after.body.enrollments[0].status).toBe('replied');
    expect((await t.request('GET', '/prospects?q=x%40example.com')).body.items).toEqual([]);
  });

  it('renders a hostile name, attribute and reply text as characters: no dialog, no img element', async () => {
    await open(viewer, t, `#/prospects/${prospectId}`);
    await viewer.getByTestId('prospect-name').waitFor();
    expect(await viewer.locator('main h1').innerText()).toBe(`${XSS} Doe`);
    expect(await viewer.getByTestId('prospect-name').innerText()).toBe(`${XSS} Doe`);
    expect(await viewer.getByTestId('attributes').innerText()).toContain(XSS);
    expect(await viewer.getByTestId('timeline').innerText()).toContain(`${XSS} <script>alert(2)</script>`);
    await screenshots(viewer, 'prospect-hostile');
    await open(viewer, t, '#/inbox', 'Inbox');
    await expect.poll(() => viewer.getByTestId('inbox-text').first().innerText()).toBe(`${XSS} <script>alert(2)</script>`);
    await open(viewer, t, `#/sequences/${SEQUENCE}`, 'Inbound lead follow-up');
    await viewer.locator('#preview-who').fill('mallory@example.com');
    await viewer.getByRole('button', { name: 'Render' }).click();
    await viewer.getByText('Email for the chosen prospect').waitFor();
    const frame = viewer.getByTestId('preview').locator('iframe');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await open(viewer, t, `#/prospects?q=mallory%40example.com`, 'Prospects');
    await expect.poll(() => viewer.getByTestId('prospects').innerText()).toContain(`${XSS} Doe`);
    expect(await viewer.locator('img').count()).toBe(0);
    expect(await viewer.locator('script:not([src])').count()).toBe(0);
    expect(browser.dialogs).toEqual([]);
  });

  it("shows the API's message for a bad filter next to the field it names", async () => {
    await open(viewer, t, '#/prospects?status=active', 'Prospects');
    const message = viewer.locator('#status-error');
    await message.waitFor();
    expect(await message.innerText()).toMatch(/sequence/);
    expect(await viewer.locator('#status').getAttribute('aria-invalid')).toBe('true');
    expect(await viewer.locator('main h1').innerText()).toBe('Prospects');
  });

  it('publishing a broken template shows the error at the step and line, and publishes nothing', async () => {
    const editor = await browser.newPage();
    await signInWith(editor, t.runtime.signInUrl);
    await open(editor, t, `#/sequences/${SEQUENCE}/edit`, 'Edit and publish');
    const sms = editor.locator('[data-file="02-check-in.sms.liquid"] textarea');
    await sms.waitFor();
    await sms.fill('Hi {{ prospect.nickname }}, did my email reach you?');
    await editor.getByRole('button', { name: 'Publish' }).click();
    const problems = editor.locator('[data-file="02-check-in.sms.liquid"] [data-testid="problems"]');
    await problems.waitFor();
    const text = await problems.innerText();
    expect(text).toContain('(step check-in)');
    expect(text).toContain('prospect.nickname');
    expect(await problems.getByRole('button', { name: 'Line 1' }).count()).toBe(1);
    expect(await editor.locator('[data-file="sequence.yaml"] [data-testid="problems"]').count()).toBe(0);
    expect(await sms.getAttribute('aria-invalid')).toBe('true');
    await screenshots(editor, 'edit-error');
    expect((await t.request('GET', `/sequences/${SEQUENCE}`)).body.sequence.version).toBe(1);

    // Fixed, it publishes version 2; the same content again is a no-op.
    await sms.fill('Hi {{ prospect.firstName | default: "there" }}, did my email reach you?');
    await editor.getByRole('button', { name: 'Publish' }).click();
    await editor.getByText('Published version 2.').waitFor();
    await editor.getByRole('button', { name: 'Publish' }).click();
    await editor.getByText('Nothing changed: version 2 already has this content.').waitFor();
    await screenshots(editor, 'edit');
    expect(browser.dialogs).toEqual([]);
    expect(browser.pageErrors.filter((e) => !/status of (400|403)/.test(e))).toEqual([]);
  });
});
