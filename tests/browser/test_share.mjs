// test_share.mjs - "Send to a friend" in a real browser: starts an SMTP
// sink (Debian's python3-aiosmtpd, `python3 -m aiosmtpd`) and the dateline
// server on free loopback ports with tests/http/fixtures/share.jsonl,
// follows the article's "Send to a friend" link in headless Chromium,
// fills the form, submits it, sees the confirmation, and sees the message
// reach the SMTP sink. Screenshots go to $TEST_OUTPUT/browser/.
//
// Run: node tests/browser/test_share.mjs
// Environment: DATELINE_BIN (default build/dateline), TEST_OUTPUT (default
// test-output), CHROMIUM (default /usr/bin/chromium), PYTHON (default
// /usr/bin/python3). Prints "N passed, N failed, N skipped"; exits 1 when a
// test failed.
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.resolve(ROOT, process.env.DATELINE_BIN || 'build/dateline');
const OUTPUT = path.resolve(ROOT, process.env.TEST_OUTPUT || 'test-output');
const SHOTS = path.join(OUTPUT, 'browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PYTHON = process.env.PYTHON || '/usr/bin/python3';
const FIXTURE = path.join(ROOT, 'tests', 'http', 'fixtures', 'share.jsonl');
const HEADLINE = 'Island lighthouse keeper retires after forty years';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

async function waitPort(port, proc, what) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited ${proc.exitCode}`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not start`);
}

let passed = 0, failed = 0, skipped = 0;

async function main() {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`skip test_share.mjs: no Chromium at ${CHROMIUM}`);
    skipped++;
    return;
  }
  const haveSmtpd = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { encoding: 'utf8' }).status === 0;
  if (!haveSmtpd) {
    console.log('skip test_share.mjs: needs python3-aiosmtpd');
    skipped++;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dateline-share-browser-'));
  let smtp = null, srv = null, browser = null, smtpOut = '';
  try {
    const smtpPort = await freePort();
    // The default handler prints every message it gets to stdout.
    smtp = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    smtp.stdout.on('data', (d) => { smtpOut += d.toString(); });
    smtp.stderr.on('data', (d) => { smtpOut += d.toString(); });
    await waitPort(smtpPort, smtp, 'aiosmtpd');

    const db = path.join(dir, 'site.db');
    const imp = spawnSync(BIN, ['import', '--db', db, FIXTURE], { encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const port = await freePort();
    const ini = path.join(dir, 'dateline.ini');
    fs.writeFileSync(ini, `[site]\nname = Test Desk\nbase_url = http://127.0.0.1:${port}\n` +
      '[mail]\nfrom = desk@dateline.test\n' +
      '[share]\nmin_seconds = 1\n');
    const log = fs.openSync(path.join(dir, 'server.log'), 'w');
    srv = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--config', ini,
      '--smtp', `smtp://127.0.0.1:${smtpPort}`],
      { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    await waitPort(port, srv, 'dateline');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    try {
      await page.goto(`http://127.0.0.1:${port}/en/`);
      await page.click(`a:has-text("${HEADLINE}")`);
      await page.click('a.tool-share');
      await page.waitForSelector('form.share-form');
      if (!(await page.isHidden('#share-website')) &&
          (await page.locator('#share-website').boundingBox())?.x >= 0) {
        throw new Error('the honeypot field is visible to readers');
      }
      await page.fill('#share-to', 'friend@example.net');
      await page.fill('#share-name', 'Browser Reader');
      await page.fill('#share-from', 'reader@example.org');
      await page.fill('#share-note', 'Have a look at this.');
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'share-form.png'), fullPage: true });
      await sleep(1200);   // the form token must be a second old ([share] min_seconds)
      await Promise.all([page.waitForNavigation(), page.click('form.share-form button[type=submit]')]);
      const text = await page.textContent('body');
      await page.screenshot({ path: path.join(SHOTS, 'share-sent.png'), fullPage: true });
      if (!text.includes('Thank you') || !text.includes('Your message is on its way')) {
        throw new Error(`no confirmation: ${text.slice(0, 500)}`);
      }
      if (text.includes('friend@example.net')) throw new Error('the confirmation shows the recipient');
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && !smtpOut.includes('Browser Reader')) await sleep(100);
      if (!smtpOut.includes('Browser Reader') || !smtpOut.includes('friend@example.net')) {
        throw new Error(`the message did not reach the SMTP server: ${smtpOut.slice(-1000)}`);
      }
      if (errors.length) throw new Error(`console errors: ${errors.join('; ')}`);
      passed++;
      console.log('ok   test_share.mjs fill_form_and_confirm');
    } catch (e) {
      failed++;
      console.log(`FAIL test_share.mjs fill_form_and_confirm\n${e.stack || e}`);
    }
  } finally {
    if (browser) await browser.close();
    for (const p of [srv, smtp]) {
      if (p && p.exitCode === null) {
        const done = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        const t = setTimeout(() => p.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL test_share.mjs setup\n${e.stack || e}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
