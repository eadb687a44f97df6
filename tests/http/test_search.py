"""Full-text search over HTTP against the real server: /search, /{lang}/search
and /api/v1/search. Our own small fixture for inflections, phrases,
exclusions, filters, sorting, retraction, escaping and hostile input; the
shared corpora (SHARED_DIR) for Chinese and Japanese.

Run: DATELINE_BIN=build-x/dateline /usr/bin/python3 tests/http/test_search.py
"""
import json
import os
import re
import shutil
import sqlite3
import tempfile
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import search_corpus  # noqa: E402


def art(uri, lang, headline, body, when, places=(), tags=(), by=None, status=None, standfirst=None):
    d = {"uri": uri, "type": "text", "language": lang, "firstcreated": when,
         "headlines": [{"role": "main", "value": headline}],
         "bodies": [{"role": "main", "contenttype": "text/plain", "value": body}],
         "places": [{"name": p} for p in places], "keywords": list(tags)}
    if by:
        d["by"] = by
    if status:
        d["pubstatus"] = status
    if standfirst:
        d["descriptions"] = [{"role": "summary", "value": standfirst}]
    return d


FIXTURE = [
    art("urn:t:ties", "en", "Allies strengthened their ties",
        "The two governments strengthened trade ties on Monday after long talks.",
        "2025-01-10T10:00:00Z", ["Japan"], ["Trade"], by="Jane Doe"),
    art("urn:t:bank", "en", "Central bank holds rates",
        "The central bank kept rates unchanged. Crude oil prices fell in Asia.",
        "2025-02-15T10:00:00Z", ["Brazil"], ["Economy"], by="Mark Roe"),
    art("urn:t:oil", "en", "Oil output rises",
        "Crude output rose as the oil minister spoke. The Bank of England watched the markets.",
        "2025-03-20T10:00:00Z", ["Japan"], ["Energy"], by="Mark Roe"),
    art("urn:t:markup", "en", "Markup stays text",
        "Markup like <b>bold</b> & <script>alert(1)</script> must stay text near the tie.",
        "2025-04-01T10:00:00Z", ["Italy"], ["Web"]),
    art("urn:t:zebra", "en", "Zebra merger announced", "A zebra merger was announced by two firms.",
        "2025-05-01T10:00:00Z", ["Kenya"], ["Business"]),
    art("urn:t:it1", "it", "Le banche rafforzano i legami",
        "Il governo ha rafforzato i legami commerciali con il Giappone.",
        "2025-01-11T10:00:00Z", ["Giappone"], ["Commercio"]),
]


def write_jsonl(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for d in items:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


def fixture_server():
    d = tempfile.mkdtemp(prefix="dateline-search-")
    try:
        p = os.path.join(d, "fixture.jsonl")
        write_jsonl(p, FIXTURE)
        return harness.Server(imports=[p])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def api(srv, query, status=200):
    st, h, body = srv.get("/api/v1/search?" + query)
    assert st == status, "GET /api/v1/search?%s: %d %r" % (query, st, body[:300])
    assert h.get("content-type", "").startswith("application/json"), h
    return json.loads(body)


def uris(doc):
    return [r["item"]["uri"] for r in doc["results"]]


def q(s):
    return urllib.parse.quote(s, safe="")


def test_english_inflections():
    with fixture_server() as srv:
        d = api(srv, "q=strengthen&lang=en")
        assert uris(d) == ["urn:t:ties"], d
        assert d["total"] == 1
        # "ties" finds "tie" (and "ties"), each article once
        got = set(uris(api(srv, "q=ties&lang=en")))
        assert got == {"urn:t:ties", "urn:t:markup"}, got
        got = set(uris(api(srv, "q=tie&lang=en")))
        assert got == {"urn:t:ties", "urn:t:markup"}, got
        # the snippet marks the inflected form as it is written
        r = api(srv, "q=strengthen&lang=en")["results"][0]
        hits = [s["text"] for s in r["snippet"] if s["hit"]] + [s["text"] for s in r["headline"] if s["hit"]]
        assert "strengthened" in hits, r
        # the page highlights too, with <mark>
        html = srv.text("/en/search?q=strengthen")
        assert "<mark>strengthened</mark>" in html or "<mark>Strengthened</mark>" in html, html[-3000:]
        assert "One article" in re.search(r'class="search-count"[^>]*>([^<]*)<', html).group(1)


def test_italian_inflections():
    with fixture_server() as srv:
        assert uris(api(srv, "q=rafforzare&lang=it")) == ["urn:t:it1"]
        assert uris(api(srv, "q=legame&lang=it")) == ["urn:t:it1"]
        html = srv.text("/it/search?q=" + q("rafforzare legame"))
        assert "Le banche" in html and "<mark>" in html
        # English stemming does not apply to the Italian edition
        assert api(srv, "q=strengthen&lang=it")["total"] == 0


def test_phrases():
    with fixture_server() as srv:
        assert uris(api(srv, "q=" + q('"central bank"'))) == ["urn:t:bank"]
        assert api(srv, "q=" + q('"bank central"'))["total"] == 0
        # words alone find both
        assert set(uris(api(srv, "q=" + q("bank")))) == {"urn:t:bank", "urn:t:oil"}
        # an unclosed quote runs to the end
        assert uris(api(srv, "q=" + q('"central bank'))) == ["urn:t:bank"]


def test_exclusions_and_or():
    with fixture_server() as srv:
        assert uris(api(srv, "q=" + q("bank -england"))) == ["urn:t:bank"]
        assert uris(api(srv, "q=" + q('bank -"bank of england"'))) == ["urn:t:bank"]
        assert set(uris(api(srv, "q=" + q("zebra OR strengthen")))) == {"urn:t:zebra", "urn:t:ties"}
        assert api(srv, "q=" + q("zebra strengthen"))["total"] == 0
        # only exclusions: a clear message
        d = api(srv, "q=" + q("-bank"), status=400)
        assert "words" in d["error"]["message"], d
        html = srv.text("/en/search?q=" + q("-bank"))
        assert 'class="search-message"' in html


def test_filters_and_sort():
    with fixture_server() as srv:
        base = "q=" + q("bank OR strengthen OR oil") + "&lang=en"
        assert set(uris(api(srv, base))) == {"urn:t:ties", "urn:t:bank", "urn:t:oil"}
        assert set(uris(api(srv, base + "&place=japan"))) == {"urn:t:ties", "urn:t:oil"}
        assert uris(api(srv, base + "&tag=energy")) == ["urn:t:oil"]
        assert set(uris(api(srv, base + "&author=mark-roe"))) == {"urn:t:bank", "urn:t:oil"}
        assert uris(api(srv, base + "&from=2025-02-01&to=2025-02-28")) == ["urn:t:bank"]
        assert uris(api(srv, base + "&to=2025-01-10")) == ["urn:t:ties"]
        assert uris(api(srv, base + "&sort=date")) == ["urn:t:oil", "urn:t:bank", "urn:t:ties"]
        d = api(srv, base + "&from=yesterday", status=400)
        assert "YYYY-MM-DD" in d["error"]["message"]
        # relevance: the headline match ranks first
        assert uris(api(srv, "q=oil&lang=en"))[0] == "urn:t:oil"
        # pagination
        d = api(srv, base + "&limit=2")
        assert d["total"] == 3 and d["pages"] == 2 and len(d["results"]) == 2
        d2 = api(srv, base + "&limit=2&page=2")
        assert len(d2["results"]) == 1 and not set(uris(d2)) & set(uris(d))
        html = srv.text("/en/search?" + base.replace("&lang=en", "") + "&sort=date")
        assert (html.index("/en/news/oil-output-rises") < html.index("/en/news/central-bank-holds-rates") <
                html.index("/en/news/allies-strengthened-their-ties"))


def test_other_editions_offered():
    with fixture_server() as srv:
        html = srv.text("/it/search?q=zebra")
        assert 'class="search-others"' in html, html[-2000:]
        assert "/en/search?q=zebra" in html
        d = api(srv, "q=zebra&lang=it")
        assert d["total"] == 0 and d["other_editions"] == [{"lang": "en", "count": 1}], d
        # everywhere finds both languages
        assert set(uris(api(srv, "q=" + q("rafforzare OR strengthen")))) == {"urn:t:it1", "urn:t:ties"}
        html = srv.text("/search?q=" + q("rafforzare OR strengthen"))
        assert "Le banche" in html and "Allies" in html


def test_retraction_and_update():
    with fixture_server() as srv:
        assert uris(api(srv, "q=zebra")) == ["urn:t:zebra"]
        p = os.path.join(srv.dir, "retract.jsonl")
        z = dict(FIXTURE[4], pubstatus="canceled")
        write_jsonl(p, [z])
        harness.run_cli("import", "--db", srv.db, p)
        assert api(srv, "q=zebra")["total"] == 0
        # published again with new words: the old ones are gone from the index
        z = art("urn:t:zebra", "en", "Giraffe merger announced", "A giraffe deal.", "2025-05-01T10:00:00Z")
        write_jsonl(p, [z])
        harness.run_cli("import", "--db", srv.db, p)
        assert api(srv, "q=zebra")["total"] == 0
        assert uris(api(srv, "q=giraffe")) == ["urn:t:zebra"]


def test_snippets_escaped():
    with fixture_server() as srv:
        html = srv.text("/en/search?q=tie")
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, html[-3000:]
        assert "<mark>tie</mark>" in html
        d = api(srv, "q=tie")
        r = [x for x in d["results"] if x["item"]["uri"] == "urn:t:markup"][0]
        assert "<script>alert(1)</script>" in "".join(s["text"] for s in r["snippet"])


def test_search_box():
    with fixture_server() as srv:
        for path in ("/en/", "/it/", "/en/search?q=oil"):
            assert 'action="/%s/search"' % path[1:3] in srv.text(path), path
        assert srv.text("/en/search").count('class="search-message"') == 1
        assert srv.get("/xx/search?q=oil")[0] == 404


def test_many_matches_pages():
    # more matches than the ranking window (500): exact total, every page full
    items = [art("urn:t:m%d" % i, "en", "Report number %d" % i,
                 "The harbour opened again. Report %d." % i,
                 "2024-%02d-%02dT10:00:00Z" % (1 + i // 60 % 12, 1 + i % 28))
             for i in range(700)]
    items.append(art("urn:t:mh", "en", "Harbour reopens", "The harbour opened.", "2025-06-01T10:00:00Z"))
    d = tempfile.mkdtemp(prefix="dateline-search-")
    try:
        p = os.path.join(d, "many.jsonl")
        write_jsonl(p, items)
        srv = harness.Server(imports=[p])
    finally:
        shutil.rmtree(d, ignore_errors=True)
    with srv:
        first = api(srv, "q=harbour&limit=50")
        assert first["total"] == 701 and first["total_exact"] is True, first["total"]
        assert first["pages"] == 15
        assert uris(first)[0] == "urn:t:mh"   # headline match, newest
        last = api(srv, "q=harbour&limit=50&page=15")
        assert len(last["results"]) == 1, len(last["results"])
        mid = api(srv, "q=harbour&limit=50&page=14")
        assert len(mid["results"]) == 50
        seen = set()
        for page in range(1, 16):
            seen |= set(uris(api(srv, "q=harbour&limit=50&page=%d" % page)))
        assert len(seen) == 701, len(seen)
        html = srv.text("/en/search?q=harbour&page=36")
        assert "Page 36 of 36" in html and html.count('class="summary search-result"') == 1


HOSTILE = ['"unbalanced', 'NEAR(oil bank', 'oil NEAR/3 bank', '*', 'oil*', '"', '""', "'", 'AND', 'OR',
           'NOT oil', 'oil OR', '(((', ')', 'headline:oil', '{headline}: oil', 'oil^2', '-', '--oil',
           '- -', '\\', '%', 'a' * 70, 'x' * 10240, ' '.join(['oil'] * 40), '\u0000oil',
           '\u3000\u3000', 'ﾟ', '🙂🙂', '\u202eoil']


def test_ranking_is_bm25():
    # The server ranks with its own dl_bm25(), which must order as FTS5's
    # bm25() does (same weights; equal scores newest first) whenever no
    # phrase has more than 2,000 matches. Made-up words, so stemming keeps
    # them as they are; counts vary per article so scores differ.
    import random
    rng = random.Random(7)
    words = ["zorvak", "plimet", "quastor", "bruntak", "mavrik", "tolsen", "kerrow", "fenwick"]
    items = []
    for i in range(80):
        head = " ".join(rng.choice(words) for _ in range(rng.randint(2, 5)))
        body = " ".join(rng.choice(words + ["filler"] * 12) for _ in range(rng.randint(8, 60)))
        items.append(art("urn:t:r%d" % i, "en", head.capitalize(), body.capitalize() + ".",
                         "2024-%02d-%02dT10:00:00Z" % (1 + i % 12, 1 + i % 28)))
    for i in range(3):   # identical articles: equal scores, newest first
        items.append(art("urn:t:same%d" % i, "en", "Quastor", "Filler quastor.", "2023-01-0%dT10:00:00Z" % (i + 1)))
    d = tempfile.mkdtemp(prefix="dateline-search-")
    try:
        p = os.path.join(d, "rank.jsonl")
        write_jsonl(p, items)
        srv = harness.Server(imports=[p])
        # the reference order is SQLite FTS5's bm25(): on PostgreSQL, from
        # a SQLite file holding the same articles
        ref = srv.db
        if harness.is_pg(ref):
            ref = os.path.join(d, "ref.db")
            harness.run_cli("import", "--db", ref, p)
    except BaseException:
        shutil.rmtree(d, ignore_errors=True)
        raise
    with srv:
        c = sqlite3.connect(ref)
        cases = [("zorvak", '("zorvak")'), ("plimet kerrow", '("plimet") AND ("kerrow")'),
                 ("quastor OR fenwick", '("quastor" OR "fenwick")'),
                 ('"bruntak mavrik"', '("bruntak mavrik")'),
                 ("tolsen -zorvak", '(("tolsen")) NOT "zorvak"')]
        for text, expr in cases:
            want = [r[0] for r in c.execute(
                "SELECT a.uri FROM search_fts f JOIN articles a ON a.id = f.rowid WHERE search_fts MATCH ? "
                "ORDER BY bm25(search_fts, 10.0, 4.0, 1.0, 2.0, 2.0, 2.0, 0.0), f.rowid DESC LIMIT 50", (expr,))]
            got = uris(api(srv, "q=%s&limit=50" % q(text)))
            assert len(want) > 2, (text, want)
            assert got == want, (text, got, want)
        got = uris(api(srv, "q=quastor&limit=50"))
        same = [u for u in got if u.startswith("urn:t:same")]
        assert same == ["urn:t:same2", "urn:t:same1", "urn:t:same0"], same
        c.close()
    shutil.rmtree(d, ignore_errors=True)


def test_hostile_queries():
    with fixture_server() as srv:
        for s in HOSTILE:
            for path in ("/en/search?q=", "/search?q=", "/api/v1/search?q="):
                st, h, body = srv.get(path + q(s))
                assert st in (200, 400), "%s%r: %d %r" % (path, s, st, body[:200])
                if path.startswith("/api"):
                    json.loads(body)
                else:
                    t = body.decode("utf-8")
                    assert 'search-message' in t or 'search-count' in t, (s, t[-1500:])
        # invalid UTF-8 and raw bytes
        for raw in ("%FF%FE", "oil%C3", "%C0%AF", "%ED%A0%80oil", "%00", "%22NEAR%28", "oil%FF"):
            for path in ("/en/search?q=", "/api/v1/search?q="):
                st, _, body = srv.get(path + raw)
                assert st in (200, 400), (path, raw, st, body[:200])
        st, _, _ = srv.get("/en/search?q=oil&page=abc")
        assert st == 404
        assert srv.get("/api/v1/search?q=oil&limit=1000")[0] == 400
        assert srv.alive()


def test_rebuild_existing_database():
    d = tempfile.mkdtemp(prefix="dateline-search-")
    try:
        rebuild_in(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def rebuild_in(d):
    p = os.path.join(d, "fixture.jsonl")
    write_jsonl(p, FIXTURE)
    db = harness.new_db()
    harness.run_cli("import", "--db", db, p)
    if harness.is_pg(db):
        # the index tables are the engine's own; only what a user sees
        assert "urn:t:zebra" in harness.run_cli("search", "--db", db, "zebra").stdout
        p = harness.run_cli("search", "--db", db, "--rebuild")
        assert "indexed 6 articles" in p.stdout, p.stdout
        assert "urn:t:zebra" in harness.run_cli("search", "--db", db, "zebra").stdout
    else:
        c = sqlite3.connect(db)
        c.execute("DELETE FROM search_fts")
        c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('search_stale', 1)")
        c.commit()
        n = c.execute("SELECT count(*) FROM search_fts").fetchone()[0]
        c.close()
        assert n == 0
        p = harness.run_cli("search", "--db", db, "zebra")
        assert "urn:t:zebra" in p.stdout, p.stdout
        c = sqlite3.connect(db)
        c.execute("DELETE FROM search_fts")
        c.commit()
        c.close()
        assert "0 matches" in harness.run_cli("search", "--db", db, "zebra").stdout
        p = harness.run_cli("search", "--db", db, "--rebuild")
        assert "indexed 6 articles" in p.stdout, p.stdout
        assert "urn:t:zebra" in harness.run_cli("search", "--db", db, "zebra").stdout


def contains_count(path, needle):
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            text = d["headlines"][0]["value"] + " " + " ".join(b["value"] for b in d.get("bodies", []))
            n += needle in text
    return n


def corpus_server(name, limit):
    """A server with the first `limit` articles of the sample; the prepared
    file stays in the server's directory (removed when it stops)."""
    src = harness.need_shared("corpus", "multilingual", name)
    d = tempfile.mkdtemp(prefix="dateline-search-")
    p = os.path.join(d, name)
    search_corpus.prepare(src, p, limit=limit)
    try:
        srv = harness.Server(imports=[p])
    except BaseException:
        shutil.rmtree(d, ignore_errors=True)
        raise
    kept = os.path.join(srv.dir, name)
    shutil.move(p, kept)
    shutil.rmtree(d, ignore_errors=True)
    return srv, kept


def check_word(srv, path, word, lang):
    have = contains_count(path, word)
    assert have > 10, "the sample should hold %s" % word
    d = api(srv, "q=%s&limit=50" % q(word) + ("&lang=" + lang if lang else ""))
    # found as a word: never more than the articles holding the characters,
    # and most of them (the rest hold them inside a longer word)
    assert have * 0.6 <= d["total"] <= have, (word, d["total"], have)
    for r in d["results"]:
        hits = [s["text"] for s in r["snippet"] + r["headline"] if s["hit"]]
        assert word in hits, (word, r["headline"], hits)
    # ranked: the best result has the word in its headline
    top = "".join(s["text"] for s in d["results"][0]["headline"])
    assert word in top, top
    return d


def test_chinese_thucnews():
    srv, path = corpus_server("zh-thucnews.ninjs.jsonl", None)
    with srv:
        d = check_word(srv, path, "基金", "zh")
        # a single character that is not a word on its own finds less
        assert api(srv, "q=" + q("金") + "&lang=zh")["total"] < d["total"]
        html = srv.text("/zh/search?q=" + q("基金"))
        assert "<mark>基金</mark>" in html
        # a phrase of two words in order
        assert api(srv, "q=" + q('"基金 经理"'))["total"] > 0


def test_japanese_livedoor():
    srv, path = corpus_server("ja-livedoor.ninjs.jsonl", 2000)
    with srv:
        check_word(srv, path, "映画", None)
        html = srv.text("/search?q=" + q("映画"))
        assert "<mark>映画</mark>" in html


if __name__ == "__main__":
    harness.main(globals())
