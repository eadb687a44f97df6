"""Several dateline nodes on one PostgreSQL database (issue #8), each node a
`dateline serve` process on its own port, the database on a private
PostgreSQL server that the test starts (harness.pg_cluster, scripts/pg.sh):

- a page published through the newsroom on node A is served by node B
  within one second (the contract: a write reaches every node through
  LISTEN/NOTIFY); a retraction made on B is in force on A as soon as B
  acknowledges it; a login made on A works on B, and a logout on B ends it
  on A;
- 10,000 queued messages delivered by the outbox workers of two nodes to
  one SMTP server, one node SIGKILLed midway: the other finishes, and every
  message arrives once, except those the killed node had in flight (sent,
  perhaps, but not yet marked), which may arrive twice after their lease;
- two nodes started together, each with the digest scheduler on: each
  subscriber gets the day's digest once (one node runs it, advisory lock).

These tests run in the SQLite and the ASan passes of `make test` (each
with its own PostgreSQL server); the PostgreSQL pass (DATELINE_TEST_PG)
skips them, as they would only run again the same way.
"""
import os
import re
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import smtp_sink  # noqa: E402
import test_newsroom as nr  # noqa: E402

SYNC_LIMIT = 1.0          # seconds: the contract for a write to reach every node
SYNC_SLACK = 0.5          # HTTP round trips on a shared 2-core machine
MAIL_CONFIG = ("[site]\nname = Meridian\n[newsletter]\ndaily =\nweekly =\n"
               "[mail]\nfrom = news@example.org\nfrom_name = Meridian News\nlease_seconds = 2\n")


def once():
    if harness.engine() == "postgresql":
        raise harness.Skip("runs in the SQLite and ASan passes, each with its own PostgreSQL server; "
                           "this pass would run it again the same way")


def slug_of(headline):
    return re.sub(r"[^a-z0-9]+", "-", headline.lower()).strip("-")


def poll(pred, timeout, step=0.02):
    """Calls pred until it is true or timeout seconds passed; returns the
    seconds it took, or None."""
    t0 = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(step)


def test_two_nodes_publish_retract_session():
    once()
    with harness.pg_cluster() as base:
        db = harness.new_db(pg=base)
        a = harness.Server(db=db)
        b = harness.Server(db=db)
        try:
            nr.add_user(a, "editor", "ed@example.com")
            ed_a = nr.logged_in(a, "ed@example.com")

            # the session made on A works on B: the newsroom, and its forms
            ed_b = nr.Client(b)
            ed_b.cookie = ed_a.cookie
            st, _, body = ed_b.req("GET", "/newsroom/")
            assert st == 200 and "csrf" in body, (st, body[:300])

            headline = "Harbour cranes return after the storm"
            url = "/en/news/" + slug_of(headline)
            # both nodes have the front page, and B the missing article, in cache
            for srv in (a, b):
                for _ in range(2):
                    assert headline.encode() not in srv.get("/en/")[2]
            assert b.get(url)[0] == 404

            aid = nr.create(ed_a, headline, body="The cranes are back.", places="Norway", tags="Ports")
            st, _, body = ed_a.req("POST", "/newsroom/articles/%d" % aid,
                                   nr.article_fields(ed_a.csrf(), headline, body="The cranes are back.",
                                                     places="Norway", tags="Ports", action="publish"))
            assert st == 303, (st, body[:300])
            assert a.get(url)[0] == 200, "not published on A itself"
            # publish acknowledged (committed): B serves it within the second
            limit = SYNC_LIMIT + SYNC_SLACK
            d_page = poll(lambda: b.get(url)[0] == 200, limit)
            d_home = poll(lambda: headline.encode() in b.get("/en/")[2], limit)
            print("    publish on A -> article on B after %s, front page after %s (limit %.1f s)"
                  % ("%.3f s" % d_page if d_page is not None else "never",
                     "%.3f s" % d_home if d_home is not None else "never", limit))
            assert d_page is not None, "B did not serve the new article within %.1f s" % limit
            assert d_home is not None, "B's front page did not show the new article within %.1f s" % limit

            # B has the article in its cache; an edit on A replaces it there
            # within the second too (no stale page)
            for _ in range(2):
                assert b.get(url)[0] == 200
            st, _, body = ed_a.req("POST", "/newsroom/articles/%d" % aid,
                                   nr.article_fields(ed_a.csrf(), headline, body="All six cranes are back.",
                                                     places="Norway", tags="Ports", action="publish"))
            assert st == 303, (st, body[:300])
            d_edit = poll(lambda: b"All six cranes are back." in b.get(url)[2], limit)
            print("    edit on A -> B's cached page replaced after %s"
                  % ("%.3f s" % d_edit if d_edit is not None else "never"))
            assert d_edit is not None, "B served the stale page for more than %.1f s" % limit

            # A has the article in its cache; retract it on B, with B's form
            for _ in range(3):
                assert a.get(url)[0] == 200
            st, _, body = ed_b.req("POST", "/newsroom/articles/%d" % aid,
                                   nr.article_fields(ed_b.csrf(), headline, body="All six cranes are back.",
                                                     places="Norway", tags="Ports", action="retract"))
            assert st == 303, (st, body[:300])
            # acknowledged: A no longer serves it, with no waiting
            st, _, body = a.get(url)
            assert st == 410 and b"cranes are back" not in body, (st, body[:300])
            assert headline.encode() not in a.get("/en/")[2], "A's front page still lists the retracted article"
            assert b.get(url)[0] == 410

            # a logout on B ends the session on A
            st, hd, _ = ed_b.req("POST", "/newsroom/logout", {"csrf": ed_b.csrf()})
            assert st == 303 and hd["location"] == "/newsroom/login", (st, hd)
            st, hd, _ = ed_a.req("GET", "/newsroom/")
            assert st == 303 and hd["location"].startswith("/newsroom/login"), (st, hd)
        finally:
            b.stop()
            a.stop()


def write_story(path, uri, headline):
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(path, "w") as f:
        f.write('{"uri": "%s", "type": "text", "language": "en", '
                '"firstcreated": "%s", "versioncreated": "%s", '
                '"headlines": [{"role": "main", "value": "%s"}], '
                '"places": [{"name": "Japan"}], '
                '"bodies": [{"role": "main", "contenttype": "text/plain", "value": "Body."}]}\n'
                % (uri, t, t, headline))


def outbox_rows(db, sql, args=()):
    return harness.query(db, sql, args)


def test_two_nodes_deliver_once_one_killed():
    once()
    n = int(os.environ.get("CLUSTER_MESSAGES", "10000"))
    with harness.pg_cluster() as base:
        db = harness.new_db(pg=base)
        sink = smtp_sink.Sink()
        a = b = None
        try:
            # subscribers, then a story, then one digest each: n messages queued
            cfg_dir = tempfile.mkdtemp(prefix="dateline-cluster-")
            cfg = os.path.join(cfg_dir, "site.ini")
            with open(cfg, "w") as f:
                f.write(MAIL_CONFIG)
            addrs = ["reader%05d@example.com" % i for i in range(n)]
            out = harness.run_cli("newsletter", "import", "--db", db, "--config", cfg,
                                  stdin="\n".join(addrs) + "\n").stdout
            assert "%d subscribers added" % n in out, out
            time.sleep(1.1)   # the story strictly after the subscriptions
            story = os.path.join(cfg_dir, "story.jsonl")
            write_story(story, "urn:test:cluster:1", "Cluster delivery story")
            harness.run_cli("import", "--db", db, story)
            out = harness.run_cli("newsletter", "send", "--db", db, "--config", cfg, "--now").stdout
            assert "%d digests queued" % n in out, out
            assert outbox_rows(db, "SELECT COUNT(*) FROM outbox WHERE state = 'queued'") == [(n,)]

            t0 = time.monotonic()
            a = harness.Server(db=db, config=MAIL_CONFIG, args=["--smtp", sink.url])
            b = harness.Server(db=db, config=MAIL_CONFIG, args=["--smtp", sink.url])
            pid_a, pid_b = a.proc.pid, b.proc.pid

            def sent_by(pid):
                return outbox_rows(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND worker LIKE ?",
                                   ("%%:%d:%%" % pid,))[0][0]

            # midway, with both nodes delivering: SIGKILL A
            assert poll(lambda: sink.count() >= n * 2 // 5, 300, 0.05) is not None, \
                "delivery did not get going: %d received" % sink.count()
            a.proc.kill()
            a.proc.wait()
            received_at_kill = sink.count()
            in_flight_a = {r[0] for r in outbox_rows(
                db, "SELECT rcpt FROM outbox WHERE state = 'sending' AND worker LIKE ?", ("%%:%d:%%" % pid_a,))}
            sent_a_at_kill, sent_b_at_kill = sent_by(pid_a), sent_by(pid_b)
            states_at_kill = outbox_rows(db, "SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state")
            assert b.alive(), "node B died: " + b.logtext()

            # B finishes, A's in-flight rows too once their lease is over
            drained = poll(lambda: outbox_rows(
                db, "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')")[0][0] == 0, 300, 0.2)
            assert drained is not None, "outbox not drained by node B: %s" % (
                outbox_rows(db, "SELECT state, COUNT(*) FROM outbox GROUP BY state"),)
            secs = time.monotonic() - t0
            time.sleep(0.3)   # anything still on the wire
            got = {}
            with sink.lock:
                for _, rcpts, _ in sink.messages:
                    for r in rcpts:
                        got[r] = got.get(r, 0) + 1
            missing = [x for x in addrs if x not in got]
            dups = {r: c - 1 for r, c in got.items() if c > 1}
            strangers = [r for r in got if r not in set(addrs)]
            print("    cluster delivery: %d messages in %.1f s; at the kill %d received, A had sent %d, "
                  "B %d, A had %d in flight; in the end B sent %d; %d duplicates, %d missing"
                  % (n, secs, received_at_kill, sent_a_at_kill, sent_b_at_kill, len(in_flight_a),
                     sent_by(pid_b), sum(dups.values()), len(missing)))
            print("    outbox at the kill: %s" % ", ".join("%s %d" % r for r in states_at_kill))
            assert not missing, "%d messages never arrived" % len(missing)
            assert not strangers, strangers[:5]
            # a message arrives twice only if A had it in flight when killed,
            # and then at most twice
            assert set(dups) <= in_flight_a, sorted(set(dups) - in_flight_a)[:10]
            assert all(c == 1 for c in dups.values()), dups
            assert outbox_rows(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == [(n,)]
            # both nodes' workers took part before the kill
            assert sent_a_at_kill > 0 and sent_b_at_kill > 0, (sent_a_at_kill, sent_b_at_kill)
            shutil.rmtree(cfg_dir, ignore_errors=True)
        finally:
            for srv in (b, a):
                if srv is not None:
                    srv.stop()
            sink.stop()


def test_two_nodes_schedule_digests_once():
    once()
    n = 50
    with harness.pg_cluster() as base:
        db = harness.new_db(pg=base)
        sink = smtp_sink.Sink()
        d = tempfile.mkdtemp(prefix="dateline-cluster-")
        nodes = []
        try:
            cfg = MAIL_CONFIG.replace("daily =\n", "daily = 00:00\n")
            addrs = ["early%02d@example.com" % i for i in range(n)]
            harness.run_cli("newsletter", "import", "--db", db, stdin="\n".join(addrs) + "\n")
            time.sleep(1.1)
            story = os.path.join(d, "story.jsonl")
            write_story(story, "urn:test:cluster:digest", "Scheduled cluster digest story")
            harness.run_cli("import", "--db", db, story)
            # both schedulers start at once and find today's digest due
            errors = []

            def start():
                try:
                    nodes.append(harness.Server(db=db, config=cfg, args=["--smtp", sink.url]))
                except Exception as e:   # noqa: BLE001 (reported below)
                    errors.append(e)
            threads = [threading.Thread(target=start) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, errors
            assert poll(lambda: sink.count() >= n, 60, 0.05) is not None, \
                "%d digests of %d arrived" % (sink.count(), n)
            time.sleep(2)   # a second run, if any, has had time to queue and send
            got = {}
            with sink.lock:
                for _, rcpts, _ in sink.messages:
                    for r in rcpts:
                        got[r] = got.get(r, 0) + 1
            print("    scheduled digests on two nodes: %d subscribers, %d messages" % (n, sink.count()))
            assert sorted(got) == sorted(addrs), sorted(set(addrs) ^ set(got))[:5]
            assert all(c == 1 for c in got.values()), {r: c for r, c in got.items() if c > 1}
            assert outbox_rows(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'digest'") == [(n,)]
        finally:
            for srv in nodes:
                srv.stop()
            sink.stop()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    harness.main(globals())
