"""Send to a friend (/{lang}/share/{slug}) against a real SMTP server on
loopback (Debian's python3-aiosmtpd): one send delivers exactly one
message, injection, long notes, bad tokens and the honeypot send nothing,
and a flood from one client is cut at the documented number with 429.

"Nothing was sent" is checked with a canary: after the refused attempts a
valid send is made, and the outbox delivers in order, so once the canary
has arrived anything queued before it would have arrived too.
"""
import email
import email.header
import email.policy
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "share.jsonl")
HEADLINE = "Island lighthouse keeper retires after forty years"
STANDFIRST = "The last resident keeper handed the keys to the coastguard"
SITE_FROM = "desk@dateline.test"


class Sink:
    """An aiosmtpd server on a free loopback port that keeps what it gets."""

    def __init__(self):
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise harness.Skip("needs python3-aiosmtpd (apt install python3-aiosmtpd)")
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink.lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
                return "250 OK"

        self.port = harness.free_port()
        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def count(self):
        with self.lock:
            return len(self.messages)

    def wait_for(self, n, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count() >= n:
                return True
            time.sleep(0.05)
        return False

    def parsed(self):
        with self.lock:
            return [(f, r, email.message_from_bytes(d, policy=email.policy.default))
                    for f, r, d in self.messages]

    def stop(self):
        self.ctl.stop()


def start(sink, share=""):
    port = harness.free_port()
    cfg = ("[site]\nname = Test Desk\nbase_url = http://127.0.0.1:%d\n"
           "[mail]\nfrom = %s\n"
           "[share]\nmin_seconds = 1\n%s" % (port, SITE_FROM, share))
    srv = harness.Server(imports=[FIXTURE], config=cfg, port=port,
                         args=["--smtp", "smtp://127.0.0.1:%d" % sink.port])
    return srv


def article_path(srv, lang="en"):
    body = srv.text("/%s/" % lang)
    m = re.search(r'href="(/%s/news/[^"]+)"' % lang, body)
    assert m, "no article on the front page"
    return m.group(1)


def share_path(srv, lang="en"):
    return article_path(srv, lang).replace("/news/", "/share/", 1)


def form_token(srv, path):
    st, h, body = srv.get(path)
    assert st == 200, (st, body[:300])
    assert "no-store" in h.get("cache-control", ""), h
    m = re.search(r'name="token" value="([^"]+)"', body.decode())
    assert m, "no token in the form"
    return m.group(1)


def post(srv, path, fields):
    body = urllib.parse.urlencode(fields).encode()
    st, h, data = srv.request("POST", path, {"Content-Type": "application/x-www-form-urlencoded"},
                              body)
    return st, h, data.decode("utf-8", "replace")


def good(token, to="friend@example.net", **kw):
    f = {"token": token, "to": to, "name": "Alice Reader", "from": "alice@example.org",
         "note": "Thought you would enjoy this one.", "website": ""}
    f.update(kw)
    return f


def canary(srv, sink, path, before):
    """A valid send after the refused ones; returns the messages that came."""
    tok = form_token(srv, path)
    time.sleep(1.1)
    st, h, body = post(srv, path, good(tok, to="canary@example.net"))
    assert st == 200, (st, body[:500])
    assert sink.wait_for(before + 1), "the canary never arrived"
    time.sleep(0.3)
    msgs = sink.parsed()[before:]
    return msgs


def with_server(fn, share=""):
    sink = Sink()
    try:
        with start(sink, share) as srv:
            fn(srv, sink)
    finally:
        sink.stop()


def test_send_delivers_one_message():
    def run(srv, sink):
        path = share_path(srv)
        tok = form_token(srv, path)
        time.sleep(1.1)
        st, h, body = post(srv, path, good(tok))
        assert st == 200, (st, body[:500])
        assert "no-store" in h.get("cache-control", "")
        assert "friend@example.net" not in body, "the confirmation shows the recipient"
        assert "Thank you" in body
        assert sink.wait_for(1), "no message arrived"
        time.sleep(1.5)
        msgs = sink.parsed()
        assert len(msgs) == 1, "%d messages" % len(msgs)
        env_from, rcpts, m = msgs[0]
        assert rcpts == ["friend@example.net"], rcpts
        assert env_from == SITE_FROM, env_from
        assert SITE_FROM in str(m["From"]) and "alice" not in str(m["From"]), m["From"]
        assert str(m["Reply-To"]).strip() == "alice@example.org", m["Reply-To"]
        assert str(m["To"]).strip() == "friend@example.net", m["To"]
        assert HEADLINE in str(m["Subject"]) and "Alice Reader" in str(m["Subject"]), m["Subject"]
        assert m["Message-ID"] and m["Date"]
        text = m.get_body(preferencelist=("plain",)).get_content()
        assert HEADLINE in text and STANDFIRST in text, text
        assert "Alice Reader" in text and "Thought you would enjoy this one." in text, text
        assert "2026" in text, "no date in the message: " + text
        links = re.findall(r"http://127\.0\.0\.1:%d(/\S+)" % srv.port, text)
        assert links, "no article link in: " + text
        page = srv.text(links[0])
        assert HEADLINE in page
    with_server(run)


def test_header_injection_sends_nothing():
    def run(srv, sink):
        path = share_path(srv)
        tok = form_token(srv, path)
        time.sleep(1.1)
        attempts = [
            {"name": "Alice\r\nBcc: victim@example.com"},
            {"name": "Alice\nBcc: victim@example.com"},
            {"to": "friend@example.net\r\nBcc: victim@example.com"},
            {"to": "friend@example.net\rCc: victim@example.com"},
            {"from": "alice@example.org\r\nBcc: victim@example.com"},
            {"from": "alice@example.org\nSubject: spam"},
            {"note": "hello\r\nBcc: victim@example.com"},
            {"note": "hello\n\nmore"},
        ]
        for a in attempts:
            st, h, body = post(srv, path, good(tok, **a))
            assert st == 400, (a, st, body[:300])
            assert "Line breaks are not allowed" in body, (a, body[:2000])
        msgs = canary(srv, sink, path, 0)
        assert len(msgs) == 1, [r for _, r, _ in msgs]
        assert msgs[0][1] == ["canary@example.net"], msgs[0][1]
        assert "victim" not in msgs[0][2].as_string()
    with_server(run, "client_per_hour = 100\n")


def test_note_over_limit_refused():
    def run(srv, sink):
        path = share_path(srv)
        tok = form_token(srv, path)
        time.sleep(1.1)
        st, h, body = post(srv, path, good(tok, note="x" * 501))
        assert st == 400, st
        assert "at most 500 characters" in body, body[:3000]
        # 500 characters of a multi-byte script are fine (characters, not bytes)
        st, h, body = post(srv, path, good(tok, to="zh@example.net", note="\u5149" * 500))
        assert st == 200, (st, body[:2000])
        for note, why in (("see https://spam.example/x", "url"), ("<b>hi</b>", "html"),
                          ("visit cheap-pills.com today", "bare domain"),
                          ("go to www.example.org", "www")):
            st, h, body = post(srv, path, good(tok, note=note))
            assert st == 400, (why, st)
            assert "cannot contain links" in body, (why, body[:2000])
        msgs = canary(srv, sink, path, 0)
        rcpts = [r for _, r, _ in msgs]
        assert rcpts == [["zh@example.net"], ["canary@example.net"]], rcpts
    with_server(run, "client_per_hour = 100\n")


def test_flood_from_one_client_is_cut():
    def run(srv, sink):
        path = share_path(srv)
        tok = form_token(srv, path)
        time.sleep(1.1)
        codes = {}
        retry = []
        for i in range(100):
            st, h, body = post(srv, path, good(tok, to="friend%d@example.net" % i))
            codes[st] = codes.get(st, 0) + 1
            if st == 429:
                retry.append(h.get("retry-after"))
                if len(retry) == 1:
                    assert "Too many messages" in body, body[:2000]
                    assert "@example.net" not in body, "the 429 page shows an address"
        assert codes == {200: 5, 429: 95}, codes
        assert all(r and r.isdigit() and int(r) > 0 for r in retry), retry[:5]
        assert sink.wait_for(5), "only %d of 5 arrived" % sink.count()
        time.sleep(2)
        assert sink.count() == 5, "%d messages delivered" % sink.count()
    with_server(run)


def test_recipient_limit_and_localized_429():
    def run(srv, sink):
        path = share_path(srv, "it")
        tok = form_token(srv, path)
        time.sleep(1.1)
        for i in range(3):
            st, h, body = post(srv, path, good(tok, to="same@example.net"))
            assert st == 200, (i, st)
            assert "Grazie" in body
        st, h, body = post(srv, path, good(tok, to="same@example.net"))
        assert st == 429, st
        assert int(h["retry-after"]) > 0
        assert "Sono stati inviati troppi messaggi" in body, body[:2000]
        assert "same@example.net" not in body
    with_server(run, "client_per_hour = 100\n")


def test_bad_tokens_send_nothing():
    def run(srv, sink):
        path = share_path(srv)
        tok = form_token(srv, path)
        # too fresh: the config asks for 3 seconds
        st, h, body = post(srv, path, good(tok))
        assert st == 400, st
        assert "wait a few seconds" in body, body[:2000]
        time.sleep(3.2)
        f = good(tok)
        del f["token"]
        st, h, body = post(srv, path, f)
        assert st == 400 and "has expired or did not come from our page" in body, st
        forged = tok[:-6] + ("AAAAAA" if not tok.endswith("AAAAAA") else "BBBBBB")
        for bad in (forged, "", "x" * 5000, tok + "A", tok[:20]):
            st, h, body = post(srv, path, good(bad))
            assert st == 400 and "has expired or did not come from our page" in body, (bad[:30], st)
        # a token for another article
        other = form_token(srv, share_path(srv, "it"))
        time.sleep(3.2)
        st, h, body = post(srv, path, good(other))
        assert st == 400, st
        msgs = canary_slow(srv, sink, path)
        assert [r for _, r, _ in msgs] == [["canary@example.net"]], [r for _, r, _ in msgs]
    with_server(run, "client_per_hour = 100\nmin_seconds = 3\n")


def canary_slow(srv, sink, path):
    tok = form_token(srv, path)
    time.sleep(3.2)
    st, h, body = post(srv, path, good(tok, to="canary@example.net"))
    assert st == 200, (st, body[:500])
    assert sink.wait_for(1), "the canary never arrived"
    time.sleep(0.3)
    return sink.parsed()


def test_honeypot_confirms_but_sends_nothing():
    def run(srv, sink):
        path = share_path(srv)
        tok = form_token(srv, path)
        time.sleep(1.1)
        st, h, body = post(srv, path, good(tok, to="trap@example.net", website="http://spam"))
        assert st == 200, st
        assert "Thank you" in body and "Your message is on its way" in body, body[:2000]
        msgs = canary(srv, sink, path, 0)
        assert [r for _, r, _ in msgs] == [["canary@example.net"]], [r for _, r, _ in msgs]
    with_server(run, "client_per_hour = 100\n")


def test_form_and_other_fields():
    def run(srv, sink):
        path = share_path(srv, "it")
        st, h, body = srv.get(path)
        assert st == 200 and "Indirizzo email del tuo amico" in body.decode()
        assert 'name="website"' in body.decode()
        assert srv.get("/en/share/no-such-article")[0] == 404
        path = share_path(srv)
        tok = form_token(srv, path)
        time.sleep(1.1)
        for fields, text in (
                ({"to": "a@x.net, b@x.net, c@x.net, d@x.net"}, "from one to 3 valid"),
                ({"to": "not-an-address"}, "from one to 3 valid"),
                ({"to": ""}, "from one to 3 valid"),
                ({"from": "nobody"}, "your own valid email"),
                ({"name": ""}, "Please give your name"),
                ({"name": "Buy at pills.example.com"}, "Please give your name")):
            st, h, body = post(srv, path, good(tok, **fields))
            assert st == 400 and text in body, (fields, st, body[:1500])
        # three recipients at once: three messages, one each
        st, h, body = post(srv, path, good(tok, to="a@x.net, b@x.net,c@x.net"))
        assert st == 200, (st, body[:1500])
        assert sink.wait_for(3)
        time.sleep(0.5)
        assert sorted(r[0] for _, r, _ in sink.parsed()) == ["a@x.net", "b@x.net", "c@x.net"]
    with_server(run, "client_per_hour = 100\n")


if __name__ == "__main__":
    harness.main(globals())
