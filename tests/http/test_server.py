"""The HTTP layer against the real server: the llhttp request cases as raw
bytes, the documented limits (src/web/server.c), compressed variants, ETag
and 304, generation invalidation, HEAD, 405, 404 and editions."""
import base64
import concurrent.futures
import ctypes
import ctypes.util
import gzip
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DEMO_FILE = os.path.join(harness.DEMO, "articles.ninjs.jsonl")
REQUEST_DEADLINE = 15   # seconds, as documented at the top of src/web/server.c
STATUS_RE = re.compile(rb"(?:^|\r\n)HTTP/1\.[01] (\d{3}) ")


def demo_imports():
    return [DEMO_FILE] if os.path.exists(DEMO_FILE) else []


def raw_exchange(host, port, data, timeout=1.0, total=3.0):
    """Sends data on a fresh socket and reads until close or timeout.
    Returns (statuses, closed, bytes read)."""
    s = socket.create_connection((host, port), timeout=timeout)
    got = b""
    closed = False
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        end = time.time() + total
        while time.time() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            got += chunk
    finally:
        s.close()
    return [int(m) for m in STATUS_RE.findall(got)], closed, got


def still_serves(srv):
    st, _, body = srv.get("/static/style.css")
    assert st == 200 and len(body) > 0, "GET /static/style.css after the cases: %d" % st
    assert srv.alive(), "server died"


def classify(statuses, closed):
    if not statuses:
        return "closed, no answer" if closed else "no answer yet (waits for more bytes)"
    bad = [s for s in statuses if s in (400, 411, 413, 414, 431, 501, 505)]
    if bad:
        return "rejected %d" % bad[0]
    return "answered %s" % ",".join(str(s) for s in sorted(set(statuses)))


def test_llhttp_request_cases():
    path = harness.need_shared("conformance", "http", "llhttp-request-cases.jsonl")
    with open(path) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    assert len(cases) > 50, "too few cases in %s" % path
    outcomes = {}
    lenient = []
    with harness.Server(imports=demo_imports()) as srv:
        def run(case):
            data = base64.b64decode(case["input_b64"])
            statuses, closed, _ = raw_exchange(srv.host, srv.port, data, timeout=0.5, total=2.0)
            return case, statuses, closed
        for start in range(0, len(cases), 50):
            batch = cases[start:start + 50]
            with concurrent.futures.ThreadPoolExecutor(16) as ex:
                for case, statuses, closed in ex.map(run, batch):
                    kind = classify(statuses, closed)
                    err = bool(case.get("expects_error"))
                    key = ("malformed: " if err else "valid:     ") + kind
                    outcomes[key] = outcomes.get(key, 0) + 1
                    data = base64.b64decode(case["input_b64"])
                    if err and statuses and not any(400 <= s < 500 for s in statuses):
                        # RFC 9112 section 2.2 lets a recipient take a bare LF as a
                        # line end (libmicrohttpd does): such a request is parsed
                        # consistently, not malformed. Anything else is a failure.
                        kind = "bare LF" if re.search(rb"[^\r]\n", data) else "FAIL"
                        lenient.append((case["title"], statuses, kind))
                    assert not any(s >= 500 and s != 501 and s != 505 for s in statuses), \
                        "case %r got %s" % (case["title"], statuses)
            still_serves(srv)
        assert srv.alive()
    print("    %d llhttp request cases:" % len(cases))
    for k in sorted(outcomes):
        print("      %4d  %s" % (outcomes[k], k))
    for title, st, kind in lenient:
        print("      malformed but answered %s (%s): %s" % (st, kind, title))
    # a malformed request gets a 4xx or a closed connection, never a 2xx/3xx
    bad = [x for x in lenient if x[2] == "FAIL"]
    assert not bad, "%d malformed requests answered without a 4xx: %r" % (len(bad), bad)


def test_long_url():
    with harness.Server() as srv:
        t0 = time.time()
        statuses, closed, _ = raw_exchange(
            srv.host, srv.port, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", total=5)
        assert (statuses and statuses[0] in (414, 431, 400)) or (closed and not statuses), (statuses, closed)
        assert time.time() - t0 < 5
        print("    100 KB URL: %s" % (statuses or "closed"))
        still_serves(srv)


def test_many_headers():
    with harness.Server() as srv:
        hdrs = b"".join(b"X-H-%d: v\r\n" % i for i in range(200))
        statuses, closed, _ = raw_exchange(
            srv.host, srv.port, b"GET /en/ HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n", total=5)
        assert statuses and statuses[0] == 431, (statuses, closed)
        # 60 headers are fine
        hdrs = b"".join(b"X-H-%d: v\r\n" % i for i in range(60))
        statuses, closed, _ = raw_exchange(
            srv.host, srv.port, b"GET /static/style.css HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n", total=2)
        assert statuses and statuses[0] == 200, statuses
        # one header line of 40 KB passes the 32 KiB connection memory
        statuses, closed, _ = raw_exchange(
            srv.host, srv.port, b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n", total=5)
        assert (statuses and statuses[0] in (431, 400, 413)) or (closed and not statuses), (statuses, closed)
        still_serves(srv)


def test_big_body():
    with harness.Server() as srv:
        # declared: refused before it is read
        t0 = time.time()
        statuses, closed, _ = raw_exchange(
            srv.host, srv.port,
            b"POST /en/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 65536, total=5)
        assert statuses and statuses[0] == 413, statuses
        assert time.time() - t0 < 5
        # chunked: refused when it passes the cap; the server stops reading
        s = socket.create_connection((srv.host, srv.port), timeout=5)
        s.sendall(b"POST /en/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b"y" * 0x4000 + b"\r\n"
        sent = 0
        try:
            while sent < 10_000_000:
                s.sendall(chunk)
                sent += 0x4000
        except OSError:
            pass
        try:
            got = s.recv(65536)
        except OSError:
            got = b""
        s.close()
        st = [int(m) for m in STATUS_RE.findall(got)]
        assert sent < 10_000_000 or st, "the whole 10 MB body was taken"
        assert not st or st[0] == 413, st
        print("    chunked 10 MB body: %s after %d KB sent" % (st or "closed", sent // 1024))
        # a small body is read (no POST route yet: 405)
        st2, h, _ = srv.request("POST", "/en/", body=b"a=b" * 100)
        assert st2 == 405, st2
        still_serves(srv)


def test_slow_client_dropped():
    with harness.Server() as srv:
        s = socket.create_connection((srv.host, srv.port), timeout=REQUEST_DEADLINE + 5)
        s.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        t0 = time.time()
        dropped = None
        s.settimeout(1.0)
        while time.time() - t0 < REQUEST_DEADLINE + 5:
            try:
                s.sendall(b"a")
                if s.recv(1024) == b"":
                    dropped = time.time() - t0
                    break
            except socket.timeout:
                continue
            except OSError:
                dropped = time.time() - t0
                break
        s.close()
        assert dropped is not None, "a client sending one byte a second was kept %d s" % (REQUEST_DEADLINE + 5)
        assert dropped <= REQUEST_DEADLINE + 2, dropped
        print("    one byte a second: dropped after %.1f s" % dropped)
        still_serves(srv)


def brotli_decompress(data, size_hint):
    name = ctypes.util.find_library("brotlidec") or "libbrotlidec.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise harness.Skip("libbrotlidec not found: br bytes not checked")
    out = ctypes.create_string_buffer(size_hint + 1024)
    n = ctypes.c_size_t(len(out))
    ok = lib.BrotliDecoderDecompress(ctypes.c_size_t(len(data)), data, ctypes.byref(n), out)
    assert ok == 1, "brotli decoding failed"
    return out.raw[:n.value]


def test_encodings_and_304():
    with harness.Server(imports=demo_imports()) as srv:
        for path in ("/en/", "/static/style.css"):
            st, h, ident = srv.get(path)
            assert st == 200 and "content-encoding" not in h
            assert h["vary"] == "Accept-Encoding"
            st, hg, gz = srv.get(path, {"Accept-Encoding": "gzip"})
            assert st == 200 and hg.get("content-encoding") == "gzip", hg
            assert gzip.decompress(gz) == ident
            assert len(gz) < len(ident)
            st, hb, br = srv.get(path, {"Accept-Encoding": "gzip, deflate, br"})
            assert st == 200 and hb.get("content-encoding") == "br", hb
            assert len(br) < len(ident)
            st, hq, _ = srv.get(path, {"Accept-Encoding": "br;q=0, gzip"})
            assert hq.get("content-encoding") == "gzip"
            # 304 for the representation's tag, 200 for another's
            st, h304, body = srv.get(path, {"Accept-Encoding": "gzip", "If-None-Match": hg["etag"]})
            assert st == 304 and body == b"", (st, body[:100])
            assert h304["etag"] == hg["etag"]
            st, _, _ = srv.get(path, {"If-None-Match": hg["etag"]})
            assert st == 200
            st, _, _ = srv.get(path, {"If-None-Match": h["etag"]})
            assert st == 304
            assert brotli_decompress(br, len(ident)) == ident


def test_generation_invalidates():
    if not demo_imports():
        raise harness.Skip("demo/articles.ninjs.jsonl absent")
    with harness.Server(imports=demo_imports()) as srv:
        before = srv.text("/en/")
        assert srv.text("/en/") == before   # served from the cache
        headline = "Generation test headline %d" % os.getpid()
        item = {"uri": "urn:test:generation:%d" % os.getpid(), "type": "text", "language": "en",
                "firstcreated": "2099-01-01T10:00:00+00:00", "versioncreated": "2099-01-01T10:00:00+00:00",
                "headlines": [{"role": "main", "value": headline}],
                "body_text": "A paragraph.", "located": "Rome"}
        f = os.path.join(srv.dir, "one.jsonl")
        with open(f, "w") as out:
            out.write(json.dumps(item) + "\n")
        harness.run_cli("import", "--db", srv.db, f)
        t0 = time.time()
        changed = None
        # Another process's write is seen within 200 ms by design; the
        # bound here is generous because timings do not belong in tests
        # (the machine is shared): what is tested is that it changes.
        while time.time() - t0 < 10:
            now = srv.text("/en/")
            if now != before:
                changed = time.time() - t0
                break
            time.sleep(0.05)
        assert changed is not None, "front page unchanged 10 s after an import"
        print("    front page changed %.2f s after the import" % changed)
        assert headline in srv.text("/en/")


def test_head_405_404():
    with harness.Server(imports=demo_imports()) as srv:
        st, hg, body = srv.get("/en/")
        st2, hh, hbody = srv.request("HEAD", "/en/")
        assert st2 == 200 and hbody == b""
        assert hh["content-length"] == str(len(body)), (hh, len(body))
        assert hh["content-type"] == hg["content-type"]
        for name in ("x-content-type-options", "content-security-policy", "referrer-policy", "cache-control"):
            assert name in hh, name
        assert "'unsafe-inline'" not in hh["content-security-policy"]
        assert hg["cache-control"] == "public, max-age=60"

        for method in ("POST", "PUT", "DELETE", "OPTIONS"):
            st, h, _ = srv.request(method, "/en/", body=b"" if method != "OPTIONS" else None)
            assert st == 405, (method, st)
            assert "GET" in h.get("allow", ""), h
        st, _, _ = srv.request("POST", "/no/such/thing/")
        assert st == 404

        st, h, body = srv.get("/it/news/nope")
        assert st == 404, st
        assert h["cache-control"] != "public, max-age=60"
        if b"<html" in body:   # the real error page: in the edition's language
            assert b'lang="it"' in body, body[:300]
        st, h, body = srv.get("/xx/")
        assert st == 404
        if b"<html" in body:
            assert b'lang="en"' in body, body[:300]
        st, h, _ = srv.get("/en")
        assert st == 301 and h["location"] == "/en/", (st, h)
        st, _, _ = srv.get("/xx")
        assert st == 404
        st, _, _ = srv.request("HEAD", "/it/news/nope")
        assert st == 404


def test_bad_listen():
    p = harness.run_cli("serve", "--listen", "nonsense", check=False, timeout=10)
    assert p.returncode == 2 and "HOST:PORT" in p.stderr, (p.returncode, p.stderr)
    p = harness.run_cli("serve", "--listen", "127.0.0.1:99999", check=False, timeout=10)
    assert p.returncode == 2, p.returncode


def test_clean_shutdown():
    srv = harness.Server()
    assert srv.get("/static/style.css")[0] == 200
    srv.proc.terminate()
    rc = srv.proc.wait(10)
    srv.stop()
    assert rc == 0, rc


harness.main(globals())
