/**
 * Every HTML report opened in a real headless Chromium (test/support/browser.ts: @sparticuz/chromium's,
 * driven by puppeteer-core; nothing to install by hand), as a reader would: 1280 px wide, offline. One
 * browser for the file. Screenshots go to test-artifacts/reports/ (git-ignored) for a person to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTable } from '../../scripts/build-table.ts';
import { runDetect } from '../../scripts/detect.ts';
import { runRebuild } from '../../scripts/rebuild.ts';
import { runSimulate } from '../../scripts/simulate.ts';
import { runValidate } from '../../scripts/validate.ts';
import { launchBrowser } from '../support/browser.ts';

// The page functions below run in Chromium; the Node project has no DOM types, so these few are declared here.
declare const document: any;
declare function getComputedStyle(element: unknown): { breakBefore: string };

const root = fileURLToPath(new URL('../../', import.meta.url));
const fx = (p: string) => join(root, 'test/fixtures', p);
const artifacts = join(root, 'test-artifacts/reports');
const dir = mkdtempSync(join(tmpdir(), 'reports-browser-'));
const quiet = () => {};
const LISTS = {
  tor: fx('lists/tor-exit-nodes.excerpt.lst'),
  mullvad: fx('lists/mullvadvpn.excerpt.txt'),
  proton: fx('lists/ProtonVPNExitNodes.excerpt.csv'),
  apple: fx('lists/apple-egress.excerpt.csv'),
  tmobile: fx('lists/tmus-geo-ip.excerpt.txt'),
};

/** What the page should show, beyond the checks every report gets. */
interface Expect {
  /** Charts drawn (canvas ids). */
  charts: string[];
  /** Charts replaced by a "No data" note (ids). */
  empty?: string[];
  /** Legend entries a chart must show. */
  legends?: Record<string, string[]>;
  /** Text the page must contain. */
  text?: string[];
}

const reports: Record<string, { file: string; expect: Expect }> = {};

async function makeReports(): Promise<void> {
  // detect, simulated traffic (the population the detector is tuned on): every chart has data.
  const sim = runSimulate({ outDir: join(dir, 'sim'), seed: 3, days: 4, scale: 0.15, gzip: true });
  await runDetect({
    logs: [sim.logFile],
    asn: join(dir, 'sim/asn.csv'),
    peeringDb: [join(dir, 'sim/peeringdb.json')],
    lists: sim.lists.map((l) => ({ kind: l.kind, file: join(dir, 'sim/lists', l.name) })),
    out: join(dir, 'sim.csv'),
    report: join(dir, 'detect-simulated.html'),
    quiet: true,
  });
  const detected = readFileSync(join(dir, 'sim.csv'), 'utf8');
  // Kinds the simulated detection listed: the legend of "users per listed prefix" must name each one.
  const kinds = [
    ...new Set(
      detected
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]!),
    ),
  ].sort();
  reports['detect-simulated'] = {
    file: 'detect-simulated.html',
    expect: { charts: ['cdf', 'kinds', 'users', 'excluded'], legends: { users: kinds } },
  };

  // detect on the real Apache log: few addresses, no timestamps of many days, nothing listed.
  await runDetect({
    logs: [fx('detect-apache/apache-excerpt.log.gz')],
    out: join(dir, 'apache.csv'),
    report: join(dir, 'detect-apache.html'),
    quiet: true,
  });
  reports['detect-apache'] = {
    file: 'detect-apache.html',
    expect: { charts: ['cdf', 'excluded'], empty: ['kinds', 'users'], text: ['No data: no prefix met the thresholds'] },
  };

  // validate on the real Atlas fixtures, with a list that has errors (long lines that must wrap).
  const list = join(dir, 'list-with-errors.csv');
  writeFileSync(
    list,
    'prefix,kind,users\n46.128.148.0/24,cgnat,300\n195.32.94.0/24,cgnat,\n77.249.189.0/24,cgnat,\n' +
      `not-a-prefix-${'x'.repeat(300)},cgnat,\n81.2.69.0/33,cgnat,\n31.7.8.98/32,enterprise,\n`,
  );
  await runValidate({
    traceroutes: [fx('ripe-atlas/sagan/traceroutes.jsonl'), fx('ripe-atlas/pierky/1033154.json.gz'), fx('ripe-atlas/pierky/3082698.json')],
    list,
    report: join(dir, 'validate.html'),
    print: quiet,
  });
  reports['validate'] = {
    file: 'validate.html',
    // Under the strict default rules no traceroute of these 2012–2015 fixtures labels cgnat (no 100.64/10 hop
    // before the first public one: see test/validate/real-fixtures.test.ts), so the legend names two labels.
    expect: { charts: ['rules'], legends: { rules: ['labels the address not-cgnat', 'labels the address unknown'] }, text: ['2 errors'] },
  };

  // build-table on real lists (Tor and VPN exits, Apple's relay egress, a carrier geofeed: IPv4 and IPv6).
  const inputs = [
    { file: LISTS.tor, kind: 'tor' as const },
    { file: LISTS.mullvad, kind: 'vpn' as const },
    { file: LISTS.proton, kind: 'vpn' as const },
    { file: LISTS.apple, kind: 'relay' as const },
    { file: LISTS.tmobile, kind: 'cgnat' as const },
  ];
  await buildTable({ inputs, out: join(dir, 'table.bin'), report: join(dir, 'build-table.html') });
  const both = ['tor', 'vpn', 'relay', 'cgnat'];
  reports['build-table'] = {
    file: 'build-table.html',
    expect: {
      charts: ['prefixes-per-kind', 'lengths-ipv4', 'lengths-ipv6', 'users-mix', 'sections'],
      legends: { 'prefixes-per-kind': ['IPv4', 'IPv6'], 'lengths-ipv4': both },
      text: ['Free (3 MB gzip)', 'Paid (10 MB gzip)', 'give --previous'],
    },
  };

  // rebuild: last week's table had the Tor and Mullvad lists; this week Mullvad is gone and Apple's relays came in.
  await buildTable({ inputs: [inputs[0]!, inputs[1]!, inputs[4]!], out: join(dir, 'previous.bin'), write: true });
  const outcome = await runRebuild({
    lists: [
      { kind: 'tor', file: LISTS.tor },
      { kind: 'relay', file: LISTS.apple },
      { kind: 'cgnat', file: LISTS.tmobile },
    ],
    previous: join(dir, 'previous.bin'),
    out: join(dir, 'rebuilt.bin'),
    outList: join(dir, 'rebuilt.csv'),
    reportDir: join(dir, 'rebuild'),
    print: quiet,
  });
  expect(outcome.status).toBe('built');
  reports['rebuild'] = {
    file: 'rebuild/table.html',
    expect: {
      charts: ['changes', 'prefixes-per-kind', 'lengths-ipv4', 'lengths-ipv6', 'users-mix', 'sections'],
      legends: { changes: ['added', 'removed'] },
      text: ['Changes against previous.bin'],
    },
  };
}

let browser: Browser;
beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [browser] = await Promise.all([launchBrowser(), makeReports()]);
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ChartState {
  id: string;
  title: string;
  axisTitles: string[];
  legend: string[] | undefined;
  /** Pixels of the canvas in one of the datasets' colours (what was drawn, not only axes). */
  dataPixels: number;
  categoryTicks: { labels: number; ticks: number } | undefined;
  logTicks: string[];
  datasets: number;
}

/** Reads back every chart of the page: its configuration and its pixels. */
async function chartStates(page: Page): Promise<ChartState[]> {
  return page.evaluate(() => {
    const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
    return [...document.querySelectorAll('canvas')].map((canvas) => {
      const chart = (globalThis as any).Chart.getChart(canvas);
      const colours: number[][] = [];
      for (const d of chart.data.datasets)
        for (const c of [d.backgroundColor].flat()) if (typeof c === 'string' && c.startsWith('#')) colours.push(hex(c));
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let dataPixels = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3]! < 250) continue;
        if (colours.some(([r, g, b]) => Math.abs(px[i]! - r!) + Math.abs(px[i + 1]! - g!) + Math.abs(px[i + 2]! - b!) < 12)) dataPixels++;
      }
      const scales = Object.values(chart.scales) as any[];
      const category = scales.find((s) => s.type === 'category');
      const log = scales.find((s) => s.type === 'logarithmic');
      return {
        id: canvas.id,
        title: canvas.closest('figure')?.querySelector('h3')?.textContent ?? '',
        axisTitles: scales.map((s) => (s.options.title.display ? String(s.options.title.text) : '')),
        legend: chart.options.plugins.legend.display ? chart.legend.legendItems.map((i: { text: string }) => i.text) : undefined,
        dataPixels,
        categoryTicks: category ? { labels: chart.data.labels.length, ticks: category.ticks.length } : undefined,
        datasets: chart.data.datasets.length,
        logTicks: log ? log.ticks.map((t: { value: number }) => log.getLabelForValue(t.value)).map(String) : [],
      };
    });
  });
}

describe.each(['detect-simulated', 'detect-apache', 'validate', 'build-table', 'rebuild'])('the %s report in Chromium', (name) => {
  let page: Page;
  const problems: string[] = [];
  beforeAll(async () => {
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (r.url().startsWith('file:')) return void r.continue();
      problems.push(`network request: ${r.url()}`);
      void r.abort();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
    await page.goto(pathToFileURL(join(dir, reports[name]!.file)).href, { waitUntil: 'load' });
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  });
  afterAll(() => page?.close());

  it('loads offline without console errors', () => {
    expect(problems).toEqual([]);
  });

  it('fits a 1280 px window (no horizontal scrolling), also when printed', async () => {
    const fits = () => page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    const [scroll, client] = await fits();
    expect(scroll).toBeLessThanOrEqual(client!);
    await page.emulateMediaType('print');
    const breaks = await page.evaluate(() => [...document.querySelectorAll('body > section')].map((s) => getComputedStyle(s).breakBefore));
    await page.emulateMediaType(undefined);
    expect(breaks.length).toBeGreaterThan(1);
    // Every section after the first starts a new printed page.
    expect(breaks.slice(1).every((b) => b === 'page')).toBe(true);
  });

  it('draws every chart with its data, a title and labelled axes', async () => {
    const states = await chartStates(page);
    const want = reports[name]!.expect;
    expect(states.map((s) => s.id).sort()).toEqual([...want.charts].sort());
    for (const s of states) {
      expect(s.dataPixels, `${s.id}: pixels in the datasets' colours`).toBeGreaterThan(50);
      expect(s.title, `${s.id}: title`).not.toBe('');
      expect(
        s.axisTitles.every((t) => t.length > 0),
        `${s.id}: axis titles ${JSON.stringify(s.axisTitles)}`,
      ).toBe(true);
      // A category axis shows every label (none dropped).
      if (s.categoryTicks) expect(s.categoryTicks.ticks, `${s.id}: category ticks`).toBe(s.categoryTicks.labels);
      // Log axes count things: ticks read as integers (1, 2, 5, 10…), never 1.00, 1.10…
      for (const t of s.logTicks) expect(t, `${s.id}: log tick`).toMatch(/^[1-9]\d{0,2}(,\d{3})*$/);
    }
  });

  it('prints on A4 with each section starting a page', async () => {
    const sections = await page.evaluate(() => document.querySelectorAll('body > section').length);
    const pdf = Buffer.from(await page.pdf({ format: 'A4', printBackground: true })).toString('latin1');
    // Chromium writes one uncompressed "/Type /Page" object per page.
    const pages = (pdf.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(sections);
  });

  it('shows the legends and the empty-state notes the data calls for', async () => {
    const states = await chartStates(page);
    const want = reports[name]!.expect;
    for (const [id, entries] of Object.entries(want.legends ?? {})) {
      expect(states.find((s) => s.id === id)?.legend, `${id}: legend`).toEqual(expect.arrayContaining(entries));
    }
    // A chart with several datasets tells them apart in a legend.
    for (const s of states) if (s.datasets > 1) expect(s.legend, `${s.id}: legend`).toHaveLength(s.datasets);
    const empty = await page.evaluate(() => [...document.querySelectorAll('[data-empty-for]')].map((e: any) => e.dataset.emptyFor));
    expect(empty.sort()).toEqual([...(want.empty ?? [])].sort());
    const text = await page.evaluate(() => document.body.innerText);
    for (const t of want.text ?? []) expect(text).toContain(t);
    for (const id of want.empty ?? []) {
      expect(await page.evaluate((i) => document.querySelector(`[data-empty-for="${i}"]`).innerText, id)).toMatch(/^No data: /);
    }
  });
});
