"""`dateline migrate --from SRC --to DST`: a whole site (articles, See-also
lists, accounts, revisions, subscribers, outbox) from a SQLite file to
PostgreSQL and back, and file to file; the counts it prints match every
table of both sides, the copies serve the same pages, an old password logs
in on the PostgreSQL copy, and new writes work there. A destination that
holds a site is refused and left as it was; a copy that fails half-way
leaves nothing behind; hostile arguments get a clear message.

Every database here is chosen explicitly (SQLite files, and PostgreSQL
databases on a private server started with harness.pg_cluster()), so the
tests run in the SQLite and ASan passes of `make test` and the PostgreSQL
pass (DATELINE_TEST_PG) skips them: it would only run them again the same
way. The PostgreSQL parts skip when PostgreSQL is not installed."""
import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_newsroom import add_user, article_fields, create, logged_in  # noqa: E402

DEMO = os.path.join(harness.ROOT, "demo", "articles.ninjs.jsonl")
CONFIG = ("[site]\nname = Meridian\n[newsletter]\ndaily =\nweekly =\n"
          "[mail]\nfrom = news@example.org\nfrom_name = Meridian News\n")
EDITOR = "ed@example.com"
SUBSCRIBERS = 40
# What a whole-site copy must carry (the list), each non-empty here.
MUST_CARRY = ("articles", "terms", "article_terms", "related", "users", "newsroom_articles",
              "revisions", "audit", "newsletters", "subscribers", "subscriber_newsletters",
              "outbox", "secrets")


def tmpdir():
    d = tempfile.mkdtemp(prefix="dateline-migrate-")
    harness._made_dirs.append(d)   # removed at exit with the other test folders
    return d


def once():
    if harness.engine() == "postgresql":
        raise harness.Skip("runs in the SQLite and ASan passes, with its own PostgreSQL server; "
                           "this pass would run it again the same way")


@contextlib.contextmanager
def pg_server():
    """Base URI of a private PostgreSQL server."""
    with harness.pg_cluster() as base:
        yield base


def migrate(src, dst, check=True):
    return harness.run_cli("migrate", "--from", src, "--to", dst, check=check, timeout=900)


def printed_counts(out):
    """{table: rows} from migrate's stdout, and its total line."""
    counts = {}
    for line in out.splitlines():
        m = re.fullmatch(r"(\w+) +(\d+)", line.strip())
        assert m, "unexpected line in migrate's output: %r" % line
        counts[m.group(1)] = int(m.group(2))
    total = counts.pop("total")
    assert total == sum(counts.values()), (total, counts)
    return counts


def db_counts(db, tables):
    return {t: harness.query(db, "SELECT count(*) FROM %s" % t)[0][0] for t in tables}


def sqlite_rows(path, tables):
    """Every row of the copied tables, in a stable order."""
    con = sqlite3.connect(path)
    try:
        return {t: sorted(map(repr, con.execute("SELECT * FROM %s" % t))) for t in tables}
    finally:
        con.close()


def file_state(path):
    """What must not change: the bytes of the file and of its WAL."""
    out = []
    for p in (path, path + "-wal"):
        if os.path.exists(p):
            with open(p, "rb") as f:
                out.append(f.read())
    return out


# ---- the source site, built once per run of this file ----

_source = {}


def corpus():
    """The Reuters corpus, or as many generated articles of the same shape."""
    p = os.path.join(harness.SHARED, "corpus", "reuters21578.ninjs.jsonl")
    if os.path.exists(p):
        return p
    p = os.path.join(tmpdir(), "corpus.jsonl")
    with open(p, "w") as f:
        f.write(subprocess.run(
            ["/usr/bin/python3", os.path.join(harness.ROOT, "bench", "gen_corpus.py"), "19043"],
            capture_output=True, text=True, check=True).stdout)
    return p


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def source_site(big):
    """A SQLite site with the demo (and, when big, Reuters-sized data), a
    newsroom editor with a password, an article with two revisions,
    subscribers and queued digests. Returns a dict of facts about it."""
    key = "big" if big else "small"
    if key in _source:
        return _source[key]
    d = tmpdir()
    db = os.path.join(d, "site.db")
    harness.run_cli("import", "--db", db, DEMO, *([corpus()] if big else []), timeout=900)
    with harness.Server(db=db, config=CONFIG) as srv:
        cfg = os.path.join(srv.dir, "dateline.ini")
        add_user(srv, "editor", EDITOR)
        ed = logged_in(srv, EDITOR)
        aid = create(ed, "Harbour cranes return to Quillmouth", body="The *zephyrine* cranes are back.")
        st, _, body = ed.req("POST", "/newsroom/articles/%d" % aid,
                             article_fields(ed.csrf(), "Harbour cranes return to Quillmouth",
                                            body="The *zephyrine* cranes are back at work.",
                                            action="publish"))
        assert st == 303, (st, body[:300])
        # subscribers to the default digests, and a digest each in the outbox
        addrs = "".join("reader%03d@example.com\n" % i for i in range(SUBSCRIBERS))
        out = harness.run_cli("newsletter", "import", "--db", db, "--config", cfg, stdin=addrs).stdout
        assert "%d subscribers added" % SUBSCRIBERS in out, out
        time.sleep(1.1)
        story = os.path.join(d, "story.jsonl")
        t = int(time.time())
        with open(story, "w") as f:
            f.write(json.dumps({
                "uri": "urn:test:migrate:digest", "type": "text", "language": "en",
                "firstcreated": iso(t), "versioncreated": iso(t),
                "headlines": [{"role": "main", "value": "Digest story about zephyrine kites"}],
                "bodies": [{"role": "main", "contenttype": "text/plain",
                            "value": "Kites over the bay."}]}) + "\n")
        harness.run_cli("import", "--db", db, story)
        out = harness.run_cli("newsletter", "send", "--db", db, "--config", cfg, "--now").stdout
        assert "%d digests queued" % SUBSCRIBERS in out, out
        slug = harness.query(db, "SELECT slug FROM articles WHERE id = ?", (aid,))[0][0]
        reuters = harness.query(db, "SELECT slug FROM articles WHERE lang = 'en' AND status = 0 "
                                "ORDER BY id DESC LIMIT 1 OFFSET ?", (100 if big else 5,))[0][0]
    _source[key] = {"db": db, "article": "/en/news/" + slug, "other": "/en/news/" + reuters}
    return _source[key]


def pages(site):
    """Paths whose bodies must be the same from every copy of `site`."""
    return [
        "/en/", "/it/", site["article"], site["other"],
        "/en/search?q=zephyrine", "/en/search?q=oil+prices", "/en/search?q=coffee+brazil&sort=date",
        "/api/v1/search?q=oil", "/api/v1/search?q=%22crude+oil%22+-opec", "/api/v1/items",
    ]


def bodies(db, paths):
    with harness.Server(db=db, config=CONFIG) as srv:
        out = {}
        for p in paths:
            st, _, body = srv.get(p)
            assert st == 200, (db, p, st, body[:300])
            out[p] = body
        return out


def check_same_pages(site, dbs):
    paths = pages(site)
    first = bodies(dbs[0], paths)
    assert b"zephyrine" in first["/en/search?q=zephyrine"]
    for db in dbs[1:]:
        other = bodies(db, paths)
        for p in paths:
            assert other[p] == first[p], "%s differs on %s" % (p, db)


def check_writes_work(db):
    """New rows get ids past the copied ones (sequences moved), and the
    old password logs in."""
    with harness.Server(db=db, config=CONFIG) as srv:
        ed = logged_in(srv, EDITOR)
        st, _, body = ed.req("GET", "/newsroom/")
        assert st == 200 and "Quillmouth" in body, (st, body[:300])
        aid = create(ed, "Written after the move", body="Fresh copy.")
        st, _, body = ed.req("POST", "/newsroom/articles/%d" % aid,
                             article_fields(ed.csrf(), "Written after the move", action="publish"))
        assert st == 303, (st, body[:300])
        assert "Written after the move" in srv.text("/en/")
        assert "/en/news/written-after-the-move" in srv.text("/en/search?q=written+after+the+move")


# ---- tests ----


def test_file_to_file():
    once()
    site = source_site(big=False)
    dst = os.path.join(tmpdir(), "copy.db")
    before = file_state(site["db"])
    p = migrate(site["db"], dst)
    assert file_state(site["db"]) == before, "the source changed"
    counts = printed_counts(p.stdout)
    for t in MUST_CARRY:
        assert counts.get(t, 0) > 0, (t, counts)
    assert counts["revisions"] >= 2 and counts["users"] == 1, counts
    assert counts["subscribers"] == SUBSCRIBERS and counts["outbox"] == SUBSCRIBERS, counts
    assert db_counts(dst, counts) == counts == db_counts(site["db"], counts)
    assert sqlite_rows(dst, counts) == sqlite_rows(site["db"], counts)
    assert "counts verified" in p.stderr, p.stderr
    check_same_pages(site, [site["db"], dst])
    check_writes_work(dst)


def test_sqlite_to_postgresql_and_back():
    once()
    harness.need_pg()
    site = source_site(big=True)
    src = site["db"]
    with pg_server() as base:
        pg = harness.new_db(pg=base)
        back = os.path.join(tmpdir(), "back.db")
        before = file_state(src)
        t0 = time.time()
        p = migrate(src, pg)
        t1 = time.time()
        counts = printed_counts(p.stdout)
        assert counts["articles"] >= 19043 + 43, counts
        for t in MUST_CARRY:
            assert counts.get(t, 0) > 0, (t, counts)
        assert db_counts(pg, counts) == counts == db_counts(src, counts)
        p2 = migrate(pg, back)
        t2 = time.time()
        assert printed_counts(p2.stdout) == counts
        assert db_counts(back, counts) == counts
        assert file_state(src) == before, "the source changed"
        # the round trip keeps every row as it was, value for value
        assert sqlite_rows(back, counts) == sqlite_rows(src, counts)
        print("    %d rows: SQLite -> PostgreSQL %.1fs, PostgreSQL -> SQLite %.1fs"
              % (sum(counts.values()), t1 - t0, t2 - t1))

        check_same_pages(site, [src, pg, back])

        # a site is never poured into another: refused, nothing changes
        pg_before = db_counts(pg, counts)
        for dst in (pg, back):
            state = file_state(dst) if dst == back else None
            r = migrate(src, dst, check=False)
            assert r.returncode == 1, (r.returncode, r.stderr)
            assert "already holds a site" in r.stderr and "articles: %d" % counts["articles"] in r.stderr, r.stderr
            assert r.stdout == ""
            if state is not None:
                assert file_state(dst) == state
        assert db_counts(pg, counts) == pg_before
        # even a PostgreSQL database holding only another site's accounts
        other = harness.new_db(pg=base)
        harness.run_cli("user", "add", "--db", other, "--role", "admin", "boss@example.com")
        r = migrate(src, other, check=False)
        assert r.returncode == 1 and "users: 1" in r.stderr, r.stderr
        assert db_counts(other, ["articles", "users"]) == {"articles": 0, "users": 1}

        check_writes_work(pg)
        check_writes_work(back)


def test_a_failed_copy_leaves_nothing():
    """A row that cannot be written (a trigger refuses the outbox, the
    last table) undoes the whole copy: the destination stays empty."""
    once()
    harness.need_pg()
    site = source_site(big=False)
    dst = os.path.join(tmpdir(), "sabotaged.db")
    harness.run_cli("search", "--db", dst, "--rebuild")   # an empty dateline database
    con = sqlite3.connect(dst)
    con.execute("CREATE TRIGGER no_mail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'no'); END")
    con.commit()
    con.close()
    p = migrate(site["db"], dst, check=False)
    assert p.returncode == 1 and "copying outbox" in p.stderr and "nothing was written" in p.stderr, p.stderr
    assert p.stdout == ""
    tables = printed_counts(migrate(site["db"], os.path.join(tmpdir(), "ok.db")).stdout)
    assert set(db_counts(dst, tables).values()) == {0}
    with pg_server() as base:
        pg = harness.new_db(pg=base)
        harness.run_cli("search", "--db", pg, "--rebuild")   # the schema, no rows
        harness.query(pg, "CREATE FUNCTION no_mail() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN RAISE EXCEPTION 'no'; END $$")
        harness.query(pg, "CREATE TRIGGER no_mail BEFORE INSERT ON outbox FOR EACH ROW "
                      "EXECUTE FUNCTION no_mail()")
        p = migrate(site["db"], pg, check=False)
        assert p.returncode == 1 and "copying outbox" in p.stderr, p.stderr
        assert set(db_counts(pg, tables).values()) == {0}


def test_bad_postgresql_databases():
    """A database that is not there, and one that holds another program's
    tables: refused with a clear message, nothing written."""
    once()
    harness.need_pg()
    site = source_site(big=False)
    with pg_server() as base:
        p = migrate(site["db"], base.rstrip("/") + "/t_nosuchdatabase", check=False)
        assert p.returncode == 1 and "does not exist" in p.stderr and "createdb" in p.stderr, p.stderr
        p = migrate(base.rstrip("/") + "/t_nosuchdatabase", os.path.join(tmpdir(), "x.db"), check=False)
        assert p.returncode == 1 and p.stderr.startswith("dateline migrate: source: "), p.stderr
        other = harness.new_db(pg=base)
        harness.query(other, "CREATE TABLE ledger (id BIGINT PRIMARY KEY, amount BIGINT)")
        harness.query(other, "INSERT INTO ledger VALUES (1, 100)")
        p = migrate(site["db"], other, check=False)
        assert p.returncode == 1 and "not a dateline database" in p.stderr, p.stderr
        assert harness.query(other, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(1,)]
        assert harness.query(other, "SELECT * FROM ledger") == [(1, 100)]
        # the same database named twice
        pg = harness.new_db(pg=base)
        p = migrate(pg, pg, check=False)
        assert p.returncode == 1 and "same database" in p.stderr, p.stderr


def test_hostile_input():
    once()
    site = source_site(big=False)
    d = tmpdir()
    dst = os.path.join(d, "dst.db")

    def refused(src, to, *words, rc=1):
        p = migrate(src, to, check=False)
        assert p.returncode == rc, (src, to, p.returncode, p.stderr)
        assert p.stderr.startswith("dateline migrate: "), p.stderr
        for w in words:
            assert w in p.stderr, (w, p.stderr)
        assert p.stdout == ""
        assert not os.path.exists(dst), "a refused migrate left %s behind" % dst
        return p

    # sources that are not dateline sites; none is created or changed
    missing = os.path.join(d, "missing.db")
    refused(missing, dst, "No such file or directory")
    assert not os.path.exists(missing)
    text = os.path.join(d, "notes.txt")
    with open(text, "w") as f:
        f.write("not a database\n" * 100)
    empty = os.path.join(d, "empty.db")
    open(empty, "w").close()
    foreign = os.path.join(d, "foreign.db")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)")
    con.execute("INSERT INTO accounts (owner) VALUES ('someone')")
    con.commit()
    con.close()
    for bad in (text, empty, foreign):
        before = file_state(bad)
        refused(bad, dst, "not a dateline database")
        assert file_state(bad) == before
    refused(d, dst, "not a dateline database")   # a folder
    # destinations that cannot be: another file, a folder that is not there
    p = migrate(site["db"], text, check=False)
    assert p.returncode == 1 and "not a dateline database" in p.stderr, p.stderr
    p = migrate(site["db"], os.path.join(d, "no", "such", "x.db"), check=False)
    assert p.returncode == 1 and "does not exist" in p.stderr, p.stderr
    # the same database twice
    refused(site["db"], site["db"], "same database")
    # bad PostgreSQL URIs: a clear message, never the password
    for uri in ("postgresql://dateline:s3cret@127.0.0.1:1/site",
                "postgresql://dateline:s3cret@[::1:5432/site",
                "postgresql://dateline:s3cret@127.0.0.1:5432/site?sslmode=bogus"):
        for src, to in ((site["db"], uri), (uri, dst)):
            p = refused(src, to, "source" if src == uri else "destination")
            assert "s3cret" not in p.stderr, p.stderr
            assert len(p.stderr.splitlines()) <= 3, p.stderr
    # usage errors
    for args in ([], ["--from", site["db"]], ["--to", dst], ["--from", site["db"], "--to"],
                 ["--from", site["db"], "--to", dst, "extra"], ["--db", site["db"]]):
        p = harness.run_cli("migrate", *args, check=False)
        assert p.returncode == 2 and "usage: dateline migrate" in p.stderr, (args, p.stderr)
    assert not os.path.exists(dst)


if __name__ == "__main__":
    harness.main(globals())
