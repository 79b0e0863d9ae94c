/**
 * Debian's Chromium, headless, driven by playwright-core (no browser of
 * Playwright's own is downloaded). The browser tests and
 * scripts/report-screenshots.js launch it through here; without it a test
 * is skipped with the standard notice.
 *
 * Every request a page makes is recorded, and any that would leave the page
 * is refused, so a test can assert that a report opened from disk needs
 * nothing but itself.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type Skippable, skipNotice } from './skip.js';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * No network, no first-run work, no component download: the test machine
 * may be offline and must not be written to outside the temp profile.
 */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM}: not installed (apt-get install chromium)`;
}

/**
 * Launch Chromium, or skip the running test with a notice when it is not
 * installed. launch() (not launchPersistentContext) gives every run a fresh
 * temporary user-data-dir, removed on close.
 */
export async function launchBrowser(t: Skippable): Promise<Browser | undefined> {
  const missing = browserMissing();
  if (missing) {
    skipNotice(t, missing);
    return undefined;
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface OpenedFile {
  page: Page;
  /** The page's own URL (file://...). */
  url: string;
  /** Every URL the page asked for, the page itself included, in order. */
  requests: string[];
  /** Those other than the page itself: each was refused. */
  leaving(): string[];
}

/** A new page of `width` CSS pixels showing `file` from disk. */
export async function openFile(browser: Browser, file: string, width = 1200): Promise<OpenedFile> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width, height: 800 }, offline: true, javaScriptEnabled: false });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, url, requests, leaving: () => requests.filter((r) => r !== url) };
}
