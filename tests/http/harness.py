"""Shared pieces for the black-box tests: start the real dateline binary on
a free loopback port with a fresh database, talk HTTP to it, stop it.

Each tests/http/test_*.py file defines test_* functions and ends with
`harness.main(globals())`, which runs them, prints one line per test and a
closing "N passed, N failed, N skipped" line, and exits non-zero on failure.

Environment: DATELINE_BIN (default build/dateline), SHARED_DIR (default
../shared next to the project), TEST_OUTPUT (default test-output/),
DATELINE_TEST_PG (a PostgreSQL base URI such as
postgresql://postgres@127.0.0.1:5432/, from scripts/pg.sh start: every
database a test makes through new_db() or Server is then a fresh
PostgreSQL database on that server instead of a SQLite file).
"""
import atexit
import contextlib
import glob
import http.client
import os
import re
import secrets
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


# ---- Databases: SQLite files, or PostgreSQL databases under DATELINE_TEST_PG ----

PG_BASE = os.environ.get("DATELINE_TEST_PG") or None
PG_SH = os.path.join(ROOT, "scripts", "pg.sh")
_made_dirs = []        # SQLite folders made by new_db(), removed at exit
_made_pg = []          # PostgreSQL database URIs made by new_db(), dropped at exit


def engine():
    """The store the tests run against: "postgresql" when DATELINE_TEST_PG
    is set, else "sqlite"."""
    return "postgresql" if PG_BASE else "sqlite"


def is_pg(db):
    return db.startswith("postgresql://") or db.startswith("postgres://")


def need_pg():
    """Skip with a clear message when PostgreSQL cannot be started here
    (the server binaries) or queried from Python (psycopg2)."""
    have = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, "initdb"))]
    if not have and not shutil.which("pg_config"):
        raise Skip("needs PostgreSQL's server binaries (Debian's postgresql: initdb, pg_ctl); absent")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        raise Skip("needs psycopg2 (Debian's python3-psycopg2) to query PostgreSQL; absent")


def need_sqlite(why):
    """Skip in a PostgreSQL run: the test is about the SQLite file itself."""
    if PG_BASE:
        raise Skip("SQLite only: %s" % why)


def _pg_admin(base):
    import psycopg2
    c = psycopg2.connect(base.rstrip("/") + "/postgres")
    c.autocommit = True
    return c


def pg_create(base):
    """A fresh, empty database on the PostgreSQL server at base URI; returns
    its URI. Dropped at exit (or by pg_drop)."""
    name = "t_" + secrets.token_hex(6)
    c = _pg_admin(base)
    try:
        c.cursor().execute('CREATE DATABASE "%s"' % name)
    finally:
        c.close()
    uri = base.rstrip("/") + "/" + name
    _made_pg.append(uri)
    return uri


def pg_drop(uri):
    """Drops a database made by pg_create (closing its connections)."""
    base, name = uri.rsplit("/", 1)
    if uri in _made_pg:
        _made_pg.remove(uri)
    assert re.fullmatch(r"t_[0-9a-f]+", name), name
    try:
        c = _pg_admin(base)
    except Exception:
        return   # the server is gone (a pg_cluster that stopped)
    try:
        c.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    finally:
        c.close()


def new_db(name="site", pg=None):
    """A database for one test: a fresh SQLite path (NAME.db in a new
    temporary folder) normally; with DATELINE_TEST_PG set, or with pg (a
    base URI, e.g. from pg_cluster()), a fresh PostgreSQL database URI.
    Removed or dropped at exit."""
    base = pg or PG_BASE
    if base:
        return pg_create(base)
    d = tempfile.mkdtemp(prefix="dateline-db-")
    _made_dirs.append(d)
    return os.path.join(d, name + ".db")


def query(db, sql, args=()):
    """Rows of sql (placeholders ?) run on db, a SQLite path or a
    PostgreSQL URI, as a list of tuples; commits when it writes."""
    if is_pg(db):
        import psycopg2
        c = psycopg2.connect(db)
        try:
            cur = c.cursor()
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                    for r in cur.fetchall()] if cur.description else []
            c.commit()
            return rows
        finally:
            c.close()
    import sqlite3
    c = sqlite3.connect(db, timeout=10)
    try:
        rows = c.execute(sql, args).fetchall()
        c.commit()
        return rows
    finally:
        c.close()


def db_size(db):
    """Bytes a database takes: the SQLite file and its WAL, or
    pg_database_size."""
    if is_pg(db):
        return query(db, "SELECT pg_database_size(current_database())")[0][0]
    return os.path.getsize(db) + (os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0)


_clusters = []


@contextlib.contextmanager
def pg_cluster():
    """A private PostgreSQL server (scripts/pg.sh) for a test that needs one
    whatever engine the run uses; yields its base URI and stops it after."""
    need_pg()
    d = tempfile.mkdtemp(prefix="dateline-pg-")
    p = subprocess.run(["bash", PG_SH, "start", d], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        subprocess.run(["bash", PG_SH, "stop", d], capture_output=True, timeout=60)
        raise AssertionError("scripts/pg.sh start failed: %s" % p.stderr)
    _clusters.append(d)
    try:
        yield p.stdout.strip()
    finally:
        _clusters.remove(d)
        subprocess.run(["bash", PG_SH, "stop", d], capture_output=True, timeout=60)


@atexit.register
def _cleanup_dbs():
    for uri in list(_made_pg):
        try:
            pg_drop(uri)
        except Exception:
            pass
    for d in _made_dirs:
        shutil.rmtree(d, ignore_errors=True)
    for d in list(_clusters):
        subprocess.run(["bash", PG_SH, "stop", d], capture_output=True, timeout=60)


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
        # db: given by the caller (kept), else a fresh one of the run's
        # engine, removed with the server
        self.own_db = None
        if not db:
            db = self.own_db = pg_create(PG_BASE) if PG_BASE else os.path.join(self.dir, "site.db")
        self.db = db
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
        if self.own_db and is_pg(self.own_db):
            pg_drop(self.own_db)
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
