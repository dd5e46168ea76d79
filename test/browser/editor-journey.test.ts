// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a person sees, which is what these tests assert; it is not the DOM property the rule is about
/**
 * An editor's day in the console, in real headless Chromium against the embedded runtime:
 * sign in with the one-time link, import a CSV (a column mapped by hand, a bad row) and
 * read the per-row results, let two hours pass on the virtual clock and see the sends, see
 * an SMS reply (signed Twilio webhook) and an email reply arrive in the Inbox, stop a
 * prospect, and see the funnel and the reply rate change. Every page is photographed at
 * 1280 px and 390 px into test-artifacts/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { describeInBrowser, launchBrowser, screenshots, type BrowserSession } from './support/browser.js';
import { open, REPLY_DOMAIN, SEQUENCE, sendEmailReply, sendSmsReply, signInWith } from './support/console.js';

const CSV = [
  'Work Mail,First Name,Last Name,Company,Mobile,Time Zone,industry',
  'ann@example.com,Ann,Archer,Acme,+12025550101,America/New_York,logistics',
  'bob@example.com,Bob,Baker,"Beta, Inc.",+12025550102,America/New_York,retail',
  'not-an-email,Nobody,,,,America/New_York,',
  'cy@example.com,Cy,Cole,Gamma,+12025550103,America/New_York,"multi',
  'line"',
  '',
].join('\n');

let t: TestRuntime;
let browser: BrowserSession;
let page: Page;

describeInBrowser('the console, as an editor', () => {
  beforeAll(async () => {
    t = await startTestRuntime({ replyDomain: REPLY_DOMAIN });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in with the one-time link from the banner, and the link works once', async () => {
    await page.goto(`${t.url}/console/`);
    await page.locator('main h1', { hasText: 'Followup console' }).waitFor();
    await screenshots(page, 'sign-in');
    await signInWith(page, t.runtime.signInUrl);
    await page.locator('main h1', { hasText: 'Sequences' }).waitFor();
    await expect.poll(() => page.locator('header .who').innerText()).toMatch(/dev@localhost\s+editor/);
    const again = await browser.newPage();
    await again.goto(t.runtime.signInUrl);
    await again.locator('.error', { hasText: 'already used or has expired' }).waitFor();
    await again.close();
  });

  it('imports a dropped CSV with a mapped column and a bad row, with per-row results', async () => {
    await open(page, t, `#/sequences/${SEQUENCE}/import`, 'Import prospects');
    // Runs in the page: a DataTransfer holding the file, as a drag from the desktop carries it.
    const dataTransfer = await page.evaluateHandle((csv) => {
      const page = globalThis as any;
      const transfer = new page.DataTransfer();
      transfer.items.add(new File([csv], 'leads.csv', { type: 'text/csv' }));
      return transfer;
    }, CSV);
    await page.dispatchEvent('.drop-zone', 'drop', { dataTransfer });
    await expect.poll(() => page.getByTestId('file-summary').innerText()).toContain('leads.csv: 4 rows');
    // Guessed from the header with the API's aliases; "Work Mail" is none, so it is mapped by hand.
    expect(await page.locator('#map-1').inputValue()).toBe('firstName');
    expect(await page.locator('#map-4').inputValue()).toBe('phone');
    expect(await page.locator('#map-0').inputValue()).toBe('attributes.Work Mail');
    await page.locator('#map-0').selectOption('email');
    // A dry run first: every row checked, nobody enrolled.
    await page.getByRole('button', { name: 'Dry run' }).click();
    // An import job: uploaded, then read by the server while the page follows its progress.
    await expect.poll(() => page.getByTestId('import-summary').innerText(), { timeout: 20_000 }).toBe('0 enrolled, 3 skipped, 1 invalid.');
    expect(await page.getByRole('heading', { name: 'Dry run: nothing was imported' }).count()).toBe(1);
    expect(await page.locator('[data-testid="import-results"] tr[data-row="3"]').getAttribute('data-status')).toBe('invalid');
    expect(await page.locator('[data-testid="import-results"] tr[data-row="4"]').innerText()).toMatch(/dry run/);
    await page.getByRole('button', { name: 'Import 4 rows' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Results' }).count(), { timeout: 20_000 }).toBe(1);
    await page.getByTestId('import-summary').waitFor();
    expect(await page.getByTestId('import-summary').innerText()).toBe('3 enrolled, 0 skipped, 1 invalid.');
    const bad = page.locator('[data-testid="import-results"] tr[data-row="3"]');
    expect(await bad.getAttribute('data-status')).toBe('invalid');
    expect(await bad.innerText()).toMatch(/email: "not-an-email" is not a valid email address/);
    expect(await page.locator('[data-testid="import-results"] tr[data-row="4"]').getAttribute('data-status')).toBe('enrolled');
    await screenshots(page, 'import');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the results as CSV' }).click();
    const file = await (await download).createReadStream();
    let text = '';
    for await (const chunk of file) text += chunk;
    expect(text.split('\r\n')[0]).toBe('row,status,reason,prospectId,enrollmentId,warnings');
    expect(text).toMatch(/\r\n3,invalid,/);
  });

  it('shows the sends once the virtual clock has moved on', async () => {
    await t.advance('2h'); // 10:00 in New York: the first emails go out
    await open(page, t, `#/sequences/${SEQUENCE}`, 'Inbound lead follow-up');
    const intro = page.locator('[data-testid="step-stats"] tr[data-step="intro"] td').first();
    await expect.poll(() => intro.innerText()).toBe('3');
    await page.getByTestId('preview').locator('iframe').waitFor();
    expect(await page.getByTestId('preview').locator('iframe').getAttribute('sandbox')).toBe('');
    await screenshots(page, 'sequence');

    await open(page, t, '#/prospects?q=ann%40example.com', 'Prospects');
    await page.getByRole('link', { name: 'Ann Archer' }).click();
    await page.locator('main h1', { hasText: 'Ann Archer' }).waitFor();
    await page.locator('[data-testid="timeline"] tr[data-type="sent"]').first().waitFor();
    expect(await page.getByTestId('attributes').innerText()).toContain('logistics');
  });

  it('sees an SMS reply and an email reply arrive in the Inbox', async () => {
    const before = await funnelText();
    await sendSmsReply(t, '+12025550101', 'Yes, call me Thursday');
    await sendEmailReply(t, 'bob@example.com', 'Happy to talk next week.');
    await open(page, t, '#/inbox', 'Inbox');
    const texts = page.getByTestId('inbox-text');
    await expect.poll(() => texts.allInnerTexts()).toEqual(['Happy to talk next week.', 'Yes, call me Thursday']);
    expect(await page.locator('.inbox-item').first().getAttribute('data-channel')).toBe('email');
    await page.locator('.inbox-item').first().getByRole('button', { name: 'Mark handled' }).click();
    await page.locator('.inbox-item').first().getByText('Handled by dev@localhost').waitFor();
    await screenshots(page, 'inbox');
    expect(await funnelText()).not.toEqual(before);
  });

  it('stops a prospect after confirming, and the funnel and reply rate show the replies', async () => {
    await open(page, t, '#/prospects', 'Prospects');
    await page.locator('#q').fill('Cy Co');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Cy Cole' }).click();
    await page.locator('main h1', { hasText: 'Cy Cole' }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop this enrollment?' });
    await dialog.waitFor();
    await screenshots(page, 'prospect-confirm');
    await dialog.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByTestId('enrollment-status').innerText()).toBe('stopped');
    await expect.poll(() => page.locator('[data-testid="timeline"] tr[data-type="stopped"]').innerText()).toContain('dev@localhost');
    await screenshots(page, 'prospect');

    await open(page, t, `#/prospects?sequence=${SEQUENCE}`, 'Prospects');
    await expect.poll(() => page.locator('[data-testid="prospects"] tbody tr').count()).toBe(3);
    await screenshots(page, 'prospects');

    const funnel = await funnelText();
    expect(funnel).toMatchObject({ enrolled: '3', touched: '3', replied: '2', rate: '67 %' });
    await screenshots(page, 'sequences');
    expect(browser.dialogs).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});

/** The sequences page's funnel for the example sequence. */
async function funnelText(): Promise<Record<string, string>> {
  await open(page, t, '#/sequences', 'Sequences');
  const card = page.locator(`[data-sequence="${SEQUENCE}"]`);
  await card.getByTestId('reply-rate').waitFor();
  const value = (stage: string) => card.locator(`[data-stage="${stage}"] .value`).innerText();
  return { enrolled: await value('enrolled'), touched: await value('touched'), replied: await value('replied'), rate: await card.getByTestId('reply-rate').innerText() };
}
