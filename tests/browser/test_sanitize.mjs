// test_sanitize.mjs - every XSS vector of $SHARED_DIR/conformance/xss
// (OWASP cheat sheet vectors, DOMPurify test payloads), passed through
// `dateline sanitize`, is rendered in Debian's headless Chromium and must not
// run any script.
//
// Detection: window.alert/confirm/prompt/print/open and console.* are
// replaced before any page script (addInitScript) by functions that report
// to the test (exposeFunction); uncaught page errors count too. Every
// request other than the test page itself is routed and aborted, so nothing
// ever leaves the machine. An aborted request counts as a failure unless it
// is an image fetch over http(s): the sanitizer keeps <img src="http...">
// on purpose, so Chromium asks for those; anything else (script, stylesheet,
// frame/document, fetch, object, font, media, a javascript: or vbscript:
// URL) means markup got through that should not have.
//
// Vectors are batched, each in its own <div>, many per page load; after the
// load the test waits 100 ms, then focuses every element, sends it
// mouseover/mouseenter/mousemove/focus/focusin events, moves the real mouse
// over a grid, and waits again. A batch that fails is re-run one vector at
// a time to name the culprit. Before the real run, a raw (unsanitized)
// vector is rendered to prove the hooks detect script execution.
//
// Run: node tests/browser/test_sanitize.mjs
// Environment: DATELINE_BIN (default build/dateline), SHARED_DIR (default
// ../shared), CHROMIUM (default /usr/bin/chromium), BATCH (default 40).
// Prints "N passed, N failed" (and skipped when SHARED_DIR is absent);
// exits 1 on failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BIN, SHARED, closingLine, launchChromium, sleep } from './lib.mjs';

const BATCH = Number(process.env.BATCH || 40);
const XSS = path.join(SHARED, 'conformance', 'xss');

function loadVectors() {
  const out = [];
  const owasp = path.join(XSS, 'owasp-vectors.jsonl');
  const dp = path.join(XSS, 'dompurify-cases.json');
  if (!fs.existsSync(owasp) || !fs.existsSync(dp)) return null;
  fs.readFileSync(owasp, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const j = JSON.parse(line);
    if (typeof j.vector === 'string') out.push({ name: `owasp line ${i + 1} (${j.heading})`, raw: j.vector });
  });
  JSON.parse(fs.readFileSync(dp, 'utf8')).forEach((c, i) => {
    if (typeof c.payload === 'string') out.push({ name: `dompurify #${i} (${c.title})`, raw: c.payload });
  });
  return out;
}

function sanitize(raw) {
  const r = spawnSync(BIN, ['sanitize'], { input: raw, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`dateline sanitize exited ${r.status}: ${r.stderr}`);
  return r.stdout.toString('utf8');
}

// ---- the page server ---------------------------------------------------------

const pages = new Map();
let pageSeq = 0;

function startServer() {
  const srv = http.createServer((req, res) => {
    const body = pages.get(req.url);
    if (body === undefined) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

function pageFor(htmls) {
  const divs = htmls.map((h, i) => `<div id="v${i}" class="vector">${h}</div>`).join('\n');
  const url = `/p/${++pageSeq}`;
  pages.set(url, `<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>\n${divs}\n</body></html>`);
  return url;
}

// ---- one page load --------------------------------------------------------------

const HOOKS = `(() => {
  const report = (kind, args) => { try { window.__xss(kind, Array.from(args).map(String).join(' ')); } catch (e) {} };
  for (const k of ['alert', 'confirm', 'prompt', 'print', 'open'])
    window[k] = function () { report(k, arguments); return null; };
  for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'])
    console[k] = function () { report('console.' + k, arguments); };
})();`;

async function render(browser, base, htmls) {
  const events = [];
  const ctx = await browser.newContext({ javaScriptEnabled: true });
  const page = await ctx.newPage();
  await page.exposeFunction('__xss', (kind, msg) => events.push(`${kind}(${msg.slice(0, 120)})`));
  await page.addInitScript(HOOKS);
  page.on('pageerror', (e) => events.push(`pageerror(${String(e.message).slice(0, 120)})`));
  const url = base + pageFor(htmls);
  let images = 0;
  await page.route('**/*', (route) => {
    const req = route.request();
    const u = req.url();
    if (u === url) return route.continue();
    const type = req.resourceType();
    if (type === 'image' && /^https?:/i.test(u)) images++;
    else events.push(`request(${type} ${u.slice(0, 120)})`);
    return route.abort();
  });
  page.on('request', (req) => {
    const u = req.url();
    if (/^(javascript|vbscript):/i.test(u)) events.push(`request(${req.resourceType()} ${u.slice(0, 120)})`);
  });
  page.on('popup', (p) => events.push(`popup(${p.url()})`));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    await sleep(100);
    await page.evaluate(() => {
      for (const el of document.body.querySelectorAll('*')) {
        try { el.focus(); } catch (e) {}
        for (const t of ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'focus', 'focusin', 'pointerover'])
          try { el.dispatchEvent(new Event(t, { bubbles: t !== 'mouseenter' && t !== 'focus' })); } catch (e) {}
      }
    });
    const vp = page.viewportSize() || { width: 1280, height: 720 };
    for (let y = 5; y < vp.height; y += 40)
      for (let x = 5; x < vp.width; x += 160) await page.mouse.move(x, y);
    await sleep(100);
  } catch (e) {
    events.push(`harness(${e.message.split('\n')[0]})`);
  }
  await ctx.close();
  return { events, images };
}

// ---- main -------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  const vectors = loadVectors();
  if (!vectors) {
    console.log(`skipped: XSS vectors not found under ${XSS} (set SHARED_DIR)`);
    closingLine(0, 0, 1);
    return 0;
  }
  if (!fs.existsSync(BIN)) {
    console.log(`FAIL: ${BIN} not found (set DATELINE_BIN)`);
    return 1;
  }
  for (const v of vectors) v.html = sanitize(v.raw);
  const srv = await startServer();
  const base = `http://127.0.0.1:${srv.address().port}`;
  const browser = await launchChromium();
  let passed = 0, failed = 0, imageRequests = 0;
  try {
    // the hooks must see a raw vector fire, else the test proves nothing
    const canary = await render(browser, base, ['<img src="/nonexistent" onerror="alert(1)">',
      '<script>console.log("x")</script>', '<link rel=stylesheet href="http://203.0.113.1/x.css">']);
    const want = ['alert(', 'console.log(', 'request(stylesheet'];
    const missing = want.filter((w) => !canary.events.some((e) => e.startsWith(w)));
    if (missing.length) {
      console.log(`FAIL harness self-check: did not detect ${missing.join(', ')} (events: ${canary.events.join('; ')})`);
      failed++;
    } else {
      console.log('ok   harness self-check (raw vectors are detected)');
      passed++;
    }
    for (let i = 0; i < vectors.length; i += BATCH) {
      const batch = vectors.slice(i, i + BATCH);
      const r = await render(browser, base, batch.map((v) => v.html));
      imageRequests += r.images;
      if (r.events.length === 0) { passed += batch.length; continue; }
      for (const v of batch) {   // name the culprit(s)
        const one = await render(browser, base, [v.html]);
        if (one.events.length === 0) { passed++; continue; }
        failed++;
        console.log(`FAIL ${v.name}: ${one.events.join('; ')}\n  in:  ${v.raw.slice(0, 200)}\n  out: ${v.html.slice(0, 200)}`);
      }
    }
  } finally {
    await browser.close();
    srv.close();
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`${vectors.length} vectors rendered in ${secs}s; ${imageRequests} http image requests aborted (allowed)`);
  closingLine(passed, failed);
  return failed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => { console.error(e); process.exit(1); });
