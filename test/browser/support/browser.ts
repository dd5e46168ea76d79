/**
 * Real headless Chromium for the console's tests: Debian's /usr/bin/chromium driven by
 * playwright-core, a fresh profile per launch, against the embedded runtime started
 * in-process. Without Chromium the browser tests are skipped with a message, except in CI
 * (`CI` set), where a missing browser is a failure: .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS_DIR = resolve(import.meta.dirname, '../../../test-artifacts');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM_PATH);

/** `describe`, or a skipped one that says why when Chromium is missing outside CI. */
export function describeInBrowser(name: string, body: () => void): void {
  if (available) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      throw new Error(`${CHROMIUM_PATH} is missing; CI must install it (apt-get install -y chromium, as .ci/run does)`);
    });
  } else {
    console.warn(`[browser tests] skipped "${name}": ${CHROMIUM_PATH} not found (apt-get install -y chromium to run them)`);
    describe.skip(name, body);
  }
}

export interface BrowserSession {
  context: BrowserContext;
  /** Messages of every `alert`/`confirm`/`prompt` any page opened (none should). */
  dialogs: string[];
  /** Errors pages threw, and console errors (CSP violations are console errors) of the console itself. */
  pageErrors: string[];
  /**
   * Console errors of sandboxed email previews (`about:srcdoc`): the console's CSP applies
   * to them too, so an email's inline styles are refused there.
   */
  previewErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const profile = await mkdtemp(join(tmpdir(), 'followup-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const previewErrors: string[] = [];
  const watch = (page: Page) => {
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      (message.location().url === 'about:srcdoc' ? previewErrors : pageErrors).push(message.text());
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    dialogs,
    pageErrors,
    previewErrors,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves the page at 1280 px and at 390 px (a phone) under test-artifacts/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    // Let the page (and a sandboxed preview frame, drawn in its own process) lay out again.
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}
