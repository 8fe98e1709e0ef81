/**
 * A headless Chromium for the report tests, with nothing installed by hand: the one inside the
 * `@sparticuz/chromium` npm package (Linux x64/arm64; unpacked to the temporary directory on first use),
 * driven by puppeteer-core. Elsewhere (macOS, Windows) set CHROME_PATH to a Chrome or Chromium binary.
 */
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

/** The network is closed to the reports: nothing in Chromium may try to reach it either. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Starts the browser (one per test file: it takes about a second).
 *
 * @example
 * ```ts
 * const browser = await launchBrowser();
 * const page = await browser.newPage();
 * ```
 */
export async function launchBrowser(): Promise<Browser> {
  let executablePath = process.env.CHROME_PATH;
  if (!executablePath) {
    if (process.platform !== 'linux') {
      throw new Error(
        `@sparticuz/chromium ships a Linux Chromium only; on ${process.platform} set CHROME_PATH to a Chrome or Chromium binary`,
      );
    }
    executablePath = await chromium.executablePath();
  }
  return puppeteer.launch({ executablePath, headless: true, args: ARGS });
}
