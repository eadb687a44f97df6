"""`dateline backup`: a consistent copy of a live site, taken while the
server serves it and while another process writes to it; never overwrites."""
import os
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DEMO = os.path.join(harness.ROOT, "demo", "articles.ninjs.jsonl")
SQLITE_ONLY = ("dateline backup copies a SQLite file with the online backup API; "
               "a PostgreSQL site is backed up with PostgreSQL's own tools")


def export(db):
    return harness.run_cli("export", "--db", db).stdout


def test_backup_of_a_live_site():
    harness.need_sqlite(SQLITE_ONLY)
    with harness.Server(imports=[DEMO]) as srv:
        # readers keep the server busy while the copy is taken
        stop = threading.Event()

        def read():
            while not stop.is_set():
                assert srv.get("/en/")[0] == 200

        t = threading.Thread(target=read)
        t.start()
        try:
            dest = os.path.join(srv.dir, "copy.db")
            p = harness.run_cli("backup", "--db", srv.db, dest)
            assert "backed up" in p.stderr, p.stderr
        finally:
            stop.set()
            t.join()
        assert export(dest) == export(srv.db)
        # the copy is a whole dateline database: it serves
        with harness.Server(db=dest) as copy:
            assert "Meridian" in copy.text("/en/") or copy.get("/en/")[0] == 200
        # every table, row for row (SQLite 3.40's integrity_check reports
        # false NULLs on WITHOUT ROWID tables, so the rows are compared)
        assert dump(dest) == dump(srv.db)


def dump(db):
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        return {t: sorted(map(repr, con.execute("SELECT * FROM \"%s\"" % t))) for t in tables}
    finally:
        con.close()


def test_backup_during_an_import_is_consistent():
    harness.need_sqlite(SQLITE_ONLY)
    with harness.Server() as srv:
        dest = os.path.join(srv.dir, "during.db")
        writer = subprocess.Popen([harness.BIN, "import", "--db", srv.db, DEMO],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        harness.run_cli("backup", "--db", srv.db, dest)
        assert writer.wait(60) == 0
        con = sqlite3.connect(dest)
        try:
            n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            con.close()
        assert len(export(dest).splitlines()) == n
        # all of an import batch or none of it: the import commits once here
        assert n in (0, 43), n


def test_backup_refuses_bad_destinations():
    harness.need_sqlite(SQLITE_ONLY)
    with harness.Server(imports=[DEMO]) as srv:
        # never overwrites: not another file, not the database itself
        other = os.path.join(srv.dir, "keep.txt")
        with open(other, "w") as f:
            f.write("precious")
        for dest in (other, srv.db):
            p = harness.run_cli("backup", "--db", srv.db, dest, check=False)
            assert p.returncode == 1 and "File exists" in p.stderr, p.stderr
        with open(other) as f:
            assert f.read() == "precious"
        assert srv.get("/en/")[0] == 200
        # a folder that is not there: a clear message, nothing left behind
        p = harness.run_cli("backup", "--db", srv.db, os.path.join(srv.dir, "no", "such", "x.db"), check=False)
        assert p.returncode == 1 and "No such file or directory" in p.stderr, p.stderr
        # a database that does not exist is not created by a backup
        missing = os.path.join(srv.dir, "missing.db")
        p = harness.run_cli("backup", "--db", missing, os.path.join(srv.dir, "y.db"), check=False)
        assert p.returncode == 1 and not os.path.exists(missing), p.stderr
        # usage errors
        assert harness.run_cli("backup", "--db", srv.db, check=False).returncode == 2


if __name__ == "__main__":
    harness.main(globals())
