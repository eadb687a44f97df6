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
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BIN, CHROMIUM, ROOT, SHOTS, Dateline, closingLine, freePort, launchChromium, sleep, stopProcess, waitPort,
} from './lib.mjs';

const PYTHON = process.env.PYTHON || '/usr/bin/python3';
const FIXTURE = path.join(ROOT, 'tests', 'http', 'fixtures', 'share.jsonl');
const HEADLINE = 'Island lighthouse keeper retires after forty years';

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
  const srv = new Dateline('dateline-share-browser-');
  let smtp = null, browser = null, smtpOut = '';
  try {
    const smtpPort = await freePort();
    // The default handler prints every message it gets to stdout.
    smtp = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    smtp.stdout.on('data', (d) => { smtpOut += d.toString(); });
    smtp.stderr.on('data', (d) => { smtpOut += d.toString(); });
    await waitPort(smtpPort, smtp, 'aiosmtpd');

    const imp = spawnSync(BIN, ['import', '--db', srv.db, FIXTURE], { encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const port = await srv.reservePort();
    const ini = path.join(srv.dir, 'dateline.ini');
    fs.writeFileSync(ini, `[site]\nname = Test Desk\nbase_url = http://127.0.0.1:${port}\n` +
      '[mail]\nfrom = desk@dateline.test\n' +
      '[share]\nmin_seconds = 1\n');
    await srv.start(['--config', ini, '--smtp', `smtp://127.0.0.1:${smtpPort}`]);

    browser = await launchChromium();
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    try {
      await page.goto(srv.url('/en/'));
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
    await srv.stop(5000);
    await stopProcess(smtp, 5000);
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL test_share.mjs setup\n${e.stack || e}`);
}
closingLine(passed, failed, skipped);
process.exit(failed ? 1 : 0);
