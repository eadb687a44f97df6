"""Newsroom over HTTP: accounts and one-time links, lockout, sessions and
logout, CSRF, roles (an author cannot read another's draft nor publish),
publishing to the front page, the scheduler (also across a restart),
revisions, no-store, and XSS vectors through the Markdown editor."""
import calendar
import html
import html.parser
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

LOCK_FAILURES = 5          # AUTH_LOCK_FAILURES in src/web/auth.h
PASSWORD = "correct horse battery"


def form(fields):
    return urllib.parse.urlencode(fields).encode()


class Client:
    """One browser: a cookie jar of two cookies (dl_session, and the
    pre-session dl_login of the login form)."""

    def __init__(self, srv):
        self.srv = srv
        self.cookie = None
        self.login_cookie = None

    def req(self, method, path, fields=None, headers=None, send_login_cookie=True):
        h = dict(headers or {})
        body = None
        jar = []
        if self.cookie:
            jar.append("dl_session=" + self.cookie)
        if self.login_cookie and send_login_cookie:
            jar.append("dl_login=" + self.login_cookie)
        if jar:
            h["Cookie"] = "; ".join(jar)
        if fields is not None:
            body = form(fields)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        st, hd, data = self.srv.request(method, path, h, body)
        sc = hd.get("set-cookie")
        if sc:
            m = re.match(r"dl_session=([^;]*)", sc)
            if m:
                self.cookie = m.group(1) or None
            m = re.match(r"dl_login=([^;]*)", sc)
            if m:
                self.login_cookie = m.group(1) or None
        return st, hd, data.decode("utf-8", "replace")

    def form_token(self, path, pattern):
        """The hidden csrf field of the form on page `path`."""
        st, _, body = self.req("GET", path)
        assert st == 200, (st, body[:300])
        m = re.search(r'name="csrf" value="(%s)"' % pattern, body)
        assert m, "no csrf field in " + path
        return m.group(1)

    def login_token(self):
        """Opens the login form as a browser does: its signed token, and
        its dl_login cookie in the jar."""
        return self.form_token("/newsroom/login", "[A-Za-z0-9_-]+")

    def login(self, email, password=PASSWORD, **kw):
        tok = self.login_token()
        return self.req("POST", "/newsroom/login", {"csrf": tok, "email": email, "password": password}, **kw)

    def csrf(self):
        return self.form_token("/newsroom/", "[0-9a-f]{64}")


def add_user(srv, role, email, password=PASSWORD):
    p = harness.run_cli("user", "add", "--db", srv.db, "--role", role, email)
    m = re.search(r"/newsroom/set-password\?token=([0-9a-f]{64})", p.stdout)
    assert m, p.stdout
    tok = m.group(1)
    st, _, body = srv.request("GET", "/newsroom/set-password?token=" + tok)
    assert st == 200, (st, body[:200])
    st, _, body = srv.request("POST", "/newsroom/set-password", {"Content-Type": "application/x-www-form-urlencoded"},
                              form({"token": tok, "password": password, "password2": password}))
    assert st == 200, (st, body[:300])
    return tok


def logged_in(srv, email):
    c = Client(srv)
    st, hd, _ = c.login(email)
    assert st == 303 and c.cookie, (st, hd)
    return c


def article_fields(csrf, headline, body="Some *text*.", action="save", **kw):
    f = {"csrf": csrf, "headline": headline, "standfirst": "A standfirst", "byline": "Ann Author",
         "located": "Rome", "places": "Italy", "tags": "Politics", "lang": "en",
         "translation_of": "", "body": body, "publish_at": "", "action": action}
    f.update(kw)
    return f


def create(c, headline, **kw):
    st, hd, body = c.req("POST", "/newsroom/articles/new", article_fields(c.csrf(), headline, **kw))
    assert st == 303, (st, body[:300])
    m = re.match(r"/newsroom/articles/(\d+)\?", hd["location"])
    assert m, hd["location"]
    return int(m.group(1))


def test_set_password_link_is_single_use():
    with harness.Server() as srv:
        tok = add_user(srv, "author", "a@example.com")
        st, _, body = srv.request("GET", "/newsroom/set-password?token=" + tok)
        assert st == 410, st
        st, _, _ = srv.request("POST", "/newsroom/set-password", {"Content-Type": "application/x-www-form-urlencoded"},
                               form({"token": tok, "password": "another password 1", "password2": "another password 1"}))
        assert st == 410, st
        assert logged_in(srv, "a@example.com").cookie
        st, _, _ = Client(srv).login("a@example.com", "another password 1")
        assert st == 401, st


def test_wrong_passwords_lock_out():
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        add_user(srv, "author", "other@example.com")
        c = Client(srv)
        for i in range(LOCK_FAILURES):
            st, _, body = c.login("ed@example.com", "wrong password %d" % i)
            assert st == 401, (i, st)
            assert "Wrong email or password" in body
        # locked now, even with the right password
        st, hd, body = c.login("ed@example.com")
        assert st == 429, st
        assert "locked" in body and "15 minutes" in body, body[:2000]
        assert int(hd["retry-after"]) > 800
        assert c.cookie is None
        # the lock is per account (and survives a restart: it is in the database)
        assert logged_in(srv, "other@example.com").cookie
    # mixed-case email counts as the same account
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        for i in range(LOCK_FAILURES):
            st, _, _ = Client(srv).login("Ed@Example.com", "nope nope %d" % i)
            assert st == 401
        st, _, _ = Client(srv).login("ed@example.com")
        assert st == 429, st


def test_logout_kills_the_session_cookie():
    with harness.Server() as srv:
        add_user(srv, "author", "a@example.com")
        c = logged_in(srv, "a@example.com")
        old = c.cookie
        csrf = c.csrf()
        st, hd, _ = c.req("POST", "/newsroom/logout", {"csrf": csrf})
        assert st == 303 and hd["location"] == "/newsroom/login", (st, hd)
        assert "Max-Age=0" in hd["set-cookie"]
        replay = Client(srv)
        replay.cookie = old
        st, hd, _ = replay.req("GET", "/newsroom/")
        assert st == 303 and hd["location"].startswith("/newsroom/login"), (st, hd)
        st, _, _ = replay.req("POST", "/newsroom/articles/new", article_fields(csrf, "After logout"))
        assert st == 403, st
        # a new login gives a new session id
        c2 = logged_in(srv, "a@example.com")
        assert c2.cookie != old


def test_session_cookie_flags_and_no_store():
    with harness.Server() as srv:
        add_user(srv, "author", "a@example.com")
        st, hd, _ = Client(srv).login("a@example.com")
        sc = hd["set-cookie"]
        assert "HttpOnly" in sc and "SameSite=Lax" in sc and "Path=/newsroom" in sc, sc
        assert "Secure" not in sc   # base_url is http here
        c = logged_in(srv, "a@example.com")
        aid = create(c, "Cache check")
        for path in ["/newsroom/login", "/newsroom/", "/newsroom/articles/new",
                     "/newsroom/articles/%d" % aid, "/newsroom/articles/%d/revisions" % aid]:
            st, hd, _ = c.req("GET", path)
            assert hd.get("cache-control") == "no-store", (path, st, hd.get("cache-control"))
        st, hd, _ = Client(srv).req("GET", "/newsroom/")
        assert st == 303 and hd.get("cache-control") == "no-store"
        st, hd, _ = Client(srv).req("GET", "/newsroom")
        assert st == 303 and hd["location"] == "/newsroom/"


def test_password_change_ends_every_session():
    with harness.Server() as srv:
        add_user(srv, "author", "a@example.com")
        one, two = logged_in(srv, "a@example.com"), logged_in(srv, "a@example.com")
        st, _, _ = one.req("POST", "/newsroom/password", {"csrf": one.csrf(), "current": "wrong one here",
                                                          "password": "brand new password", "password2": "brand new password"})
        assert st == 400, st
        st, _, _ = one.req("POST", "/newsroom/password", {"csrf": one.csrf(), "current": PASSWORD,
                                                          "password": "short", "password2": "short"})
        assert st == 400, st
        st, _, body = one.req("POST", "/newsroom/password", {"csrf": one.csrf(), "current": PASSWORD,
                                                             "password": "brand new password", "password2": "brand new password"})
        assert st == 200 and "Password changed" in body, (st, body[:300])
        for c in (one, two):
            st, _, _ = c.req("GET", "/newsroom/")
            assert st == 303, st
        assert Client(srv).login("a@example.com")[0] == 401
        assert Client(srv).login("a@example.com", "brand new password")[0] == 303


def test_form_without_csrf_is_refused():
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        c = logged_in(srv, "ed@example.com")
        f = article_fields("", "No token")
        del f["csrf"]
        st, _, body = c.req("POST", "/newsroom/articles/new", f)
        assert st == 403, st
        assert "security token" in body
        st, _, _ = c.req("POST", "/newsroom/articles/new", article_fields("0" * 64, "Wrong token"))
        assert st == 403, st
        st, _, _ = c.req("POST", "/newsroom/logout", {})
        assert st == 403, st
        st, _, body = c.req("GET", "/newsroom/?status=draft")
        assert "No token" not in body and "Wrong token" not in body
        assert create(c, "With token") > 0


def test_login_form_csrf_and_origin():
    port = harness.free_port()
    base = "http://127.0.0.1:%d" % port
    with harness.Server(config="[site]\nbase_url = %s\n" % base, port=port) as srv:
        add_user(srv, "editor", "ed@example.com")
        # the form's cookie: random, HttpOnly, SameSite=Strict, for the newsroom only
        c = Client(srv)
        st, hd, body = c.req("GET", "/newsroom/login")
        sc = hd.get("set-cookie", "")
        assert st == 200 and re.match(r"dl_login=[0-9a-f]{64};", sc), sc
        assert "HttpOnly" in sc and "SameSite=Strict" in sc and "Path=/newsroom" in sc, sc
        other = Client(srv)
        other.login_token()
        assert other.login_cookie != c.login_cookie, "the pre-session cookie is not random"

        def refused(resp, why):
            st, hd, body = resp
            assert st == 403, (why, st, body[:200])
            assert "dl_session=" not in hd.get("set-cookie", ""), (why, hd)
            assert "security token" in body, (why, body[:300])

        fields = {"email": "ed@example.com", "password": PASSWORD}
        # no token at all (the cookie is there)
        refused(c.req("POST", "/newsroom/login", fields), "no token")
        # no cookie, no token: a plain cross-site form post
        refused(Client(srv).req("POST", "/newsroom/login", fields), "nothing")
        # a valid token without its cookie
        tok = c.login_token()
        refused(c.req("POST", "/newsroom/login", dict(fields, csrf=tok), send_login_cookie=False),
                "token without cookie")
        # a valid token with another browser's cookie
        refused(other.req("POST", "/newsroom/login", dict(fields, csrf=tok)), "someone else's token")
        # a forged token
        bad = tok[:-2] + ("AA" if tok[-2:] != "AA" else "BB")
        refused(c.req("POST", "/newsroom/login", dict(fields, csrf=bad)), "forged token")
        # the attacker's own random value, unsigned
        refused(c.req("POST", "/newsroom/login", dict(fields, csrf=c.login_cookie)), "unsigned value")
        # token and cookie right, but posted from another site
        for origin in ("http://evil.example", "null", "http://127.0.0.1:%d" % (port + 1),
                       "https://127.0.0.1:%d" % port):
            refused(c.login("ed@example.com", headers={"Origin": origin}), "origin " + origin)
        assert c.cookie is None
        # the normal flow: same origin (case-insensitive), and no Origin at all
        st, hd, _ = c.login("ed@example.com", headers={"Origin": "HTTP://127.0.0.1:%d" % port})
        assert st == 303 and c.cookie, (st, hd)
        st, hd, _ = Client(srv).login("ed@example.com")
        assert st == 303 and "dl_session=" in hd.get("set-cookie", ""), (st, hd)
        # a foreign Origin is refused on every newsroom POST, even with the session's token
        st, _, _ = c.req("POST", "/newsroom/articles/new", article_fields(c.csrf(), "Cross-site"),
                         headers={"Origin": "http://evil.example"})
        assert st == 403, st
        st, _, _ = c.req("POST", "/newsroom/logout", {"csrf": c.csrf()}, headers={"Origin": "null"})
        assert st == 403, st
        p = harness.run_cli("user", "add", "--db", srv.db, "--role", "author", "b@example.com")
        link = re.search(r"/newsroom/set-password\?token=([0-9a-f]{64})", p.stdout).group(1)
        st, _, _ = Client(srv).req("POST", "/newsroom/set-password",
                                   {"token": link, "password": PASSWORD, "password2": PASSWORD},
                                   headers={"Origin": "http://evil.example"})
        assert st == 403, st
        st, _, body = c.req("GET", "/newsroom/?status=draft")
        assert st == 200 and "Cross-site" not in body
        assert create(c, "Same site") > 0
        st, _, _ = c.req("POST", "/newsroom/logout", {"csrf": c.csrf()}, headers={"Origin": base})
        assert st == 303, st


def test_publish_time_in_the_site_time_zone():
    with harness.Server(config="[site]\ntimezone = Europe/Rome\n") as srv:
        add_user(srv, "editor", "ed@example.com")
        ed = logged_in(srv, "ed@example.com")
        st, _, body = ed.req("GET", "/newsroom/articles/new")
        assert "Europe/Rome" in body, "the zone is not named next to the field"
        aid = create(ed, "Scheduled in Rome")
        # summer (CEST, UTC+2), winter (CET, UTC+1), and the spring gap
        # (02:30 does not exist on 2027-03-28: moved forward to 03:30 CEST)
        cases = [("2027-07-01T12:00", (2027, 7, 1, 10, 0, 0), "2027-07-01T12:00:00"),
                 ("2027-01-15T12:00", (2027, 1, 15, 11, 0, 0), "2027-01-15T12:00:00"),
                 ("2027-03-28T02:30", (2027, 3, 28, 1, 30, 0), "2027-03-28T03:30:00"),
                 ("2027-10-31T02:30", (2027, 10, 31, 0, 30, 0), "2027-10-31T02:30:00")]
        for local, utc, shown in cases:
            st, _, body = ed.req("POST", "/newsroom/articles/%d" % aid,
                                 article_fields(ed.csrf(), "Scheduled in Rome", action="schedule",
                                                publish_at=local))
            assert st == 303, (local, st, body[:300])
            want = calendar.timegm(utc + (0, 0, 0))
            got = harness.query(srv.db, "SELECT publish_at FROM newsroom_articles WHERE article = ?", (aid,))[0][0]
            assert got == want, (local, got, want, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(got)))
            st, _, body = ed.req("GET", "/newsroom/articles/%d" % aid)
            m = re.search(r'name="publish_at" value="([^"]*)"', body)
            assert m and m.group(1) == shown, (local, m and m.group(1))
        # a day that does not exist is refused, not rolled over
        st, _, _ = ed.req("POST", "/newsroom/articles/%d" % aid,
                          article_fields(ed.csrf(), "Scheduled in Rome", action="schedule",
                                         publish_at="2027-02-30T12:00"))
        assert st == 422, st


def test_author_cannot_read_another_authors_draft():
    with harness.Server() as srv:
        add_user(srv, "author", "a@example.com")
        add_user(srv, "author", "b@example.com")
        add_user(srv, "editor", "ed@example.com")
        a = logged_in(srv, "a@example.com")
        aid = create(a, "Secret draft of A", body="The secret paragraph.")
        b = logged_in(srv, "b@example.com")
        for path in ["/newsroom/articles/%d" % aid, "/newsroom/articles/%d/preview" % aid,
                     "/newsroom/articles/%d/revisions" % aid]:
            st, _, body = b.req("GET", path)
            assert st == 404, (path, st)
            assert "secret paragraph" not in body and "Secret draft" not in body
        st, _, body = b.req("GET", "/newsroom/")
        assert "Secret draft" not in body
        # nor overwrite it
        st, _, _ = b.req("POST", "/newsroom/articles/%d" % aid, article_fields(b.csrf(), "Taken over"))
        assert st == 404, st
        # its owner and an editor can
        st, _, body = a.req("GET", "/newsroom/articles/%d/preview" % aid)
        assert st == 200 and "secret paragraph" in body
        # the preview says what it is; the public page has no such banner
        assert 'class="preview-banner"' in body
        ed = logged_in(srv, "ed@example.com")
        st, _, body = ed.req("GET", "/newsroom/articles/%d" % aid)
        assert st == 200 and "Secret draft of A" in body
        # and the public never sees a draft
        st, _, body = srv.request("GET", "/en/")
        assert b"Secret draft" not in body


def test_author_publish_is_refused():
    with harness.Server() as srv:
        add_user(srv, "author", "a@example.com")
        a = logged_in(srv, "a@example.com")
        aid = create(a, "Author tries to publish")
        for action in ["publish", "schedule", "retract", "unpublish"]:
            st, _, _ = a.req("POST", "/newsroom/articles/%d" % aid,
                             article_fields(a.csrf(), "Author tries to publish", action=action,
                                            publish_at="2099-01-01T10:00:00"))
            assert st == 403, (action, st)
        st, _, _ = a.req("POST", "/newsroom/articles/new",
                         article_fields(a.csrf(), "Straight to print", action="publish"))
        assert st == 403, st
        # submit works, then the author can no longer change it
        st, hd, _ = a.req("POST", "/newsroom/articles/%d" % aid,
                          article_fields(a.csrf(), "Author tries to publish", action="submit"))
        assert st == 303, st
        st, _, body = a.req("GET", "/newsroom/articles/%d" % aid)
        assert "In review" in body
        st, _, _ = a.req("POST", "/newsroom/articles/%d" % aid, article_fields(a.csrf(), "Changed after submit"))
        assert st == 403, st
        st, _, body = srv.request("GET", "/en/")
        assert b"Author tries to publish" not in body


def test_editor_publishes_and_unpublishes():
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        ed = logged_in(srv, "ed@example.com")
        srv.request("GET", "/en/")   # warm the page cache
        aid = create(ed, "Editor headline goes live", body="Body **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |")
        st, _, _ = ed.req("POST", "/newsroom/articles/%d" % aid,
                          article_fields(ed.csrf(), "Editor headline goes live", action="publish",
                                         body="Body **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
        assert st == 303
        st, _, home = srv.request("GET", "/en/")
        assert b"Editor headline goes live" in home
        m = re.search(rb'href="(/en/news/[^"]+)"[^>]*>Editor headline goes live', home)
        assert m, home[:2000]
        page = srv.text(m.group(1).decode())
        assert "<strong>bold</strong>" in page and "<table>" in page
        st, _, _ = ed.req("POST", "/newsroom/articles/%d" % aid,
                          article_fields(ed.csrf(), "Editor headline goes live", action="unpublish"))
        assert st == 303
        st, _, home = srv.request("GET", "/en/")
        assert b"Editor headline goes live" not in home
        st, _, _ = srv.request("GET", m.group(1).decode())
        assert st == 404


def test_published_article_enters_see_also():
    fixture = os.path.join(harness.ROOT, "tests", "http", "fixtures", "related", "articles.jsonl")
    with harness.Server(imports=[fixture]) as srv:
        add_user(srv, "editor", "ed@example.com")
        ed = logged_in(srv, "ed@example.com")
        body = ("Lava from the Reykjanes fissure eruption reached the edge of Grindavik overnight. "
                "Civil protection kept the fishing town evacuated as geologists watched the lava flow.")
        older = "/api/v1/items/urn%3Afx%3Avolcano-1/related"
        assert srv.get(older)[0] == 200     # now in the page cache
        aid = create(ed, "Fissure eruption sends lava to Grindavik again", body=body, places="Iceland",
                     tags="Volcanoes")
        st, _, _ = ed.req("POST", "/newsroom/articles/%d" % aid,
                          article_fields(ed.csrf(), "Fissure eruption sends lava to Grindavik again",
                                         body=body, places="Iceland", tags="Volcanoes", action="publish"))
        assert st == 303
        uri = harness.query(srv.db, "SELECT uri FROM articles WHERE id = ?", (aid,))[0][0]
        # Its own list, computed at publication, names the volcano stories...
        st, _, raw = srv.get("/api/v1/items/%s/related" % urllib.parse.quote(uri, safe=""))
        assert st == 200, st
        mine = [x["uri"] for x in json.loads(raw)["related"]]
        assert mine and mine[0].startswith("urn:fx:volcano-"), mine
        # ...and it entered the older story's list, without a rebuild, and
        # the cached answer of before was not served again.
        st, _, raw = srv.get(older)
        assert uri in [x["uri"] for x in json.loads(raw)["related"]], raw[:500]


def test_scheduled_article_is_published_after_a_restart():
    cfg = "[newsroom]\nschedule_tick_seconds = 1\n"
    srv = harness.Server(config=cfg)
    add_user(srv, "editor", "ed@example.com")
    ed = logged_in(srv, "ed@example.com")
    aid = create(ed, "Scheduled across a restart")
    when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 4))
    st, _, body = ed.req("POST", "/newsroom/articles/%d" % aid,
                         article_fields(ed.csrf(), "Scheduled across a restart", action="schedule",
                                        publish_at=when))
    assert st == 303, (st, body[:500])
    st, _, home = srv.request("GET", "/en/")
    assert b"Scheduled across a restart" not in home
    # stop before it is due; keep the database
    srv.proc.terminate()
    srv.proc.wait(10)
    time.sleep(5)
    with harness.Server(config=cfg, db=srv.db) as srv2:
        deadline = time.time() + 10
        while time.time() < deadline:
            st, _, home = srv2.request("GET", "/en/")
            if b"Scheduled across a restart" in home:
                break
            time.sleep(0.3)
        assert b"Scheduled across a restart" in home
    srv.stop()


def test_revisions_diff_and_restore():
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        ed = logged_in(srv, "ed@example.com")
        aid = create(ed, "Revised", body="line one\nline two\nline three")
        st, _, _ = ed.req("POST", "/newsroom/articles/%d" % aid,
                          article_fields(ed.csrf(), "Revised", body="line one\nline 2\nline three\nline four"))
        assert st == 303
        st, _, body = ed.req("GET", "/newsroom/articles/%d/revisions" % aid)
        revs = [int(x) for x in re.findall(r'name="b" value="(\d+)"', body)]
        assert len(revs) == 2, revs
        st, _, body = ed.req("GET", "/newsroom/articles/%d/diff?a=%d&b=%d" % (aid, revs[1], revs[0]))
        assert st == 200
        text = html.unescape(re.sub(r"<[^>]+>", "", body))
        assert "- line two" in text and "+ line 2" in text and "+ line four" in text, text[-800:]
        # a changed line reads as diff(1) shows it: the old one, then the new
        assert text.index("- line two") < text.index("+ line 2"), text[-800:]
        assert "  line one" in text
        st, hd, _ = ed.req("POST", "/newsroom/articles/%d/restore" % aid, {"csrf": ed.csrf(), "rev": revs[1]})
        assert st == 303, st
        st, _, body = ed.req("GET", "/newsroom/articles/%d" % aid)
        assert "line two" in body and "line four" not in body
        st, _, body = ed.req("GET", "/newsroom/articles/%d/revisions" % aid)
        assert len(re.findall(r'name="b" value="(\d+)"', body)) == 3


def test_audit_log_is_for_admins():
    with harness.Server() as srv:
        add_user(srv, "admin", "root@example.com")
        add_user(srv, "editor", "ed@example.com")
        ed = logged_in(srv, "ed@example.com")
        create(ed, "Audited")
        st, _, _ = ed.req("GET", "/newsroom/audit")
        assert st == 403, st
        adm = logged_in(srv, "root@example.com")
        st, _, body = adm.req("GET", "/newsroom/audit")
        assert st == 200
        assert "ed@example.com" in body and "create" in body and "login" in body and "user.add" in body


def load_xss(limit):
    p = harness.need_shared("conformance", "xss", "owasp-vectors.jsonl")
    out = []
    with open(p) as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line)["vector"])
    dp = os.path.join(os.path.dirname(p), "dompurify-cases.json")
    with open(dp) as f:
        out += [c["payload"] for c in json.load(f) if isinstance(c.get("payload"), str)]
    return out[:limit] if limit else out


FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "style", "meta",
                  "link", "base", "frame", "frameset", "input", "button", "textarea", "template"}


class Checker(html.parser.HTMLParser):
    """Collects what a browser would see as markup: forbidden elements,
    event-handler attributes, script or data URLs outside images."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.bad.append("<%s>" % tag)
        for name, value in attrs:
            v = re.sub(r"[\x00-\x20]", "", (value or "")).lower()
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.bad.append("%s=%r on <%s>" % (name, value, tag))
            elif v.startswith(("javascript:", "vbscript:")):
                self.bad.append("%s=%r on <%s>" % (name, value, tag))
            elif v.startswith("data:") and not (tag == "img" and name == "src" and v.startswith("data:image/")
                                                 and not v.startswith("data:image/svg")):
                self.bad.append("%s=%r on <%s>" % (name, value, tag))

    handle_startendtag = handle_starttag


def markup_problems(fragment):
    c = Checker()
    c.feed(fragment)
    c.close()
    return c.bad


def story_body(page):
    m = re.search(r'<div class="story-body">(.*?)</div>\s*<footer class="story-foot">', page, re.S)
    assert m, page[:1000]
    return m.group(1)


def test_xss_vectors_through_the_editor():
    vectors = load_xss(int(os.environ.get("XSS_LIMIT", "0")))
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        ed = logged_in(srv, "ed@example.com")
        csrf = ed.csrf()
        bad = []
        # a few vectors saved and previewed one by one; all of them in batches
        for i, v in enumerate(vectors[:12]):
            aid = create(ed, "XSS %d" % i, body=v)
            st, _, page = ed.req("GET", "/newsroom/articles/%d/preview" % aid)
            assert st == 200
            if markup_problems(story_body(page)):
                bad.append((i, v, markup_problems(story_body(page))))
        for k in range(0, len(vectors), 25):
            chunk = "\n\n".join(vectors[k:k + 25])
            st, _, page = ed.req("POST", "/newsroom/preview",
                                 article_fields(csrf, "XSS batch %d" % k, body=chunk, action="preview"))
            assert st == 200, (k, st)
            found = markup_problems(story_body(page))
            if found:
                bad.append((k, found))
        assert not bad, bad[:3]
        # legitimate Markdown survives
        st, _, page = ed.req("POST", "/newsroom/preview", article_fields(
            csrf, "Legit", action="preview",
            body="## Heading\n\n- one\n- two\n\n> quoted\n\n[link](https://example.com/)\n\n"
                 "| h |\n|---|\n| c |\n\n~~gone~~ https://auto.example.org/x"))
        b = story_body(page)
        for want in ["<h2>Heading</h2>", "<li>one</li>", "<blockquote>", 'href="https://example.com/"',
                     "<table>", "<s>gone</s>", 'href="https://auto.example.org/x"']:
            assert want in b, (want, b)


def publish(ed, headline, **kw):
    aid = create(ed, headline, **kw)
    st, _, body = ed.req("POST", "/newsroom/articles/%d" % aid,
                         article_fields(ed.csrf(), headline, action="publish", **kw))
    assert st == 303, (st, body[:300])
    return aid


def public_url(srv, headline):
    st, _, home = srv.request("GET", "/en/")
    m = re.search(r'href="(/en/news/[^"]+)"[^>]*>%s<' % re.escape(headline), home.decode())
    assert m, "%s not on the front page" % headline
    return m.group(1)


def test_corrections_and_retraction():
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        add_user(srv, "author", "a@example.com")
        ed = logged_in(srv, "ed@example.com")
        one = publish(ed, "Floods reach the valley", body="Water everywhere zanzibarword.", tags="Floods")
        publish(ed, "Floods recede", body="Dry again.", tags="Floods")
        url1, url2 = public_url(srv, "Floods reach the valley"), public_url(srv, "Floods recede")
        assert "Floods reach the valley" in srv.text(url2)   # See also
        st, _, found = srv.request("GET", "/en/search?q=zanzibarword")
        searchable = st == 200 and b"Floods reach the valley" in found
        # a correction: editors only, with its token
        st, _, _ = ed.req("POST", "/newsroom/articles/%d/correct" % one, {"note": "no token"})
        assert st == 403
        a = logged_in(srv, "a@example.com")
        st, _, _ = a.req("POST", "/newsroom/articles/%d/correct" % one, {"csrf": a.csrf(), "note": "author"})
        assert st == 403
        st, _, _ = ed.req("POST", "/newsroom/articles/%d/correct" % one,
                          {"csrf": ed.csrf(), "note": "An earlier version gave the wrong river."})
        assert st == 303
        page = srv.text(url1)
        assert "Correction" in page and "An earlier version gave the wrong river." in page
        assert re.search(r'class="correction".*<time datetime="\d{4}-\d\d-\d\d', page)
        # retraction
        st, _, _ = ed.req("POST", "/newsroom/articles/%d" % one,
                          article_fields(ed.csrf(), "Floods reach the valley", action="retract",
                                         body="Water everywhere zanzibarword.", tags="Floods"))
        assert st == 303
        st, _, body = srv.request("GET", url1)
        body = body.decode()
        assert st == 410, st
        assert "retracted" in body and "zanzibarword" not in body
        assert "An earlier version gave the wrong river." in body
        st, _, home = srv.request("GET", "/en/")
        assert b"Floods reach the valley" not in home
        st, _, tag = srv.request("GET", "/en/tag/floods")
        assert st == 200 and b"Floods recede" in tag and b"Floods reach the valley" not in tag
        assert "Floods reach the valley" not in srv.text(url2)
        paths = ["/en/feed.rss", "/en/feed.json"] + (["/en/search?q=zanzibarword"] if searchable else [])
        for path in paths:
            st, _, body = srv.request("GET", path)
            if st == 404:
                continue   # that page is not in this build
            # (the search page echoes the query: look for the headline there)
            assert b"Floods reach the valley" not in body, path
            if "search" not in path:
                assert b"zanzibarword" not in body, path


def term_ids(ed, kind):
    st, _, body = ed.req("GET", "/newsroom/terms?kind=%s&lang=en" % kind)
    assert st == 200, st
    return {html.unescape(n): int(i) for i, n in re.findall(r'<option value="(\d+)">([^<]*)</option>', body)}


def test_terms_rename_and_merge_keep_old_urls():
    with harness.Server() as srv:
        add_user(srv, "editor", "ed@example.com")
        add_user(srv, "author", "a@example.com")
        ed = logged_in(srv, "ed@example.com")
        publish(ed, "First story", tags="Old Name")
        publish(ed, "Second story", tags="Other")
        ids = term_ids(ed, "tag")
        st, _, _ = ed.req("POST", "/newsroom/terms", {"csrf": ed.csrf(), "kind": "tag", "lang": "en",
                                                      "op": "rename", "id": ids["Old Name"], "name": "New Name"})
        assert st == 303, st
        st, hd, _ = srv.request("GET", "/en/tag/old-name")
        assert st == 301 and hd["location"] == "/en/tag/new-name", (st, hd.get("location"))
        assert "First story" in srv.text("/en/tag/new-name")
        st, _, _ = ed.req("POST", "/newsroom/terms", {"csrf": ed.csrf(), "kind": "tag", "lang": "en",
                                                      "op": "merge", "id": ids["Other"], "into": ids["Old Name"]})
        assert st == 303, st
        st, hd, _ = srv.request("GET", "/en/tag/other")
        assert st == 301 and hd["location"] == "/en/tag/new-name"
        page = srv.text("/en/tag/new-name")
        assert "First story" in page and "Second story" in page
        # a rename onto a taken name is refused; create works; authors may not
        st, _, _ = ed.req("POST", "/newsroom/terms", {"csrf": ed.csrf(), "kind": "tag", "lang": "en",
                                                      "op": "create", "name": "New name"})
        assert st == 409, st
        st, _, _ = ed.req("POST", "/newsroom/terms", {"csrf": ed.csrf(), "kind": "place", "lang": "en",
                                                      "op": "create", "name": "Atlantis"})
        assert st == 303
        assert "Atlantis" in term_ids(ed, "place")
        a = logged_in(srv, "a@example.com")
        st, _, _ = a.req("GET", "/newsroom/terms")
        assert st == 403


if __name__ == "__main__":
    harness.main(globals())
