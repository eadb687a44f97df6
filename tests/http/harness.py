"""Shared pieces for the black-box tests: start the real dateline binary on
a free loopback port with a fresh database, talk HTTP to it, stop it.

Each tests/http/test_*.py file defines test_* functions and ends with
`harness.main(globals())`, which runs them, prints one line per test and a
closing "N passed, N failed, N skipped" line, and exits non-zero on failure.

Environment: DATELINE_BIN (default build/dateline), SHARED_DIR (default
../shared next to the project), TEST_OUTPUT (default test-output/).
"""
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(os.environ.get("DATELINE_BIN", os.path.join(ROOT, "build", "dateline")))
SHARED = os.path.abspath(os.environ.get("SHARED_DIR", os.path.join(ROOT, "..", "shared")))
OUTPUT = os.path.abspath(os.environ.get("TEST_OUTPUT", os.path.join(ROOT, "test-output")))
DEMO = os.path.join(ROOT, "demo")


class Skip(Exception):
    pass


# What a sanitizer prints when it finds something (ASan, LSan, UBSan, TSan).
# scripts/test.sh runs the sanitizer build with halt_on_error=1; a report in a
# server's log or a command's stderr fails the test that started it.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "WARNING: ThreadSanitizer")


def sanitizer_report(text):
    """The sanitizer report in text (from its first line), or None."""
    for mark in SANITIZER_MARKS:
        i = text.find(mark)
        if i >= 0:
            start = text.rfind("\n", 0, i) + 1
            return text[start:start + 6000]
    return None


_live_servers = []


def need_shared(*parts):
    """The path under SHARED_DIR, or Skip with a clear message."""
    p = os.path.join(SHARED, *parts)
    if not os.path.exists(p):
        raise Skip("needs %s (set SHARED_DIR); absent" % p)
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_cli(*args, stdin=None, check=True, timeout=600):
    """Runs `dateline ARGS`; returns CompletedProcess (text)."""
    p = subprocess.run([BIN] + [str(a) for a in args], input=stdin, capture_output=True,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("dateline %s exited %d: %s" % (" ".join(map(str, args)), p.returncode, p.stderr))
    report = sanitizer_report(p.stderr or "")
    if report:
        raise AssertionError("dateline %s: sanitizer report:\n%s" % (" ".join(map(str, args)), report))
    return p


class Server:
    """A dateline server on a free port with its own temporary database.
    imports: ninjs files loaded with `dateline import` before start."""

    def __init__(self, imports=(), args=(), config=None, db=None, port=None):
        self.dir = tempfile.mkdtemp(prefix="dateline-test-")
        self.db = db or os.path.join(self.dir, "site.db")
        self.port = port or free_port()   # port: chosen by the caller (base_url in config)
        self.host = "127.0.0.1"
        for f in imports:
            run_cli("import", "--db", self.db, f)
        cmd = [BIN, "serve", "--db", self.db, "--listen", "%s:%d" % (self.host, self.port)]
        if config:
            cfg = os.path.join(self.dir, "dateline.ini")
            with open(cfg, "w") as f:
                f.write(config)
            cmd += ["--config", cfg]
        cmd += list(args)
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        _live_servers.append(self)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited %d: %s" % (self.proc.returncode, self.logtext()))
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError("server did not start: " + self.logtext())

    def logtext(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def url(self, path):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def request(self, method, path, headers=None, body=None, timeout=10):
        """Returns (status, headers dict with lower-case names, body bytes)."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def text(self, path, status=200):
        """GET, assert the status, return the body as text."""
        st, h, body = self.get(path)
        assert st == status, "GET %s: %d, wanted %d: %r" % (path, st, status, body[:300])
        return body.decode("utf-8")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """Stops the server and removes its directory; returns its exit
        status. Raises AssertionError when its log holds a sanitizer report
        (after cleaning up), so a memory error fails the test."""
        if self in _live_servers:
            _live_servers.remove(self)
        if self.log.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.log.flush()
        self.log.seek(0)
        report = sanitizer_report(self.log.read())
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if report:
            raise AssertionError("server (exit %s) logged a sanitizer report:\n%s" % (rc, report))
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main(ns):
    only = sys.argv[1:]
    names = [n for n in ns if n.startswith("test_") and callable(ns[n])]
    names = [n for n in names if not only or n in only]
    passed = failed = skipped = 0
    file = os.path.basename(sys.modules["__main__"].__file__ or "")
    for n in names:
        t0 = time.time()
        earlier = list(_live_servers)
        try:
            try:
                ns[n]()
            finally:   # servers this test started and left running
                for srv in [x for x in _live_servers if x not in earlier]:
                    srv.stop()
        except Skip as e:
            skipped += 1
            print("skip %s %s: %s" % (file, n, e), flush=True)
            continue
        except Exception:
            failed += 1
            print("FAIL %s %s\n%s" % (file, n, traceback.format_exc()), flush=True)
            continue
        passed += 1
        print("ok   %s %s (%.1fs)" % (file, n, time.time() - t0), flush=True)
    for srv in list(_live_servers):   # servers shared between tests
        try:
            srv.stop()
        except Exception:
            failed += 1
            print("FAIL %s (shared server)\n%s" % (file, traceback.format_exc()), flush=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed else 0)
