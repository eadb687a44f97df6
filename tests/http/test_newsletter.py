"""Newsletters end to end against a real SMTP server (Debian's
python3-aiosmtpd, started here on a free loopback port): subscribe over
HTTP, confirm, receive a digest, change preferences, one-click unsubscribe,
receive nothing more; bad input; and a SIGKILL in the middle of delivering
5,000 digests."""
import atexit
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import struct
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import smtp_sink  # noqa: E402

CONFIG = ("[site]\nname = Meridian\n[newsletter]\ndaily =\nweekly =\n"
          "[mail]\nfrom = news@example.org\nfrom_name = Meridian News\nlease_seconds = 2\n")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_seq = [0]


def article(lang, headline, places=(), tags=(), t=None):
    _seq[0] += 1
    t = int(time.time()) if t is None else t
    return {"uri": "urn:test:nl:%d:%d" % (os.getpid(), _seq[0]), "type": "text", "language": lang,
            "firstcreated": iso(t), "versioncreated": iso(t),
            "headlines": [{"role": "main", "value": headline}],
            "places": [{"name": p} for p in places], "subjects": [{"name": s} for s in tags],
            "bodies": [{"role": "main", "contenttype": "text/plain", "value": "Body of " + headline}]}


_tmp = tempfile.mkdtemp(prefix="dateline-nl-")
atexit.register(shutil.rmtree, _tmp, True)


def publish(db, items):
    path = os.path.join(_tmp, "%d.jsonl" % _seq[0])
    with open(path, "w") as f:
        for a in items:
            f.write(json.dumps(a) + "\n")
    harness.run_cli("import", "--db", db, path)


def send_now(srv):
    return harness.run_cli("newsletter", "send", "--db", srv.db, "--config",
                           os.path.join(srv.dir, "dateline.ini"), "--now").stdout


def local(url):
    """The path and query of an absolute link from a message."""
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def links(msg):
    return re.findall(r"https?://\S+", text_of(msg))


def post(srv, path, fields):
    return srv.request("POST", path, FORM, urllib.parse.urlencode(fields, doseq=True))


def notice(body):
    m = re.search(rb'class="notice-text[^"]*"[^>]*>([^<]*)<', body)
    return m.group(1).decode() if m else None


def db_rows(db, sql, args=()):
    return harness.query(db, sql, args)


def wait(pred, timeout=15, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def check_headers(msg, to):
    assert "news@example.org" in str(msg["From"]) and "Meridian News" in str(msg["From"]), msg["From"]
    assert [a.addr_spec for a in msg["To"].addresses] == [to], msg["To"]
    assert msg["Subject"], "no Subject"
    assert msg["Date"] and email_date_ok(str(msg["Date"])), msg["Date"]
    mid = str(msg["Message-ID"])
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", mid), mid
    assert msg["MIME-Version"] == "1.0"


def email_date_ok(d):
    import email.utils
    t = email.utils.parsedate_to_datetime(d)
    return abs(t.timestamp() - time.time()) < 600


def test_subscribe_digest_prefs_unsubscribe():
    sink = smtp_sink.Sink()
    try:
        srv = harness.Server(args=["--smtp", sink.url], config=CONFIG)
        page = srv.text("/en/newsletter")
        assert 'name="email"' in page and 'action="/en/newsletter"' in page
        # the article page's box leads here
        publish(srv.db, [article("en", "Old story before confirmation", ["Japan"], ["Technology"])])

        st, h, body = post(srv, "/en/newsletter", {"email": "Reader@Example.com", "frequency": "daily"})
        assert st == 200, (st, body[:300])
        assert "no-store" in h.get("cache-control", ""), h
        ok_notice = notice(body)
        assert ok_notice and "confirm" in ok_notice
        msgs = sink.wait_for(1)
        assert len(msgs) == 1, "no confirmation message"
        assert msgs[0][1] == ["reader@example.com"] and msgs[0][0] == "news@example.org", msgs[0][:2]
        conf = sink.parsed(0)
        check_headers(conf, "reader@example.com")
        assert conf.get_content_type() == "multipart/alternative"
        # nothing but the confirmation before the link is followed
        publish(srv.db, [article("en", "Pending should not see this", ["Japan"])])
        out = send_now(srv)
        assert "0 digests queued" in out, out
        time.sleep(0.8)
        assert sink.count() == 1, "a pending subscriber got mail"

        confirm = [u for u in links(conf) if "/newsletter/confirm?" in u]
        assert len(confirm) == 1, links(conf)
        # a mail scanner prefetching the link (GET, even twice) confirms nothing
        for _ in range(2):
            st, h, body = srv.get(local(confirm[0]))
            assert st == 200 and "no-store" in h.get("cache-control", ""), st
            assert b'id="nl-confirm"' in body and b'method="post"' in body, body[:500]
        assert db_rows(srv.db, "SELECT status FROM subscribers") == [("pending",)]
        publish(srv.db, [article("en", "Prefetched link should not see this", ["Japan"])])
        out = send_now(srv)
        assert "0 digests queued" in out, out
        time.sleep(0.8)
        assert sink.count() == 1, "mail after a GET of the confirmation link"
        # the button: a POST of the signed token alone (no cookie) confirms
        form_action = re.search(rb'<form[^>]*method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" '
                                rb'name="t" value="([^"]+)"', body)
        assert form_action, body[:800]
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(confirm[0]).query)["t"][0]
        assert form_action.group(1) == b"/en/newsletter/confirm" and form_action.group(2).decode() == token
        st, h, body = post(srv, "/en/newsletter/confirm", {"t": token})
        assert st == 200 and "confirmed" in notice(body), (st, notice(body))
        assert db_rows(srv.db, "SELECT status FROM subscribers") == [("active",)]
        # replay: a clear page, nothing changes
        before = db_rows(srv.db, "SELECT status, confirmed, last_digest FROM subscribers")
        st, h, body = post(srv, "/en/newsletter/confirm", {"t": token})
        assert st == 200 and "already been used" in notice(body), notice(body)
        assert db_rows(srv.db, "SELECT status, confirmed, last_digest FROM subscribers") == before

        time.sleep(1.1)   # articles of a later second than the confirmation
        publish(srv.db, [article("en", "Chip plant water row", ["Japan"], ["Technology"]),
                         article("en", "Steppe rail link opens", ["Kazakhstan"], ["Transport"]),
                         article("it", "Notizia solo in italiano", ["Japan"])])
        out = send_now(srv)
        assert "1 digests queued" in out, out
        sink.wait_for(2)
        assert sink.count() == 2, sink.count()
        dig = sink.parsed(1)
        check_headers(dig, "reader@example.com")
        assert dig.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in dig.iter_parts()]
        assert parts == ["text/plain", "text/html"], parts
        lu = str(dig["List-Unsubscribe"])
        m = re.fullmatch(r"<(https?://[^>]+/en/newsletter/unsubscribe\?t=[A-Za-z0-9_-]+)>,\s*<mailto:[^>]+>", lu)
        assert m, lu
        assert str(dig["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        text = text_of(dig)
        html = dig.get_body(preferencelist=("html",)).get_content()
        assert "Chip plant water row" in text and "Steppe rail link opens" in text, text
        assert "Chip plant water row" in html and "/en/news/" in html
        assert "Old story" not in text and "Pending should not" not in text, text
        assert "Prefetched link" not in text, text
        assert "italiano" not in text

        # preferences through the link in the digest: weekly, Japan only
        prefs = [u for u in links(dig) if "/newsletter/prefs?" in u]
        assert len(prefs) == 1
        page = srv.text(local(prefs[0]))
        assert "reader@example.com" in page and 'name="place"' in page and 'value="japan"' in page
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(prefs[0]).query)["t"][0]
        nl_ids = re.findall(r'name="nl" value="(\d+)" checked', page)
        assert nl_ids, "digest not ticked"
        st, h, body = post(srv, "/en/newsletter/prefs", {"t": token, "nl": nl_ids, "frequency": "weekly",
                                                        "lang": "en", "place": ["japan", "no-such-place"],
                                                        "action": "save"})
        assert st == 200 and "saved" in notice(body), (st, notice(body))
        row = db_rows(srv.db, "SELECT frequency FROM subscribers")[0]
        assert row == ("weekly",), row
        assert db_rows(srv.db, "SELECT slug FROM subscriber_terms") == [("japan",)]
        time.sleep(1.1)
        publish(srv.db, [article("en", "Seoul summit ends", ["South Korea"]),
                         article("en", "Tokyo rates unchanged", ["Japan"])])
        out = send_now(srv)
        assert "1 digests queued" in out, out
        sink.wait_for(3)
        third = text_of(sink.parsed(2))
        assert "Tokyo rates unchanged" in third and "Seoul" not in third, third

        # a GET of the unsubscribe link (a scanner) only shows the button
        st, h, body = srv.get(local(m.group(1)))
        assert st == 200 and b'name="List-Unsubscribe" value="One-Click"' in body, (st, body[:300])
        assert db_rows(srv.db, "SELECT status FROM subscribers") == [("active",)]
        # RFC 8058 one-click: a bare POST to the List-Unsubscribe URL, no cookie
        st, h, body = srv.request("POST", local(m.group(1)), FORM, "List-Unsubscribe=One-Click")
        assert st == 200, (st, body[:300])
        assert "unsubscribed" in notice(body)
        assert db_rows(srv.db, "SELECT status FROM subscribers") == [("left",)]
        time.sleep(1.1)
        publish(srv.db, [article("en", "After leaving", ["Japan"])])
        out = send_now(srv)
        assert "0 digests queued" in out, out
        time.sleep(1.0)
        assert sink.count() == 3, "mail after unsubscribing"
        # the old preferences link no longer changes anything
        st, h, body = post(srv, "/en/newsletter/prefs", {"t": token, "frequency": "daily", "action": "save"})
        assert st == 200 and db_rows(srv.db, "SELECT status, frequency FROM subscribers") == [("left", "weekly")]
    finally:
        sink.stop()


def mint(db, purpose, payload, issued, expires):
    """A token signed with the site's own key (read from the database), to
    make an expired one."""
    key = [r[0] for r in db_rows(db, "SELECT value FROM secrets") if len(r[0]) == 32][0]
    head = struct.pack(">qq", issued, expires)
    p = payload.encode()
    mac = hmac.new(key, struct.pack(">I", len(purpose)) + purpose.encode() + struct.pack(">I", len(p)) +
                   p + head, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(head + p + mac).decode().rstrip("=")


def test_bad_input():
    sink = smtp_sink.Sink()
    try:
        srv = harness.Server(args=["--smtp", sink.url], config=CONFIG)
        bad = ["a@b.cc\r\nBcc: victim@example.net", "a@b.cc\nRCPT TO:<x@y.zz>", "x" * 250 + "@example.com",
               "a" * 70 + "@example.com", "not-an-address", "<a@b.cc>", "a b@c.dd", "", "a@b"]
        for addr in bad:
            st, h, body = post(srv, "/en/newsletter", {"email": addr})
            assert st == 400, (addr, st)
            assert "not valid" in notice(body), notice(body)
            assert b"victim" not in body
        st, h, body = srv.request("POST", "/en/newsletter", FORM, "nothing=here")
        assert st == 400
        assert db_rows(srv.db, "SELECT COUNT(*) FROM subscribers") == [(0,)]
        assert db_rows(srv.db, "SELECT COUNT(*) FROM outbox") == [(0,)]

        # same answer whether or not the address is known
        st1, _, b1 = post(srv, "/en/newsletter", {"email": "known@example.com"})
        sink.wait_for(1)
        link = [u for u in links(sink.parsed(0)) if "/confirm?" in u][0]
        good = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["t"][0]
        assert post(srv, "/en/newsletter/confirm", {"t": good})[0] == 200
        st2, _, b2 = post(srv, "/en/newsletter", {"email": "known@example.com"})
        st3, _, b3 = post(srv, "/en/newsletter", {"email": "stranger@example.com"})
        assert st1 == st2 == st3 == 200
        assert b2 == b3, "the answer tells known addresses apart"

        flipped = good[:20] + ("A" if good[20] != "A" else "B") + good[21:]
        sid = db_rows(srv.db, "SELECT id FROM subscribers WHERE email = 'known@example.com'")[0][0]
        expired = mint(srv.db, "nl-unsub", str(sid), int(time.time()) - 100, int(time.time()) - 10)
        other = mint(srv.db, "nl-prefs", str(sid), int(time.time()), int(time.time()) + 100)
        before = db_rows(srv.db, "SELECT id, status, frequency, nonce FROM subscribers ORDER BY id")
        cases = [("GET", "/en/newsletter/confirm?t=garbage", "not valid"),
                 ("GET", "/en/newsletter/confirm", "not valid"),
                 ("GET", "/en/newsletter/confirm?t=" + flipped, "not valid"),
                 ("GET", "/en/newsletter/confirm?t=" + "A" * 5000, "not valid"),
                 ("POST", "/en/newsletter/confirm?t=garbage", "not valid"),
                 ("POST", "/en/newsletter/confirm?t=" + flipped, "not valid"),
                 ("POST", "/en/newsletter/confirm?t=" + other, "not valid"),   # wrong purpose
                 ("GET", "/en/newsletter/prefs?t=" + good, "not valid"),     # wrong purpose
                 ("POST", "/en/newsletter/unsubscribe?t=" + other, "not valid"),
                 ("POST", "/en/newsletter/unsubscribe?t=" + expired, "expired"),
                 ("POST", "/en/newsletter/prefs?t=" + flipped, "not valid")]
        for method, path, want in cases:
            st, h, body = srv.request(method, path, FORM, "List-Unsubscribe=One-Click&action=leave")
            assert st == 400, (path[:60], st)
            assert want in (notice(body) or ""), (path[:60], notice(body))
        # the valid unsubscribe link made with the same key works: the test can fail
        fresh = mint(srv.db, "nl-unsub", str(sid), int(time.time()), int(time.time()) + 100)
        assert db_rows(srv.db, "SELECT id, status, frequency, nonce FROM subscribers ORDER BY id") == before
        st, h, body = srv.request("POST", "/en/newsletter/unsubscribe?t=" + fresh, FORM, "List-Unsubscribe=One-Click")
        assert st == 200 and db_rows(srv.db, "SELECT status FROM subscribers WHERE id = ?", (sid,)) == [("left",)]
        # a stale confirmation link after leaving and subscribing again is refused
        post(srv, "/en/newsletter", {"email": "known@example.com"})
        st, h, body = post(srv, "/en/newsletter/confirm", {"t": good})
        assert st == 400 and db_rows(srv.db, "SELECT status FROM subscribers WHERE id = ?", (sid,)) == [("pending",)]
    finally:
        sink.stop()


def test_bounces_stop_mail():
    sink = smtp_sink.Sink(reject=["gone@example.com"])
    try:
        srv = harness.Server(args=["--smtp", sink.url], config=CONFIG)
        for i in range(3):
            post(srv, "/en/newsletter", {"email": "gone@example.com"})
            assert wait(lambda: db_rows(srv.db, "SELECT COUNT(*) FROM outbox WHERE state = 'failed'")[0][0] == i + 1)
        assert db_rows(srv.db, "SELECT failures, bouncing FROM mail_addresses") == [(3, 1)]
        st, h, body = post(srv, "/en/newsletter", {"email": "gone@example.com"})
        assert st == 200   # same answer, but nothing queued
        assert db_rows(srv.db, "SELECT COUNT(*) FROM outbox") == [(3,)]
        assert sink.count() == 0
    finally:
        sink.stop()


def test_crash_during_digest_delivery():
    n = int(os.environ.get("NL_CRASH_SUBSCRIBERS", "5000"))
    sink = smtp_sink.Sink()
    srv = None
    try:
        srv = harness.Server(config=CONFIG)     # no relay yet: only the database
        db = srv.db
        addrs = ["reader%05d@example.com" % i for i in range(n)]
        out = harness.run_cli("newsletter", "import", "--db", db, "--config", os.path.join(srv.dir, "dateline.ini"), stdin="\n".join(addrs) + "\n").stdout
        assert "%d subscribers added" % n in out, out
        time.sleep(1.1)
        publish(db, [article("en", "Crash test story", ["Japan"])])
        out = send_now(srv)
        assert "%d digests queued" % n in out, out
        srv.proc.kill()
        srv.proc.wait()
        cfg = os.path.join(srv.dir, "dateline.ini")
        log = open(os.path.join(srv.dir, "crash.log"), "w")
        cmd = [harness.BIN, "serve", "--db", db, "--listen", "127.0.0.1:%d" % harness.free_port(),
               "--config", cfg, "--smtp", sink.url]
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        assert wait(lambda: sink.count() >= n // 5, timeout=60), "delivery did not start"
        p.send_signal(signal.SIGKILL)
        p.wait()
        received_at_kill = sink.count()
        in_flight = db_rows(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sending'")[0][0]
        time.sleep(0.3)   # let the sink take anything already on the wire
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            assert wait(lambda: db_rows(db, "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')")[0][0] == 0,
                        timeout=120), "outbox not drained after restart"
        finally:
            p.terminate()
            p.wait()
        time.sleep(0.3)
        got = {}
        with sink.lock:
            for _, rcpts, _ in sink.messages:
                for r in rcpts:
                    got[r] = got.get(r, 0) + 1
        missing = [a for a in addrs if a not in got]
        dups = sum(c - 1 for c in got.values())
        print("    crash test: %d subscribers, %d received before the kill, %d in flight at the kill, "
              "%d duplicates, %d missing" % (n, received_at_kill, in_flight, dups, len(missing)))
        assert not missing, "%d subscribers never got the digest" % len(missing)
        assert dups <= in_flight, (dups, in_flight)
        assert db_rows(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND state = 'sent'") == [(n,)]
    finally:
        sink.stop()


def test_server_schedules_digests():
    """[newsletter] daily = 00:00: the server's own scheduler queues today's
    digest at start, once; a restart does not send it again."""
    sink = smtp_sink.Sink()
    try:
        cfg = CONFIG.replace("daily =\n", "daily = 00:00\n")
        srv = harness.Server(config=cfg)
        srv.proc.kill()
        srv.proc.wait()
        harness.run_cli("newsletter", "import", "--db", srv.db, stdin="early@example.com\n")
        time.sleep(1.1)
        publish(srv.db, [article("en", "Scheduled digest story", ["Japan"])])
        cmd = [harness.BIN, "serve", "--db", srv.db, "--listen", "127.0.0.1:%d" % harness.free_port(),
               "--config", os.path.join(srv.dir, "dateline.ini"), "--smtp", sink.url]
        for _ in range(2):
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                assert wait(lambda: sink.count() >= 1, timeout=10), "no scheduled digest"
                time.sleep(0.5)
            finally:
                p.terminate()
                p.wait()
        assert sink.count() == 1, sink.count()
        assert "Scheduled digest story" in text_of(sink.parsed(0))
    finally:
        sink.stop()


PASSWORD = "correct horse battery"


def add_user(srv, role, email):
    p = harness.run_cli("user", "add", "--db", srv.db, "--role", role, email)
    tok = re.search(r"/newsroom/set-password\?token=([0-9a-f]{64})", p.stdout).group(1)
    st, _, _ = post(srv, "/newsroom/set-password", {"token": tok, "password": PASSWORD, "password2": PASSWORD})
    assert st == 200, st
    # the login form's pre-session cookie and its signed token (login CSRF)
    st, h, body = srv.get("/newsroom/login")
    pre = re.match(r"dl_login=([^;]+)", h.get("set-cookie", "")).group(1)
    tok = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    st, h, _ = srv.request("POST", "/newsroom/login", dict(FORM, Cookie="dl_login=" + pre),
                           urllib.parse.urlencode({"csrf": tok, "email": email, "password": PASSWORD}))
    m = re.match(r"dl_session=([^;]+)", h.get("set-cookie", ""))
    assert st == 303 and m, (st, h)
    return {"Cookie": "dl_session=" + m.group(1)}


def test_admin_pages():
    sink = smtp_sink.Sink()
    try:
        srv = harness.Server(args=["--smtp", sink.url], config=CONFIG)
        publish(srv.db, [article("en", "Tagged story", ["Central Asia"], ["Energy"])])
        for a in ["one@example.com", "=1+2@example.com"]:
            assert post(srv, "/en/newsletter", {"email": a})[0] == 200
        sink.wait_for(2)
        st, h, _ = srv.get("/newsroom/newsletters")
        assert st in (302, 303, 401, 403), st          # nobody logged in
        assert srv.get("/newsroom/newsletters/subscribers.csv")[0] in (302, 303, 401, 403)
        editor = add_user(srv, "editor", "ed@example.org")
        assert srv.get("/newsroom/newsletters", editor)[0] == 403
        admin = add_user(srv, "admin", "boss@example.org")
        st, h, body = srv.get("/newsroom/newsletters", admin)
        page = body.decode()
        assert st == 200 and "no-store" in h.get("cache-control", ""), st
        assert "one@example.com" in page and "confirm" in page, "subscribers or sends missing"
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        hh = dict(admin, **FORM)
        body = urllib.parse.urlencode({"csrf": csrf, "lang": "en", "name": "Central Asia alert",
                                       "term_kind": "place", "slug": "central-asia"})
        st, _, out = srv.request("POST", "/newsroom/newsletters", hh, body)
        assert st == 200 and "Central Asia alert" in out.decode(), st
        assert db_rows(srv.db, "SELECT kind, term_slug FROM newsletters WHERE name = 'Central Asia alert'") == \
            [("alert", "central-asia")]
        body = urllib.parse.urlencode({"csrf": csrf, "lang": "en", "name": "X", "term_kind": "tag", "slug": "nope"})
        st, _, out = srv.request("POST", "/newsroom/newsletters", hh, body)
        assert st == 200 and "was not added" in out.decode()
        body = urllib.parse.urlencode({"lang": "en", "name": "Y", "term_kind": "tag", "slug": "energy"})
        assert srv.request("POST", "/newsroom/newsletters", hh, body)[0] == 403   # no CSRF token
        assert db_rows(srv.db, "SELECT COUNT(*) FROM newsletters WHERE kind = 'alert'") == [(1,)]
        # the public page now offers the alert
        assert "Central Asia alert" in srv.text("/en/newsletter")
        st, h, csv = srv.get("/newsroom/newsletters/subscribers.csv", admin)
        assert st == 200 and h["content-type"].startswith("text/csv"), h
        lines = csv.decode().split("\r\n")
        assert lines[0] == "id,email,lang,frequency,status,created,confirmed"
        assert any('"one@example.com","en","daily","pending"' in l for l in lines), lines
        assert any("\"'=1+2@example.com\"" in l for l in lines), lines   # formula defused
    finally:
        sink.stop()


harness.main(globals())
