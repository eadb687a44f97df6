"""Jobs that run once across the nodes sharing a PostgreSQL database
(issue #8): scheduled publishing and newsletter digests take an advisory
lock (store_lock_try: DL_LOCK_SCHEDULER, DL_LOCK_DIGESTS), and a node that
does not get it skips that tick. The test holds each lock itself, as a
third node would: while it holds it no node publishes or builds digests;
once it lets go, one of them does, once.

PostgreSQL only (on SQLite the lock is in-process: one process serves a
file). Runs in the SQLite and ASan passes of `make test` with a private
PostgreSQL server; the PostgreSQL pass skips it, as it would only run again
the same way."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_newsroom import add_user, article_fields, create, logged_in  # noqa: E402

# LOCK_KEY(n) of src/store/pg.c: "datelin" and the lock's number.
LOCK_SCHEDULER = 0x646174656c696e00 + 1
LOCK_DIGESTS = 0x646174656c696e00 + 2
CONFIG = ("[site]\nname = Meridian\n[newsroom]\nschedule_tick_seconds = 1\n"
          "[newsletter]\ndaily =\nweekly =\n[mail]\nfrom = news@example.org\n")


def once():
    if harness.engine() == "postgresql":
        raise harness.Skip("runs in the SQLite and ASan passes, each with its own PostgreSQL server")
    harness.need_pg()


class Holder:
    """A connection holding an advisory lock, as another node would."""

    def __init__(self, db, key):
        import psycopg2
        self.c = psycopg2.connect(db)
        self.c.autocommit = True
        self.key = key
        cur = self.c.cursor()
        cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        assert cur.fetchone()[0], "the lock is held already"

    def release(self):
        if self.c:
            cur = self.c.cursor()
            cur.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            assert cur.fetchone()[0]
            self.c.close()
            self.c = None


def wait(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


def scheduled_publications(db, uri):
    return harness.query(db, "SELECT count(*) FROM audit WHERE action = 'publish.scheduled' AND target = ?",
                         (uri,))[0][0]


def test_scheduled_publishing_waits_for_the_lock_and_runs_once():
    once()
    with harness.pg_cluster() as base:
        db = harness.new_db(pg=base)
        a = harness.Server(db=db, config=CONFIG)
        b = harness.Server(db=db, config=CONFIG)
        add_user(a, "editor", "ed@example.com")
        ed = logged_in(a, "ed@example.com")
        headline = "Ferry timetable changes at dawn"
        aid = create(ed, headline)
        uri = harness.query(db, "SELECT uri FROM articles WHERE id = ?", (aid,))[0][0]
        holder = Holder(db, LOCK_SCHEDULER)
        try:
            when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 2))
            st, _, body = ed.req("POST", "/newsroom/articles/%d" % aid,
                                 article_fields(ed.csrf(), headline, action="schedule", publish_at=when))
            assert st == 303, (st, body[:300])
            # due after 2 s; both nodes tick every second for 3 s more and skip
            time.sleep(5)
            assert harness.query(db, "SELECT status FROM articles WHERE id = ?", (aid,)) == [(3,)], \
                "published while another node held the scheduler lock"
            for srv in (a, b):
                assert headline not in srv.text("/en/")
        finally:
            holder.release()
        assert wait(lambda: headline in a.text("/en/") and headline in b.text("/en/"), 15), \
            "not published after the lock was let go"
        time.sleep(2)   # both nodes tick again: nothing more happens
        assert scheduled_publications(db, uri) == 1
        a.stop()
        b.stop()


def test_digests_wait_for_the_lock():
    once()
    with harness.pg_cluster() as base:
        db = harness.new_db(pg=base)
        with harness.Server(db=db, config=CONFIG) as srv:   # makes the default digests
            cfg = os.path.join(srv.dir, "dateline.ini")
            addrs = "".join("r%02d@example.com\n" % i for i in range(5))
            harness.run_cli("newsletter", "import", "--db", db, "--config", cfg, stdin=addrs)
            time.sleep(1.1)
            story = os.path.join(srv.dir, "story.jsonl")
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            with open(story, "w") as f:
                f.write(json.dumps({"uri": "urn:test:jobs:1", "type": "text", "language": "en",
                                    "firstcreated": t, "versioncreated": t,
                                    "headlines": [{"role": "main", "value": "Lighthouse relit"}],
                                    "bodies": [{"role": "main", "contenttype": "text/plain",
                                                "value": "The lamp turns again."}]}) + "\n")
            harness.run_cli("import", "--db", db, story)
            holder = Holder(db, LOCK_DIGESTS)
            try:
                p = harness.run_cli("newsletter", "send", "--db", db, "--config", cfg, "--now")
                assert "another node is building the digests" in p.stderr, p.stderr
                assert "digests queued" not in p.stdout, p.stdout
                assert harness.query(db, "SELECT count(*) FROM outbox") == [(0,)]
            finally:
                holder.release()
            p = harness.run_cli("newsletter", "send", "--db", db, "--config", cfg, "--now")
            assert "5 digests queued" in p.stdout, p.stdout
            assert harness.query(db, "SELECT count(*) FROM outbox WHERE kind = 'digest'") == [(5,)]


if __name__ == "__main__":
    harness.main(globals())
