// Headless Chromium for the storefront's browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (Playwright's own browser download is impossible here; .ci/run installs the
// Debian package when it is missing). Each visitor gets a context of its own: its own storage,
// so its own session and cart, as a separate browser would have.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT_DIR } from '../../../shared/paths';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the run writes a screenshot of each main page (git-ignored; docs/screenshots holds the committed ones). */
export const SCREENSHOTS_DIR = path.join(ROOT_DIR, 'test/browser/screenshots');

// Without the background-networking switches Chromium keeps calling home, which on a closed
// network is a stream of refused connections; as root it needs --no-sandbox.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions of the page's scripts: a test fails when there are any. */
  pageErrors: string[];
}

/** A visitor with a browser of their own, in the locale and time zone the screenshots are taken in. */
export async function newVisitor(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<Visitor> {
  const context = await browser.newContext({
    baseURL,
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
    isMobile: viewport === PHONE,
    hasTouch: viewport === PHONE,
  });
  // Playwright's auto-waiting bounds every step; a stack on two busy cores needs more than 5 s.
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page, pageErrors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  // Fonts settle, and the pointer leaves whatever it last clicked (no hover colours in the picture).
  await page.evaluate(() => document.fonts.ready);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
}
