/**
 * The browser side of the console tests: Debian's chromium through playwright-core, screenshots at desktop and phone
 * width, an axe-core accessibility check, and a watch on the page's console for security-policy violations and errors.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SHOTS = 'test-output/screenshots';
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** What the page reported on its console: policy violations and uncaught errors fail the tests that read it. */
export interface PageWatch {
  problems: string[];
}

export async function openPage(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  // Reduced motion: no fade-ins half way through when axe measures colour contrast or a screenshot is taken.
  const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC', reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const watch: PageWatch = { problems: [] };
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to (load|apply|execute|connect)/i.test(text))
      watch.problems.push(`csp: ${text}`);
  });
  page.on('pageerror', (e) => watch.problems.push(`pageerror: ${e.message}`));
  return { context, page, watch };
}

export async function shot(page: Page, name: string): Promise<void> {
  // Sticky headers land mid-page in a full-page capture taken while scrolled.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

export interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (pinned) in the page and returns the serious and critical violations. Injected through the DevTools
 * protocol, which the page's security policy does not govern (the console itself never needs inline script).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const { violations: found } = await axe.run(document, { resultTypes: ['violations'] });
    // A node that is both invisible and aria-hidden reaches no user (Cloudscape keeps such a copy of the top
    // navigation to measure it); axe still runs some rules on it.
    const unperceivable = (target: unknown[]) => {
      const el = typeof target[0] === 'string' ? document.querySelector(target[0]) : null;
      return Boolean(el?.closest('[aria-hidden="true"]') && getComputedStyle(el as Element).visibility === 'hidden');
    };
    return found
      .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !unperceivable(n.target)) }))
      .filter((v) => v.nodes.length > 0);
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })),
    }));
}

/** True when the page is wider than the viewport (the user would have to scroll sideways). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/**
 * Cells of the page's table whose text a reader cannot read whole, in the columns named by `headers`: cut with
 * an ellipsis (content wider than its box) or a word broken across lines ("Complete|d"; `breakable` columns hold paths,
 * which may wrap anywhere). `widest` gives, per column, a text put in each of its cells first (the widest value the column
 * can hold). Returns "<column>: <text>".
 */
export async function unreadableCells(
  page: Page,
  headers: string[],
  options: { breakable?: string[]; widest?: Record<string, string> } = {},
): Promise<string[]> {
  return page.evaluate(
    ([wanted, breakable, widest]) => {
      // The table with rows (a sticky header is drawn as a table of its own, headers only).
      const table = [...document.querySelectorAll('table')].find((t) => t.querySelector('tbody tr'));
      if (!table) return ['no table with rows'];
      const heads = [...table.querySelectorAll('thead th')];
      const columns = wanted.map((name) => ({
        name,
        index: heads.findIndex((th) => (th.textContent ?? '').trim().startsWith(name)),
      }));
      const problems: string[] = [];
      // A column pushed out of view is no more readable than a cut one.
      const box = table.parentElement;
      if (box && box.scrollWidth > box.clientWidth + 1)
        problems.push(`table: ${box.scrollWidth} px wide in ${box.clientWidth} px (scrolls sideways)`);
      const textNodes = (root: Element) => {
        const nodes: Node[] = [];
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
        return nodes;
      };
      const brokenWord = (root: Element) => {
        for (const node of textNodes(root)) {
          const text = node.textContent ?? '';
          for (const m of text.matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index!);
            range.setEnd(node, m.index! + m[0].length);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (tops.size > 1) return m[0];
          }
        }
        return undefined;
      };
      for (const { name, index } of columns) {
        if (index < 0) {
          problems.push(`${name}: no such column`);
          continue;
        }
        const cells = [
          heads[index],
          ...[...table.querySelectorAll('tbody tr')].map((tr) => tr.children[index]).filter(Boolean),
        ];
        // Values that vary (random ids, dates) are checked at their widest, written in the same pass as the
        // measurement so that no re-render can put the real value back in between.
        const wide = widest[name];
        if (wide !== undefined)
          for (const cell of cells.slice(1)) {
            const value = textNodes(cell).find((node) => (node.nodeValue ?? '').trim());
            if (value) value.nodeValue = wide;
          }
        for (const cell of cells) {
          const cut = [cell, ...cell.querySelectorAll('*')].some(
            (el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible',
          );
          // Paths and host names (bucket/prefix, registry/prefix) may wrap inside; only their headers are words.
          const broken = breakable.includes(name) && cell !== heads[index] ? undefined : brokenWord(cell);
          if (cut || broken)
            problems.push(
              `${name}: ${(cell.textContent ?? '').trim()}${broken ? ` (word "${broken}" broken)` : ' (cut)'}`,
            );
        }
      }
      return problems;
    },
    [headers, options.breakable ?? [], options.widest ?? {}] as const,
  );
}
