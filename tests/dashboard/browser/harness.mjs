// What the browser tests share (flows.mjs, oidc.mjs): playwright-core and @axe-core/playwright
// from the folder setup.sh installs them in, required environment variables, the ok/FAIL tally,
// a Chromium page that records the dashboard's own script errors, axe, screenshots and API calls
// made from the page (with its session cookie). Environment: DRAGOPS_DASHBOARD_BROWSER_DIR,
// CHROMIUM (default /usr/bin/chromium).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.DRAGOPS_DASHBOARD_BROWSER_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const tally = { passed: 0, failed: 0 };
export const ok = (what) => { tally.passed++; console.log(`ok   ${what}`); };
export const bad = (what, detail = '') => { tally.failed++; console.log(`FAIL ${what}${detail ? `\n     ${detail}` : ''}`); };
export const check = (cond, what, detail) => (cond ? ok(what) : bad(what, detail));
// Prints "<label>: N passed, M failed" and exits non-zero on any failure.
export function finish(label) {
  console.log(`${label}: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed ? 1 : 0);
}

// A browser, a context (with contextOptions) and a page on the dashboard at url; consoleErrors
// collects the script errors of the dashboard's pages only (a provider's pages load their own).
export async function openDashboard(url, contextOptions = {}) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' && (m.location().url ?? '').startsWith(url)) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.setDefaultTimeout(15000);
  return { browser, context, page, consoleErrors };
}

// axe(name): no WCAG 2.0/2.1/2.2 A or AA violation on what the page shows; shot(name): a full-page
// screenshot into shots; apiFromPage: a fetch from the page, with its cookie.
export function pageTools(page, shots) {
  return {
    async axe(name) {
      const result = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
      check(result.violations.length === 0, `axe: no WCAG 2.2 AA violation on ${name}`,
        result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`).join('\n     '));
    },
    async shot(name) {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    },
    async apiFromPage(method, path, body) {
      return page.evaluate(async ([m, p, b]) => {
        const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json' }, body: b ? JSON.stringify(b) : undefined });
        return { status: r.status, body: await r.text() };
      }, [method, path, body]);
    },
  };
}
