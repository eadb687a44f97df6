// lib.mjs - what the browser tests share: the paths they read from the
// environment, free loopback ports, a dateline server on a temporary
// database (started, waited for, stopped), Debian's headless Chromium with
// the standard flags, and the closing "N passed, N failed" line.
//
// Environment: DATELINE_BIN (default build/dateline), TEST_OUTPUT (default
// test-output), CHROMIUM (default /usr/bin/chromium), SHARED_DIR (default
// ../shared), all relative to the repository root.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(ROOT, process.env.DATELINE_BIN || 'build/dateline');
export const OUTPUT = path.resolve(ROOT, process.env.TEST_OUTPUT || 'test-output');
export const SHOTS = path.join(OUTPUT, 'browser');
export const SHARED = path.resolve(ROOT, process.env.SHARED_DIR || '../shared');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The flags every browser test runs Chromium with: headless, and nothing
// that talks to the network on its own.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// How long a started process has to accept connections.
const START_MS = 15000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A loopback port nobody listens on right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function canConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

// Resolves once 127.0.0.1:port accepts a connection. Throws when proc
// exits first or nothing listens within 15 s; detail() (optional) adds to
// the message, e.g. the tail of the process's log.
export async function waitPort(port, proc, what, detail = () => '') {
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited ${proc.signalCode || proc.exitCode}${detail()}`);
    }
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not start${detail()}`);
}

// Sends SIGTERM to a child process that is still running and waits for it
// to exit; SIGKILL after graceMs. Does nothing for null or an exited one.
export async function stopProcess(proc, graceMs) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(t);
}

// A dateline server on a temporary directory: dir holds the database
// (db, empty until the test imports into it or the server creates it) and
// the server's output (logPath). Use: new Dateline(prefix); optionally
// reservePort() first when a config file must name the port; start(extra
// serve arguments); stop() ends the server and removes the directory.
export class Dateline {
  constructor(prefix) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.db = path.join(this.dir, 'site.db');
    this.logPath = path.join(this.dir, 'server.log');
    this.port = null;
    this.proc = null;
  }

  // Picks the port the server will listen on, before it starts.
  async reservePort() {
    if (this.port === null) this.port = await freePort();
    return this.port;
  }

  // `dateline serve --db DB --listen 127.0.0.1:PORT ...extra`, output to
  // logPath. Resolves once the port accepts connections; throws with the
  // log's tail (having stopped it) when the server exits first or does not
  // listen in time.
  async start(extra = []) {
    await this.reservePort();
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(BIN, ['serve', '--db', this.db, '--listen', `127.0.0.1:${this.port}`, ...extra],
      { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    try {
      await waitPort(this.port, this.proc, 'dateline', () => `: ${this.logTail()}`);
    } catch (e) {
      await stopProcess(this.proc, 1000);   // one that never listened is of no use
      throw e;
    }
  }

  get base() { return `http://127.0.0.1:${this.port}`; }

  url(p) { return `${this.base}${p}`; }

  running() { return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null; }

  logText() {
    try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  logTail() { return this.logText().slice(-3000); }

  // Stops the server (SIGKILL after graceMs), removes the directory and
  // returns what the server wrote.
  async stop(graceMs = 10000) {
    await stopProcess(this.proc, graceMs);
    const log = this.logText();
    fs.rmSync(this.dir, { recursive: true, force: true });
    return log;
  }
}

// Debian's Chromium, headless, with CHROMIUM_ARGS; opts go to
// chromium.launch as they are.
export function launchChromium(opts = {}) {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...opts });
}

// The closing line every browser test prints: "N passed, N failed", and
// ", N skipped" when the test counts skips.
export function closingLine(passed, failed, skipped) {
  console.log(`${passed} passed, ${failed} failed${skipped === undefined ? '' : `, ${skipped} skipped`}`);
}
