// test_site.mjs - the public site as a reader's browser shows it: starts
// the real dateline server on a free loopback port with a temporary
// database loaded from demo/*.jsonl (as tests/http/harness.py does), drives
// Debian's headless Chromium through playwright-core (no browser download)
// and checks the front page, an article page, its print styles, the
// printable version, the layout at phone and desktop widths, the console
// and the network. Screenshots go to $TEST_OUTPUT/browser/.
//
// Run: node tests/browser/test_site.mjs [TEST-NAME...]
// Environment: DATELINE_BIN (default build/dateline), TEST_OUTPUT (default
// test-output), CHROMIUM (default /usr/bin/chromium), DEMO_DIR (default
// demo: the *.jsonl articles and dateline.ini).
// Prints one line per test and "N passed, N failed, N skipped"; exits 1
// when a test failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, SHOTS, Dateline, closingLine, launchChromium } from './lib.mjs';

const DEMO = path.resolve(ROOT, process.env.DEMO_DIR || 'demo');
const LANG = 'en';
const SANITIZER_MARKS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];

// ---- the server ---------------------------------------------------------

// The dateline server on the demo articles (and demo/dateline.ini when
// there is one).
class Server extends Dateline {
  constructor() { super('dateline-browser-'); }

  async start() {
    const demo = fs.existsSync(DEMO)
      ? fs.readdirSync(DEMO).filter((f) => f.endsWith('.jsonl')).sort()
      : [];
    if (demo.length === 0) throw new Error('no demo articles (demo/*.jsonl)');
    this.demoFiles = demo.map((f) => path.join(DEMO, f));
    const imp = spawnSync(BIN, ['import', '--db', this.db, ...this.demoFiles], { encoding: 'utf8', timeout: 120000 });
    if (imp.error) throw new Error(`dateline import: ${imp.error.message}`);
    if (imp.status !== 0) throw new Error(`dateline import exited ${imp.status}: ${imp.stderr}`);
    const cfg = path.join(DEMO, 'dateline.ini');
    await super.start(fs.existsSync(cfg) ? ['--config', cfg] : []);
  }

  // Demo headlines, to check a page shows an article that was imported.
  headlines() {
    const out = new Set();
    for (const f of this.demoFiles) {
      for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const o = JSON.parse(line);
          const main = (o.headlines || []).find((h) => !h.role || h.role === 'main');
          if (main && main.value) out.add(norm(main.value));
          if (o.headline) out.add(norm(o.headline));
        } catch { /* the importer reports bad lines; not this test's job */ }
      }
    }
    return out;
  }
}

const norm = (s) => String(s).replace(/\s+/g, ' ').trim();

// ---- the tests ----------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const state = {
  server: null, browser: null, context: null, page: null,
  articleUrl: null, headline: null,
  consoleErrors: [], failedRequests: [],
};

// Watches a page for console errors, uncaught exceptions and requests that
// failed or answered 4xx/5xx.
function watch(page) {
  page.on('console', (m) => {
    if (m.type() === 'error') state.consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => state.consoleErrors.push(`${page.url()}: uncaught ${e.message}`));
  page.on('requestfailed', (r) => state.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) state.failedRequests.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
}

async function open(url) {
  const resp = await state.page.goto(url, { waitUntil: 'load', timeout: 15000 });
  assert(resp, `no response for ${url}`);
  assert(resp.status() === 200, `GET ${url}: HTTP ${resp.status()}`);
  return resp;
}

// The first element matching any of the selectors, or null.
async function first(page, selectors) {
  for (const s of selectors) {
    const h = await page.$(s);
    if (h) return { handle: h, selector: s };
  }
  return null;
}

// Visible text of the first match (trimmed), asserting it exists and shows.
async function visibleText(page, what, selectors) {
  const m = await first(page, selectors);
  assert(m, `${what}: none of ${selectors.join(' | ')} on ${page.url()}`);
  assert(await m.handle.isVisible(), `${what} (${m.selector}) is not visible`);
  const t = norm(await m.handle.innerText());
  assert(t.length > 0, `${what} (${m.selector}) is empty`);
  return t;
}

// True when the element or one of its ancestors computes to display: none.
const hiddenByDisplay = (el) => {
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    if (getComputedStyle(e).display === 'none') return true;
  }
  return false;
};

// Semantic markup first, then the classes of themes/default/*.mustache.
const HEADLINE = ['article h1', 'main h1', 'h1'];
const KICKER = ['article .kicker', '.kicker', '[class*="kicker"]'];
const BYLINE = ['article .byline', '.byline', '[class*="byline"]', 'article [rel="author"]', '[rel="author"]'];
const BODY = ['article .story-body', '.story-body', 'article .body', '[class*="article-body"]', '[itemprop="articleBody"]', 'article [class*="body"]'];
const SHARE = ['.story-tools', '.tool-share', '.share', '[class*="share"]', `a[href*="/${LANG}/share/"]`, 'a[href^="mailto:"]'];
const NEWSLETTER = ['.newsletter-box', '.newsletter', '[class*="newsletter"]', 'form[action*="newsletter"]', 'aside:has(a[href*="newsletter"])'];
const SEE_ALSO = ['.see-also', '.related', '[class*="see-also"]', '[class*="related"]', 'aside'];

test('front page', async () => {
  await open(state.server.url(`/${LANG}/`));
  const p = state.page;
  for (const tag of ['header', 'nav', 'main']) assert(await p.$(tag), `front page has no <${tag}>`);
  assert(await p.$(`main a[href*="/${LANG}/news/"]`), `front page main has no link to /${LANG}/news/`);
  const lang = await p.getAttribute('html', 'lang');
  assert(lang && lang.startsWith(LANG), `<html lang> is ${lang}, wanted ${LANG}`);
  assert(norm(await p.title()).length > 0, 'front page has no <title>');
});

test('follow a link to an article', async () => {
  const p = state.page;
  const link = await p.$(`main a[href*="/${LANG}/news/"]`);
  assert(link, `no article link in main on ${p.url()}`);
  const [resp] = await Promise.all([p.waitForNavigation({ waitUntil: 'load', timeout: 15000 }), link.click()]);
  const u = new URL(p.url());
  assert(resp && resp.status() === 200, `GET ${p.url()}: HTTP ${resp && resp.status()}`);
  assert(new RegExp(`^/${LANG}/news/[^/]+$`).test(u.pathname), `landed on ${u.pathname}, not an article`);
  state.articleUrl = p.url();
});

test('article page: headline, kicker, byline, date, See also', async () => {
  assert(state.articleUrl, 'no article page (the previous test failed)');
  const p = state.page;
  if (p.url() !== state.articleUrl) await open(state.articleUrl);
  assert(await p.$('article'), 'article page has no <article>');
  const h = await visibleText(p, 'headline', HEADLINE);
  assert(state.server.headlines().has(h), `headline "${h}" is not a demo article's headline`);
  state.headline = h;
  const title = norm(await p.title());
  assert(title.includes(h), `<title> "${title}" does not contain the headline`);
  const k = await visibleText(p, 'kicker', KICKER);
  assert(k === k.toLocaleUpperCase('en'), `kicker "${k}" is not upper-case`);
  await visibleText(p, 'byline', BYLINE);
  const dt = await p.getAttribute('article time[datetime], time[datetime]', 'datetime');
  assert(dt && !Number.isNaN(Date.parse(dt)), `no <time datetime> with a valid date (got ${dt})`);
  await visibleText(p, 'body', BODY);
  // "See also": a visible heading or label, and links to other articles.
  const see = p.getByText('See also', { exact: false }).first();
  assert(await see.count() > 0, 'no "See also" on the article page');
  assert(await see.isVisible(), '"See also" is not visible');
  const m = await first(p, SEE_ALSO.map((s) => `${s}:has-text("See also")`));
  assert(m, `"See also" is in none of ${SEE_ALSO.join(' | ')}`);
  const links = await m.handle.$$eval(`a[href*="/${LANG}/news/"]`, (as) => as.map((a) => a.getAttribute('href')));
  assert(links.length > 0, '"See also" lists no articles');
  const self = new URL(state.articleUrl).pathname;
  assert(!links.includes(self), '"See also" lists the article itself');
});

test('print styles hide navigation, share links and newsletter box; headline and body show', async () => {
  assert(state.articleUrl, 'no article page (an earlier test failed)');
  const p = state.page;
  if (p.url() !== state.articleUrl) await open(state.articleUrl);
  const checks = [['share links', SHARE], ['newsletter box', NEWSLETTER]];
  const found = [];
  const navs = await p.$$('nav');
  assert(navs.length > 0, 'the article page has no <nav>');
  const header = await p.$('header');
  assert(header, 'the article page has no <header> (masthead)');
  navs.forEach((n, i) => found.push([`<nav> #${i + 1}`, { handle: n, selector: 'nav' }]));
  for (const [what, sels] of checks) {
    const m = await first(p, sels);
    assert(m, `${what}: none of ${sels.join(' | ')} on the article page`);
    assert(!(await m.handle.evaluate(hiddenByDisplay)), `${what} (${m.selector}) is hidden on screen`);
    found.push([what, m]);
  }
  // the share link itself, wherever the share block is
  const shareLink = await p.$(`a[href*="/share/"]`);
  assert(shareLink, 'no "Send to a friend" link (…/share/…) on the article page');
  found.push(['share link', { handle: shareLink, selector: 'a[href*="/share/"]' }]);
  await p.emulateMedia({ media: 'print' });
  try {
    for (const [what, m] of found) {
      assert(await m.handle.evaluate(hiddenByDisplay), `${what} (${m.selector}) still shows in print`);
    }
    for (const [what, sels] of [['headline', HEADLINE], ['body', BODY]]) {
      const m = await first(p, sels);
      assert(m, `${what}: not found`);
      assert(!(await m.handle.evaluate(hiddenByDisplay)) && (await m.handle.isVisible()), `${what} (${m.selector}) is hidden in print`);
    }
  } finally {
    await p.emulateMedia({ media: 'screen' });
  }
});

test('printable version', async () => {
  assert(state.articleUrl, 'no article page (an earlier test failed)');
  const p = state.page;
  if (p.url() !== state.articleUrl) await open(state.articleUrl);
  const link = await p.$('a[href$="/print"]');
  assert(link, 'the article page has no link to its printable version (…/print)');
  const [resp] = await Promise.all([p.waitForNavigation({ waitUntil: 'load', timeout: 15000 }), link.click()]);
  assert(new URL(p.url()).pathname === new URL(state.articleUrl).pathname + '/print', `printable version is at ${p.url()}`);
  assert(resp && resp.status() === 200, `GET ${p.url()}: HTTP ${resp && resp.status()}`);
  const h = await visibleText(p, 'headline', HEADLINE);
  assert(!state.headline || h === state.headline, `printable headline "${h}" differs from "${state.headline}"`);
  assert(state.server.headlines().has(h), `printable headline "${h}" is not a demo article's headline`);
  await visibleText(p, 'body', BODY);
  const nav = await p.$('nav');
  assert(!nav || !(await nav.isVisible()), 'the printable version shows navigation');
});

async function shoot(name, url, width, height) {
  const p = state.page;
  await p.setViewportSize({ width, height });
  await open(url);
  const file = path.join(SHOTS, `${name}-${width}x${height}.png`);
  await p.screenshot({ path: file, fullPage: true });
  const head = fs.readFileSync(file).subarray(0, 8);
  assert(head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is not a PNG`);
  // Nothing wider than the screen: a reader never scrolls sideways.
  const over = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(over <= 1, `${name} at ${width}px is ${over}px wider than the screen`);
}

test('screenshots at 390x844 and 1280x800, no sideways scrolling', async () => {
  assert(state.articleUrl, 'no article page (an earlier test failed)');
  fs.mkdirSync(SHOTS, { recursive: true });
  const errors = [];
  for (const [w, h] of [[390, 844], [1280, 800]]) {
    for (const [name, url] of [['front', state.server.url(`/${LANG}/`)], ['article', state.articleUrl]]) {
      try { await shoot(name, url, w, h); } catch (e) { errors.push(e.message); }
    }
  }
  await state.page.setViewportSize({ width: 1280, height: 800 });
  assert(errors.length === 0, errors.join('; '));
});

test('no console errors, no failed requests', async () => {
  const msgs = [...state.consoleErrors.map((m) => `console: ${m}`), ...state.failedRequests.map((m) => `request: ${m}`)];
  if (msgs.some((m) => m.includes('404')) && !state.failedRequests.some((m) => m.includes('404'))) {
    // Chromium asks for /favicon.ico, unseen by the request events, when a
    // page has no <link rel="icon">.
    msgs.push('(a 404 with no request listed is usually /favicon.ico: that page lacks <link rel="icon">)');
  }
  assert(msgs.length === 0, msgs.slice(0, 20).join('\n  '));
});

// ---- the runner ---------------------------------------------------------

async function main() {
  const only = process.argv.slice(2);
  let passed = 0; let failed = 0; let skipped = 0;
  let setupError = null;
  try {
    if (!fs.existsSync(BIN)) throw new Error(`${BIN} does not exist (build it, or set DATELINE_BIN)`);
    state.server = new Server();
    await state.server.start();
    state.browser = await launchChromium({ headless: true });
    state.context = await state.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    state.page = await state.context.newPage();
    state.page.setDefaultTimeout(10000);
    watch(state.page);
  } catch (e) {
    setupError = e;
  }
  for (const t of tests) {
    if (only.length && !only.includes(t.name)) continue;
    const t0 = Date.now();
    if (setupError) {
      failed++;
      console.log(`FAIL test_site.mjs ${t.name}: setup failed: ${setupError.message}`);
      continue;
    }
    try {
      await t.fn();
      passed++;
      console.log(`ok   test_site.mjs ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL test_site.mjs ${t.name}\n  ${e.message}`);
    }
  }
  if (state.browser) await state.browser.close().catch(() => {});
  if (state.server) {
    const log = await state.server.stop();
    const mark = SANITIZER_MARKS.find((m) => log.includes(m));
    if (mark) {
      failed++;
      const i = log.indexOf(mark);
      console.log(`FAIL test_site.mjs server log has a sanitizer report:\n${log.slice(Math.max(0, i - 200), i + 4000)}`);
    } else if (failed) {
      console.log(`server log (last lines):\n${log.slice(-2000)}`);
    }
  }
  closingLine(passed, failed, skipped);
  process.exitCode = failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (state.server?.running()) state.server.proc.kill('SIGKILL');
    process.exit(130);
  });
}
process.on('exit', () => {
  if (state.server?.running()) state.server.proc.kill('SIGKILL');
});

await main();
