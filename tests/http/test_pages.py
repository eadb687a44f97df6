"""The reader's pages against the real server: the seed article page with
every element in the seed's order, the printable page, listings and
pagination, archive, translations, dates per locale, errors, escaping."""
import glob
import html
import json
import os
import re
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "pages.jsonl")
BASE_URL = "https://news.example.org"
CONFIG = """[site]
name = AsiaNews
agency = AsiaNews
base_url = %s
timezone = Europe/Rome
default_lang = en
editions = en,it,es,zh
""" % BASE_URL
XSS = '<script>alert(1)</script> & "quotes"'
N_GENERATED = 25

_server = None
_seed_loaded = False


def seed_path():
    return os.path.join(harness.SHARED, "seed", "asianews-article.ninjs.json")


def extra_articles(dirname):
    """25 articles about one place (pagination), and one hostile headline."""
    path = os.path.join(dirname, "extra.jsonl")
    with open(path, "w") as f:
        for i in range(N_GENERATED):
            f.write(json.dumps({
                "uri": "urn:test:page-item-%d" % i, "type": "text", "language": "en",
                "firstcreated": "2025-09-%02dT12:00:00+02:00" % (i + 1),
                "headlines": [{"role": "main", "value": "Testland bulletin number %d" % i}],
                "by": "Paging Reporter", "located": "Testburg",
                "places": [{"name": "Testland"}], "subjects": [{"name": "Bulletins"}],
                "bodies": [{"role": "main", "contenttype": "text/plain",
                            "value": "Bulletin %d for the pagination tests." % i}],
            }) + "\n")
        f.write(json.dumps({
            "uri": "urn:test:hostile", "type": "text", "language": "en",
            "firstcreated": "2025-08-01T12:00:00+02:00",
            "headlines": [{"role": "main", "value": XSS}],
            "descriptions": [{"role": "summary", "value": XSS + " standfirst"}],
            "by": XSS, "located": "<b>Nowhere</b>",
            "places": [{"name": "<i>Placeland</i>"}], "subjects": [{"name": XSS}],
            "bodies": [{"role": "main", "contenttype": "text/plain", "value": XSS + " body"}],
        }) + "\n")
    return path


def server():
    """One server for the whole file, started before the first test (the
    harness stops it at the end)."""
    global _server, _seed_loaded
    if _server is None:
        tmp = tempfile.mkdtemp(prefix="dateline-pages-")
        imports = [FIXTURE, extra_articles(tmp)]
        if os.path.exists(seed_path()):
            # the seed is pretty-printed JSON; hand it over as one line
            one = os.path.join(tmp, "seed.jsonl")
            with open(seed_path()) as f, open(one, "w") as g:
                g.write(json.dumps(json.load(f), ensure_ascii=False) + "\n")
            imports.append(one)
            _seed_loaded = True
        for demo in sorted(glob.glob(os.path.join(harness.DEMO, "*.jsonl"))):
            imports.append(demo)
        _server = harness.Server(imports=imports, config=CONFIG)
    return _server


class Text(HTMLParser):
    """The visible text of a page body (no head, no script/style)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "script", "style", "title"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("head", "script", "style", "title") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(page):
    p = Text()
    p.feed(page)
    return re.sub(r"\s+", " ", "".join(p.parts))


def links(page):
    """[(href, text)] of every <a> in the page."""
    out = []
    for m in re.finditer(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', page, re.S):
        out.append((html.unescape(m.group(1)), html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()))
    return out


def front_page_with(s, lang, headline):
    """(path, body) of the front page of the edition that links to the
    headline: the way a reader finds an article."""
    for page in range(1, 30):
        path = "/%s/%s" % (lang, "" if page == 1 else "?page=%d" % page)
        body = s.text(path)
        for href, text in links(body):
            if text == headline and href.startswith("/%s/news/" % lang):
                return path, body, href
        if 'rel="next"' not in body:
            break
    raise AssertionError("no link to %r on the %s front pages" % (headline, lang))


def article_url(s, lang, headline):
    return front_page_with(s, lang, headline)[2]


def in_order(text, items):
    """Asserts each item occurs in text after the previous one."""
    pos = 0
    for name, needle in items:
        i = text.find(needle, pos)
        assert i >= 0, "%s (%r) not found after position %d; text there: %r" % (
            name, needle, pos, text[pos:pos + 300])
        pos = i + len(needle)
    return pos


def load_seed():
    p = harness.need_shared("seed", "asianews-article.ninjs.json")
    with open(p) as f:
        return json.load(f)


def test_seed_article_page():
    seed = load_seed()
    s = server()
    assert _seed_loaded
    headline = seed["headlines"][0]["value"]
    url = article_url(s, "en", headline)
    page = s.text(url)
    text = visible(page)
    paras = seed["bodies"][0]["value"].split("\n\n")
    m = re.search(r'<time datetime="2025-12-29T10:26:00\+01:00">([^<]+)</time>', page)
    assert m, "no <time datetime> with the publication time in Europe/Rome"
    date = html.unescape(m.group(1))
    assert "2025" in date and "December" in date and "10:26" in date, date
    in_order(text, [
        ("place kicker", "CENTRAL ASIA - JAPAN"),
        ("date", date),
        ("headline", headline),
        ("byline", "by " + seed["by"]),
        ("standfirst", seed["descriptions"][0]["value"][:120]),
        ("dateline and first paragraph", "Moscow (AsiaNews) - " + paras[0][:60]),
        ("a later body paragraph", paras[7][:60]),
        ("last paragraph", paras[-1][:60]),
        ("tags section", "Tags"),
        ("send to a friend", "Send to a friend"),
        ("printable version", "Printable version"),
        ("see also", "See also"),
        ("newsletter box", "Subscribe to AsiaNews updates or change your preferences"),
        ("subscribe button", "Subscribe now"),
    ])
    # the dateline opens the first paragraph, inside it
    assert re.search(r'<p><span class="dateline">Moscow \(AsiaNews\) - </span>On 20 December', page)
    # tags link to listings; See also items carry dates
    assert '<section class="tags"' in page and 'href="/en/place/japan"' in page
    see = page[page.index('id="see-also-h"'):page.index('class="newsletter-box"')]
    items = re.findall(r"<li>(.*?)</li>", see, re.S)
    assert items, "See also is empty"
    for it in items:
        assert re.search(r'<a href="/en/news/[^"]+">[^<]+</a> <time datetime="\d{4}-\d\d-\d\dT', it), it
    # share and newsletter lead to honest pages that exist
    hrefs = dict((t, h) for h, t in links(page))
    assert hrefs["Send to a friend"] == url.replace("/en/news/", "/en/share/")
    assert hrefs["Subscribe now"] == "/en/newsletter"
    assert hrefs["Printable version"] == url + "/print"
    share = s.text(hrefs["Send to a friend"])
    assert '<form' in share and 'name="to"' in share, "no send-to-a-friend form"
    assert 'name="email"' in s.text("/en/newsletter"), "no subscribe form"
    assert "preview-banner" not in page, "the newsroom's preview banner on a public page"
    # semantic skeleton
    for tag in ('<html lang="en">', '<meta name="viewport"', "<header", "<nav", "<main",
                "<article", "<aside", "<footer", '<link rel="canonical" href="%s%s">' % (BASE_URL, url)):
        assert tag in page, tag


def test_seed_printable_page():
    seed = load_seed()
    s = server()
    headline = seed["headlines"][0]["value"]
    url = article_url(s, "en", headline)
    page = s.text(url + "/print")
    text = visible(page)
    paras = seed["bodies"][0]["value"].split("\n\n")
    in_order(text, [
        ("kicker", "CENTRAL ASIA - JAPAN"),
        ("date", "29 December 2025"),
        ("headline", headline),
        ("byline", "by Vladimir Rozanskij"),
        ("standfirst", seed["descriptions"][0]["value"][:80]),
        ("dateline", "Moscow (AsiaNews) - " + paras[0][:40]),
        ("last paragraph", paras[-1][:60]),
        ("site name", "AsiaNews"),
        ("permanent URL", BASE_URL + url),
    ])
    for absent in ("<nav", "Send to a friend", "See also", "Subscribe now", "newsletter-box",
                   "/static/style.css"):
        assert absent not in page, "printable page has %r" % absent
    assert "/static/print.css" in page


def test_listing_pagination():
    s = server()
    first = s.text("/en/place/testland")
    assert "<h1" in first and "Testland</h1>" in first
    heads = re.findall(r"Testland bulletin number (\d+)", first)
    assert len(heads) == 20, len(heads)
    assert heads[0] == str(N_GENERATED - 1), "newest first: %r" % heads[:3]
    assert 'rel="next" href="/en/place/testland?page=2"' in first
    assert "Page 1 of 2" in visible(first)
    second = s.text("/en/place/testland?page=2")
    heads2 = re.findall(r"Testland bulletin number (\d+)", second)
    assert len(heads2) == N_GENERATED - 20 and not set(heads) & set(heads2)
    assert 'rel="prev" href="/en/place/testland"' in second
    for bad in ("999", "abc", "0", "-1", "2x", ""):
        st, _, _ = s.get("/en/place/testland?page=" + bad)
        assert st == 404, "?page=%r gave %d" % (bad, st)
    # tag and author listings, unknown slugs
    assert "Testland bulletin number 3" in s.text("/en/tag/bulletins?page=2")
    assert "Testland bulletin number 0" in s.text("/en/author/paging-reporter?page=2")
    for p in ("/en/place/nowhere-at-all", "/en/tag/nothing", "/en/author/nobody"):
        assert s.get(p)[0] == 404, p
    # the front page: a lead, then pages of the rest
    home = s.text("/en/")
    lead = re.search(r'<article class="lead">.*?<a href="(/en/news/[^"]+)">', home, re.S)
    assert lead, "no lead article on the front page"
    assert home.count('<article class="lead">') == 1
    assert '<article class="lead">' not in s.text("/en/?page=2")
    assert s.get("/en/?page=2")[0] == 200
    assert s.get("/en/?page=999")[0] == 404
    assert 'href="/en/place/testland"' in home or 'href="/en/place/italy"' in home


def test_archive():
    s = server()
    page = s.text("/en/archive")
    m = re.search(r'<a href="/en/archive/2025/09">September 2025</a> <span class="count">(\d+) ', page)
    assert m and int(m.group(1)) >= N_GENERATED, page[page.find("<main"):][:800]
    count, seen, n = int(m.group(1)), [], 1
    while True:
        month = s.text("/en/archive/2025/09" + ("?page=%d" % n if n > 1 else ""))
        assert "September 2025</h1>" in month
        seen += re.findall(r"Testland bulletin number (\d+)", month)
        if 'rel="next"' not in month:
            break
        n += 1
    assert n == (count + 19) // 20, (n, count)
    assert sorted(map(int, seen)) == list(range(N_GENERATED)), seen
    dec = s.text("/en/archive/2025/12")
    assert "Harbour cranes return to work" in dec and "Testland bulletin" not in dec
    for bad in ("/en/archive/2025/13", "/en/archive/20x5/01", "/en/archive/2025/09?page=99"):
        assert s.get(bad)[0] == 404, bad
    it = s.text("/it/archive")
    assert "dicembre 2025" in it


def test_404_in_italian():
    s = server()
    st, h, body = s.get("/it/news/non-esiste")
    page = body.decode()
    assert st == 404
    assert '<html lang="it">' in page and "Pagina non trovata" in page
    assert 'href="/it/"' in page and "Vai alla prima pagina" in page
    st, _, body = s.get("/en/news/no-such-story")
    assert st == 404 and "Page not found" in body.decode()


def test_translations_and_hreflang():
    s = server()
    en = article_url(s, "en", "Harbour cranes return to work after the winter storm")
    it = article_url(s, "it", "Le gru del porto tornano al lavoro dopo la tempesta invernale")
    en_page, it_page = s.text(en), s.text(it)
    assert '<link rel="alternate" hreflang="it" href="%s%s">' % (BASE_URL, it) in en_page
    assert '<link rel="alternate" hreflang="en" href="%s%s">' % (BASE_URL, en) in it_page
    assert ("Read in: Italiano") in visible(en_page)
    assert ("Leggi in: English") in visible(it_page)
    assert '<a href="%s" hreflang="it" lang="it">Italiano</a>' % it in en_page
    assert '<a href="%s" hreflang="en" lang="en">English</a>' % en in it_page
    # an article with no translation has no alternates
    solo = s.text(article_url(s, "en", "Rail freight between the northern ports grows for a third year"))
    # (rel="alternate" without hreflang: the edition's feeds, test_feeds.py)
    assert 'rel="alternate" hreflang' not in solo and "Read in:" not in solo


def test_dates_per_locale():
    s = server()
    it = s.text(article_url(s, "it", "Le gru del porto tornano al lavoro dopo la tempesta invernale"))
    m = re.search(r'<time datetime="2025-12-18T09:20:00\+01:00">([^<]+)</time>', it)
    assert m, "no ISO datetime in Europe/Rome"
    assert "dicembre" in m.group(1) and "December" not in m.group(1), m.group(1)
    en = s.text(article_url(s, "en", "Harbour cranes return to work after the winter storm"))
    assert re.search(r'<time datetime="2025-12-18T09:15:00\+01:00">[^<]*December[^<]*</time>', en)
    es = s.text(article_url(s, "es", "La cosecha de naranjas de Valencia se adelanta dos semanas"))
    assert re.search(r'<time datetime="2025-12-05T13:30:00\+01:00">[^<]*diciembre[^<]*</time>', es)
    zh = s.text(article_url(s, "zh", "上海新渡轮航线正式开通"))
    assert re.search(r'<time datetime="2025-12-12T10:00:00\+01:00">[^<]*12月[^<]*</time>', zh)
    assert '<html lang="zh">' in zh and "发送给朋友" in zh and "打印版" in zh


def test_escaping():
    s = server()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"
    url = article_url(s, "en", XSS)
    pages = {"article": s.text(url), "print": s.text(url + "/print"),
             "home": front_page_with(s, "en", XSS)[1]}
    for name, page in pages.items():
        # the one script allowed: the article's JSON-LD, which holds no "<"
        # at all (test_feeds.py checks its content)
        page = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", page)
        assert "<script" not in page.lower(), "%s page has a <script" % name
        assert "<b>Nowhere" not in page and "<i>Placeland" not in page, name
        assert escaped in page, "%s page lacks the escaped headline" % name
    art = pages["article"]
    assert "<title>" + escaped in art
    assert re.search(r'<p class="byline">by <a href="/en/author/[^"]+">' + re.escape(escaped) + "</a>", art)
    assert "&lt;B&gt;NOWHERE" not in art  # the dateline keeps its case
    assert "&lt;b&gt;Nowhere&lt;/b&gt; (AsiaNews) - " in art
    assert "&lt;I&gt;PLACELAND&lt;/I&gt;" in art  # kicker, upper-cased and escaped


def test_root_assets_and_static():
    s = server()
    st, h, _ = s.get("/")
    assert st == 302 and h["location"] == "/en/"
    st, h, _ = s.get("/", {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert st == 302 and h["location"] == "/zh/"
    st, h, _ = s.get("/", {"Accept-Language": "fr-FR, it;q=0.8, en;q=0.7"})
    assert st == 302 and h["location"] == "/it/"
    st, h, _ = s.get("/", {"Accept-Language": "de, fr"})
    assert h["location"] == "/en/"
    st, h, css = s.get("/static/style.css")
    assert st == 200 and h["content-type"].startswith("text/css") and b"@media print" in css
    assert "max-age" in h.get("cache-control", "")
    st, h, _ = s.get("/static/favicon.svg")
    assert st == 200 and h["content-type"] == "image/svg+xml"
    assert s.get("/static/print.css")[0] == 200
    for bad in ("/static/article.mustache", "/static/..%2Fstyle.css", "/static/nope.css",
                "/static/.hidden.css"):
        assert s.get(bad)[0] == 404, bad
    assert s.get("/en/share/no-such-story")[0] == 404


def test_theme_directory_overrides():
    d = tempfile.mkdtemp(prefix="dateline-theme-")
    with open(os.path.join(d, "error.mustache"), "w") as f:
        f.write("{{> header}}<p class=\"custom\">{{heading}} / custom theme</p>{{> footer}}")
    with open(os.path.join(d, "style.css"), "w") as f:
        f.write("body { color: red; }")
    with harness.Server(imports=[FIXTURE], config=CONFIG, args=["--theme", d]) as s:
        st, _, body = s.get("/it/nowhere/at/all")
        page = body.decode()
        assert st == 404 and "Pagina non trovata / custom theme" in page
        assert '<html lang="it">' in page          # the embedded header still applies
        assert s.get("/static/style.css")[2] == b"body { color: red; }"
        assert b"@page" in s.get("/static/print.css")[2]   # embedded fallback
    with open(os.path.join(d, "home.mustache"), "w") as f:
        f.write("{{#broken}}")
    p = harness.run_cli("serve", "--db", harness.new_db("x"), "--listen", "127.0.0.1:%d" % harness.free_port(),
                        "--theme", d, check=False, timeout=20)
    assert p.returncode != 0 and "home" in p.stderr, p.stderr


if __name__ == "__main__":
    server()   # started before the tests, so the harness keeps it between them
    harness.main(globals())
