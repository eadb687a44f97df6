"""Feeds, the ninjs API, sitemaps and article metadata against the real
server: Atom validated with xmllint against the RELAX NG schema of RFC 4287
(SHARED_DIR/conformance/feeds/atom.rng), RSS and sitemaps well-formed with
their required elements, JSON Feed against tests/http/schemas/jsonfeed-1.1.json
and ninjs items against SHARED_DIR/conformance/ninjs/ninjs-schema_2.1.json
(python3-jsonschema), JSON-LD and Open Graph on article pages, hostile and
non-ASCII headlines through every format, retractions and corrections,
ETag / Last-Modified / 304.

Needs: xmllint (libxml2-utils), python3-jsonschema; the schema-based cases
skip with a message when SHARED_DIR or a tool is absent."""
import email.utils
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_URL = "https://news.example.org"
CONFIG = """[site]
name = Meridian
agency = Meridian
base_url = %s
timezone = Europe/Rome
default_lang = en
editions = en,it,es,zh
[feeds]
full_text = %s
"""
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"

HOSTILE = 'Breach ]]> of <script>alert("x")</script> & \u0001bell\u0008 \'q\' \u2028end'
HOSTILE_XML = HOSTILE.replace("\u0001", "").replace("\u0008", "")
ZH = "上海港口吞吐量创新高，出口需求回暖"
IT = "Perché la città di Genova è più verde: «un modello»"
NOW = int(time.time())


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def article(uri, lang, headline, t, **kw):
    a = {"uri": uri, "type": "text", "language": lang, "firstcreated": iso(t),
         "versioncreated": iso(kw.pop("modified", t)),
         "headlines": [{"role": "main", "value": headline}],
         "descriptions": [{"role": "summary", "value": kw.pop("summary", "Summary of " + headline)}],
         "by": kw.pop("by", "Ada Reporter"), "located": kw.pop("located", "Genoa"),
         "copyrightholder": "Meridian",
         "places": [{"name": p} for p in kw.pop("places", ["Italy"])],
         "subjects": [{"name": s} for s in kw.pop("tags", ["Economy"])],
         "bodies": [{"role": "main", "contenttype": "text/plain",
                     "value": kw.pop("body", "First paragraph of %s.\n\nSecond one." % uri)}]}
    if "translation_of" in kw:
        a["associations"] = [{"name": "translation-of", "uri": kw.pop("translation_of")}]
    if "pubstatus" in kw:
        a["pubstatus"] = kw.pop("pubstatus")
    assert not kw, kw
    return a


def fixture(dirname):
    items = [
        article("urn:test:feeds:hostile", "en", HOSTILE, NOW - 3600, summary=HOSTILE,
                body=HOSTILE + "\n\nAnd ]]> again.", tags=["Security"], by="Eve <b>Hacker</b>"),
        article("urn:test:feeds:port", "en", "Shanghai port sets a record", NOW - 7200,
                places=["China"], tags=["Trade", "Economy"]),
        article("urn:test:feeds:port-zh", "zh", ZH, NOW - 7100, places=["中国"], tags=["贸易"],
                by="李明", located="上海", body="上海港今年吞吐量创新高。\n\n出口需求回暖。",
                translation_of="urn:test:feeds:port"),
        article("urn:test:feeds:port-it", "it", IT, NOW - 7000, places=["Italia"],
                tags=["Economia"], by="Giulia Rossi", located="Genova",
                body="La città è più verde.\n\nÈ un modello per l'Europa.",
                translation_of="urn:test:feeds:port"),
        article("urn:test:feeds:corrected", "en", "Corrected story about rice prices",
                NOW - 10 * 86400, modified=NOW - 600, tags=["Economy"]),
        article("urn:test:feeds:retracted", "en", "Retracted story that must vanish",
                NOW - 1800, pubstatus="canceled"),
        article("urn:test:feeds:old", "en", "An old story from last year", NOW - 400 * 86400,
                tags=["Economy"]),
    ]
    for i in range(25):
        items.append(article("urn:test:feeds:bulk-%d" % i, "en", "Bulk item %d" % i,
                             NOW - 20 * 86400 - i * 3600, tags=["Bulk"], places=["Testland"]))
    path = os.path.join(dirname, "feeds.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for a in items:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    return path


_servers = {}


def server(full="true"):
    if full not in _servers:
        tmp = tempfile.mkdtemp(prefix="dateline-feeds-")
        _servers[full] = harness.Server(imports=[fixture(tmp)], config=CONFIG % (BASE_URL, full))
    return _servers[full]


def get(path, srv=None, status=200, headers=None):
    srv = srv or server()
    st, h, body = srv.request("GET", path, headers or {})
    assert st == status, "GET %s: %d, wanted %d: %r" % (path, st, status, body[:300])
    return h, body


def need_tool(name):
    if shutil.which(name) is None:
        raise harness.Skip("needs %s (Debian package %s)" % (name, {
            "xmllint": "libxml2-utils", "trang": "trang"}.get(name, name)))


def jsonschema_mod():
    try:
        import jsonschema
    except ImportError:
        raise harness.Skip("needs python3-jsonschema (Debian) for /usr/bin/python3")
    return jsonschema


def xmllint(data, *args):
    need_tool("xmllint")
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(data)
    try:
        p = subprocess.run(["xmllint", "--noout"] + list(args) + [f.name], capture_output=True,
                           text=True, timeout=60)
    finally:
        os.unlink(f.name)
    return p.returncode, p.stderr


def atom_rng():
    rng = os.path.join(harness.SHARED, "conformance", "feeds", "atom.rng")
    if os.path.exists(rng):
        return rng
    rnc = harness.need_shared("conformance", "feeds", "atom.rnc")
    need_tool("trang")
    out = os.path.join(tempfile.mkdtemp(prefix="dateline-rng-"), "atom.rng")
    subprocess.run(["trang", rnc, out], check=True, timeout=120)
    return out


def term_feed_bases(srv):
    """Feed bases of every tag, place and author the English and Chinese
    front pages link to, through the article pages (slugs are the server's)."""
    bases = set()
    for lang in ("en", "zh", "it"):
        _, body = get("/%s/feed.json" % lang, srv)
        for it in json.loads(body)["items"]:
            page = get(urllib.parse.urlsplit(it["url"]).path, srv)[1].decode()
            for m in re.finditer(r'href="(/%s/(?:tag|place|author)/[^"/]+)"' % lang, page):
                bases.add(urllib.parse.quote(m.group(1), safe="/%"))
    return sorted(bases)


# ---- Atom ----

def test_atom_validates_against_rfc4287_schema():
    rng = atom_rng()
    srv = server()
    bases = ["/en", "/it", "/zh", "/es"] + term_feed_bases(srv)
    assert any("/place/" in b for b in bases) and any("/author/" in b for b in bases), bases
    for base in bases:
        _, body = get(base + "/feed.atom", srv)
        rc, err = xmllint(body, "--relaxng", rng)
        assert rc == 0, "%s/feed.atom does not validate:\n%s" % (base, err)
    # the schema can fail: an entry without an id is refused
    broken = get("/en/feed.atom", srv)[1].replace(b"<id>urn:test:feeds:port</id>", b"", 1)
    rc, _ = xmllint(broken, "--relaxng", rng)
    assert rc != 0, "a broken feed validated: the check is not checking"


def test_atom_validates_against_trang_conversion_of_rfc_schema():
    """The RFC's compact schema converted here with trang, not the stored
    conversion: the two must agree about our feeds."""
    rnc = harness.need_shared("conformance", "feeds", "atom.rnc")
    need_tool("trang")
    out = os.path.join(tempfile.mkdtemp(prefix="dateline-rng-"), "atom.rng")
    try:
        subprocess.run(["trang", rnc, out], check=True, timeout=120, capture_output=True)
        for path in ("/en/feed.atom", "/zh/feed.atom", "/it/tag/economia/feed.atom"):
            rc, err = xmllint(get(path)[1], "--relaxng", out)
            assert rc == 0, "%s: %s" % (path, err)
    finally:
        shutil.rmtree(os.path.dirname(out), ignore_errors=True)


def test_atom_content_and_order():
    _, body = get("/en/feed.atom")
    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = root.findall(ATOM + "entry")
    assert len(entries) == 29, len(entries)   # every published English article
    ids = [e.find(ATOM + "id").text for e in entries]
    assert ids[0] == "urn:test:feeds:hostile", ids[:3]
    self_link = [l.get("href") for l in root.findall(ATOM + "link") if l.get("rel") == "self"]
    assert self_link == [BASE_URL + "/en/feed.atom"], self_link
    first = entries[0]
    assert first.find(ATOM + "content").get("type") == "html"
    assert "And ]]&gt; again." in first.find(ATOM + "content").text or \
        "And ]]> again." in first.find(ATOM + "content").text
    link = [l.get("href") for l in first.findall(ATOM + "link") if l.get("rel") == "alternate"][0]
    assert link.startswith(BASE_URL + "/en/news/"), link
    cats = [c.get("label") for c in entries[1].findall(ATOM + "category")]
    assert set(cats) == {"Trade", "Economy"}, cats


# ---- RSS ----

def check_rss(body, lang):
    rc, err = xmllint(body)
    assert rc == 0, err
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = root.find("channel")
    for req in ("title", "link", "description"):
        assert (ch.findtext(req) or "").strip(), "channel lacks " + req
    assert ch.findtext("language") == lang
    items = ch.findall("item")
    assert items, "no items"
    for it in items:
        assert it.findtext("title") and it.findtext("link").startswith(BASE_URL + "/" + lang + "/news/")
        assert it.find("guid").get("isPermaLink") == "false" and it.findtext("guid").startswith("urn:")
        assert email.utils.parsedate_to_datetime(it.findtext("pubDate")) is not None
    return ch


def test_rss_wellformed_with_required_elements():
    for base in ["/en", "/it", "/zh", "/en/tag/economy"]:
        _, body = get(base + "/feed.rss")
        check_rss(body, base[1:3])
    h, _ = get("/en/feed.rss")
    assert h["content-type"].startswith("application/rss+xml"), h["content-type"]


# ---- JSON Feed ----

def test_json_feed_validates_against_schema():
    js = jsonschema_mod()
    with open(os.path.join(HERE, "schemas", "jsonfeed-1.1.json")) as f:
        schema = json.load(f)
    js.Draft7Validator.check_schema(schema)
    v = js.Draft7Validator(schema)
    srv = server()
    for base in ["/en", "/it", "/zh", "/es"] + term_feed_bases(srv)[:6]:
        h, body = get(base + "/feed.json", srv)
        assert h["content-type"].startswith("application/feed+json"), h["content-type"]
        doc = json.loads(body)
        errs = list(v.iter_errors(doc))
        assert not errs, "%s/feed.json: %s" % (base, errs[0].message)
    # the schema can fail
    bad = json.loads(get("/en/feed.json", srv)[1])
    del bad["items"][0]["content_html"]
    assert list(v.iter_errors(bad)), "an item without content validated"


def test_summary_mode_when_full_text_off():
    srv = server("false")
    root = ET.fromstring(get("/en/feed.atom", srv)[1])
    entries = root.findall(ATOM + "entry")
    assert entries and all(e.find(ATOM + "content") is None for e in entries)
    assert entries[1].find(ATOM + "summary").text == "Summary of Shanghai port sets a record"
    doc = json.loads(get("/en/feed.json", srv)[1])
    assert all("content_html" not in it and it["content_text"] for it in doc["items"])
    ch = ET.fromstring(get("/en/feed.rss", srv)[1]).find("channel")
    assert all(it.find(CONTENT + "encoded") is None for it in ch.findall("item"))
    # and the full-text server carries the body
    doc = json.loads(get("/en/feed.json")[1])
    assert "Second one." in doc["items"][1]["content_html"], doc["items"][1]


# ---- hostile and non-ASCII text ----

def test_hostile_headline_round_trips_everywhere():
    srv = server()
    atom = ET.fromstring(get("/en/feed.atom", srv)[1])
    e = atom.find(ATOM + "entry")
    assert e.find(ATOM + "title").text == HOSTILE_XML, repr(e.find(ATOM + "title").text)
    assert e.find(ATOM + "summary").text == HOSTILE_XML
    assert e.find(ATOM + "author/" + ATOM + "name").text == "Eve <b>Hacker</b>"
    raw = get("/en/feed.atom", srv)[1]
    assert b"<script>" not in raw and b"\x01" not in raw and b"CDATA" not in raw
    rss = ET.fromstring(get("/en/feed.rss", srv)[1])
    assert rss.find("channel/item").findtext("title") == HOSTILE_XML
    assert rss.find("channel/item").findtext("description") == HOSTILE_XML
    rawrss = get("/en/feed.rss", srv)[1]
    assert b"<script>" not in rawrss and b"\x01" not in rawrss
    jf = json.loads(get("/en/feed.json", srv)[1])
    # JSON can carry every character: the headline comes back exactly
    assert jf["items"][0]["title"] == HOSTILE, repr(jf["items"][0]["title"])
    api = json.loads(get("/api/v1/items/" + urllib.parse.quote("urn:test:feeds:hostile", safe=""), srv)[1])
    assert api["headlines"][0]["value"] == HOSTILE
    news = ET.fromstring(get("/news-sitemap.xml", srv)[1])
    titles = [u.findtext(NEWS + "news/" + NEWS + "title") for u in news.findall(SM + "url")]
    assert HOSTILE_XML in titles, titles
    page = get(urllib.parse.urlsplit(jf["items"][0]["url"]).path, srv)[1].decode()
    ld = jsonld_of(page)
    assert ld["headline"] == HOSTILE
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in script and ">" not in script and "&" not in script, script[:200]


def test_chinese_and_italian_round_trip():
    srv = server()
    for lang, head, by in (("zh", ZH, "李明"), ("it", IT, "Giulia Rossi")):
        atom = ET.fromstring(get("/%s/feed.atom" % lang, srv)[1])
        e = atom.find(ATOM + "entry")
        assert e.find(ATOM + "title").text == head
        assert e.find(ATOM + "author/" + ATOM + "name").text == by
        rss = ET.fromstring(get("/%s/feed.rss" % lang, srv)[1])
        assert rss.find("channel/item").findtext("title") == head
        jf = json.loads(get("/%s/feed.json" % lang, srv)[1])
        assert jf["items"][0]["title"] == head and jf["language"] == lang
        api = json.loads(get("/api/v1/items?lang=" + lang, srv)[1])
        assert api["items"][0]["headlines"][0]["value"] == head
        page = get(urllib.parse.urlsplit(jf["items"][0]["url"]).path, srv)[1].decode()
        ld = jsonld_of(page)
        assert ld["headline"] == head and ld["inLanguage"] == lang
        news = ET.fromstring(get("/news-sitemap.xml", srv)[1])
        titles = [u.findtext(NEWS + "news/" + NEWS + "title") for u in news.findall(SM + "url")]
        assert head in titles
    zh = json.loads(get("/zh/feed.json", srv)[1])["items"][0]
    assert "上海港今年吞吐量创新高" in zh["content_html"]
    # a place feed under a Chinese slug
    place = [t for t in term_feed_bases(srv) if t.startswith("/zh/place/")]
    assert place, "no Chinese place link"
    jf = json.loads(get(place[0] + "/feed.json", srv)[1])
    assert [i["title"] for i in jf["items"]] == [ZH]


# ---- ninjs API ----

def ninjs_validator():
    js = jsonschema_mod()
    path = harness.need_shared("conformance", "ninjs", "ninjs-schema_2.1.json")
    with open(path) as f:
        schema = json.load(f)
    cls = js.validators.validator_for(schema)
    return cls(schema)


def test_api_items_validate_against_ninjs_schema():
    v = ninjs_validator()
    srv = server()
    seen = []
    path = "/api/v1/items"
    pages = 0
    while path:
        h, body = get(path, srv)
        assert h["content-type"].startswith("application/json")
        doc = json.loads(body)
        for it in doc["items"]:
            errs = list(v.iter_errors(it))
            assert not errs, "%s: %s" % (it.get("uri"), errs[0].message)
            seen.append(it["uri"])
        pages += 1
        path = urllib.parse.urlsplit(doc["next"]).path + "?" + urllib.parse.urlsplit(doc["next"]).query \
            if doc["next"] else None
    assert pages == 2 and doc["total"] == 31 and doc["pages"] == 2, (pages, doc["total"])
    assert len(seen) == 31 and len(set(seen)) == 31
    assert "urn:test:feeds:retracted" not in seen
    bad = dict(json.loads(get("/api/v1/items?lang=zh", srv)[1])["items"][0])
    bad["uri"] = 42
    assert list(v.iter_errors(bad)), "schema accepted a numeric uri"


def test_api_filters_and_item_by_uri():
    srv = server()
    doc = json.loads(get("/api/v1/items?lang=en&tag=trade", srv)[1])
    assert [i["uri"] for i in doc["items"]] == ["urn:test:feeds:port"], doc
    doc = json.loads(get("/api/v1/items?lang=en&place=testland&page=2", srv)[1])
    assert doc["total"] == 25 and len(doc["items"]) == 5 and doc["next"] is None
    since = iso(NOW - 3 * 3600).replace("Z", "%2B00:00")
    doc = json.loads(get("/api/v1/items?since=" + since, srv)[1])
    assert sorted(i["uri"] for i in doc["items"]) == sorted([
        "urn:test:feeds:hostile", "urn:test:feeds:port", "urn:test:feeds:port-zh",
        "urn:test:feeds:port-it"]), [i["uri"] for i in doc["items"]]
    doc = json.loads(get("/api/v1/items?since=%d&lang=it" % (NOW - 3 * 3600), srv)[1])
    assert [i["uri"] for i in doc["items"]] == ["urn:test:feeds:port-it"]
    it = json.loads(get("/api/v1/items/" + urllib.parse.quote("urn:test:feeds:port-zh", safe=""), srv)[1])
    assert it["uri"] == "urn:test:feeds:port-zh" and it["language"] == "zh"
    for bad in ("lang=xx", "since=yesterday", "page=0", "page=abc", "page=100001",
                "since=2026-13-45T00:00:00Z"):
        h, body = get("/api/v1/items?" + bad, srv, status=400)
        assert h["content-type"].startswith("application/json")
        err = json.loads(body)["error"]
        assert err["status"] == 400 and err["message"], body
    _, body = get("/api/v1/items/" + urllib.parse.quote("urn:test:feeds:retracted", safe=""), srv, 404)
    assert json.loads(body)["error"]["status"] == 404
    _, body = get("/api/v1/items/urn%3Anothing%2Fwith%2Fslashes", srv, 404)
    assert json.loads(body)["error"]["status"] == 404


# ---- sitemaps ----

def test_sitemaps_and_robots():
    srv = server()
    h, body = get("/robots.txt", srv)
    assert "Sitemap: %s/sitemap.xml" % BASE_URL in body.decode()
    assert "Sitemap: %s/news-sitemap.xml" % BASE_URL in body.decode()
    h, body = get("/sitemap.xml", srv)
    assert xmllint(body)[0] == 0
    idx = ET.fromstring(body)
    assert idx.tag == SM + "sitemapindex"
    locs = [s.findtext(SM + "loc") for s in idx.findall(SM + "sitemap")]
    months = sorted({time.strftime("%Y-%m", time.gmtime(t)) for t in
                     (NOW - 3600, NOW - 10 * 86400, NOW - 400 * 86400, NOW - 20 * 86400,
                      NOW - 20 * 86400 - 24 * 3600)}, reverse=True)
    assert locs == [BASE_URL + "/sitemap-%s.xml" % m for m in months], (locs, months)
    urls = {}
    for loc in locs:
        body = get(urllib.parse.urlsplit(loc).path, srv)[1]
        assert xmllint(body)[0] == 0
        us = ET.fromstring(body)
        assert us.tag == SM + "urlset"
        for u in us.findall(SM + "url"):
            assert u.findtext(SM + "lastmod")
            urls[u.findtext(SM + "loc")] = u
    assert len(urls) == 31, len(urls)   # 29 English, one Chinese, one Italian
    port = [u for loc, u in urls.items() if loc.startswith(BASE_URL + "/en/news/shanghai")][0]
    alts = {l.get("hreflang"): l.get("href") for l in port.findall(XHTML + "link")}
    assert set(alts) == {"en", "zh", "it"}, alts
    assert all(l.get("rel") == "alternate" for l in port.findall(XHTML + "link"))
    assert alts["en"] == port.findtext(SM + "loc")
    assert all(href in urls for href in alts.values())
    get("/sitemap-1999-01.xml", srv, 404)
    get("/sitemap-2026-13.xml", srv, 404)
    # news sitemap: the last 48 hours only
    body = get("/news-sitemap.xml", srv)[1]
    assert xmllint(body)[0] == 0
    ns = ET.fromstring(body)
    got = {}
    for u in ns.findall(SM + "url"):
        n = u.find(NEWS + "news")
        pub = n.find(NEWS + "publication")
        assert pub.findtext(NEWS + "name") == "Meridian"
        assert n.findtext(NEWS + "publication_date") and n.findtext(NEWS + "title")
        got[n.findtext(NEWS + "title")] = pub.findtext(NEWS + "language")
    assert got == {HOSTILE_XML: "en", "Shanghai port sets a record": "en", ZH: "zh-cn", IT: "it"}, got


# ---- article metadata ----

def jsonld_of(page):
    m = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(m) == 1, "want one JSON-LD script, got %d" % len(m)
    return json.loads(m[0])


class Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links = {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta.setdefault(a.get("property") or a.get("name"), []).append(a.get("content"))
        if tag == "link":
            self.links.append(a)


def test_article_jsonld_open_graph_canonical():
    srv = server()
    jf = json.loads(get("/en/feed.json", srv)[1])
    port = [i for i in jf["items"] if i["id"] == "urn:test:feeds:port"][0]
    h, body = get(urllib.parse.urlsplit(port["url"]).path, srv)
    page = body.decode()
    ld = jsonld_of(page)
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "NewsArticle"
    for k in ("headline", "datePublished", "dateModified", "author", "dateline", "articleSection",
              "inLanguage", "publisher"):
        assert k in ld, "JSON-LD lacks " + k
    assert ld["headline"] == "Shanghai port sets a record"
    assert ld["datePublished"] == iso(NOW - 7200) and ld["dateModified"] == iso(NOW - 7200)
    assert ld["author"]["name"] == "Ada Reporter" and ld["author"]["@type"] == "Person"
    assert ld["publisher"]["name"] == "Meridian" and ld["dateline"] == "Genoa"
    assert ld["inLanguage"] == "en" and "Trade" in json.dumps(ld["articleSection"])
    assert "image" not in ld   # the fixture has none
    m = Meta()
    m.feed(page)
    assert m.meta["og:type"] == ["article"] and m.meta["og:title"] == ["Shanghai port sets a record"]
    assert m.meta["og:url"] == [port["url"]] and m.meta["twitter:card"] == ["summary"]
    assert m.meta["og:description"] == ["Summary of Shanghai port sets a record"]
    assert sorted(m.meta["article:tag"]) == ["Economy", "Trade"]
    canon = [l["href"] for l in m.links if l.get("rel") == "canonical"]
    assert canon == [port["url"]], canon
    # CSP still allows the page: ld+json is data, not script; nothing inline runs
    assert "script-src 'self'" in h["content-security-policy"]
    # corrected article: dateModified is the correction's time
    cor = [i for i in jf["items"] if i["id"] == "urn:test:feeds:corrected"][0]
    ld = jsonld_of(get(urllib.parse.urlsplit(cor["url"]).path, srv)[1].decode())
    assert ld["dateModified"] == iso(NOW - 600) and ld["datePublished"] == iso(NOW - 10 * 86400)


def test_feed_links_in_head():
    srv = server()
    m = Meta()
    m.feed(get("/en/", srv)[1].decode())
    alts = {l["type"]: l["href"] for l in m.links if l.get("rel") == "alternate" and l.get("type")}
    assert alts == {"application/rss+xml": "/en/feed.rss", "application/atom+xml": "/en/feed.atom",
                    "application/feed+json": "/en/feed.json"}, alts
    for href in alts.values():
        get(href, srv)
    m = Meta()
    m.feed(get("/en/tag/economy", srv)[1].decode())
    hrefs = [l["href"] for l in m.links if l.get("rel") == "alternate" and l.get("type")]
    assert "/en/tag/economy/feed.atom" in hrefs and "/en/feed.atom" in hrefs, hrefs


# ---- retraction, correction, conditional GET ----

def test_retracted_leaves_and_corrected_carries_new_time():
    srv = server()
    for path in ("/en/feed.atom", "/en/feed.rss", "/en/feed.json", "/api/v1/items?lang=en",
                 "/news-sitemap.xml"):
        assert b"urn:test:feeds:retracted" not in get(path, srv)[1]
        assert b"Retracted story" not in get(path, srv)[1], path
    atom = ET.fromstring(get("/en/feed.atom", srv)[1])
    cor = [e for e in atom.findall(ATOM + "entry") if e.findtext(ATOM + "id") == "urn:test:feeds:corrected"][0]
    assert cor.findtext(ATOM + "updated") == iso(NOW - 600)
    assert cor.findtext(ATOM + "published") == iso(NOW - 10 * 86400)
    # retract a live article and correct another while the server runs
    tmp = tempfile.mkdtemp(prefix="dateline-feeds-upd-")
    upd = os.path.join(tmp, "upd.jsonl")
    with open(upd, "w") as f:
        f.write(json.dumps(article("urn:test:feeds:port", "en", "Shanghai port sets a record",
                                   NOW - 7200, pubstatus="canceled", places=["China"])) + "\n")
        f.write(json.dumps(article("urn:test:feeds:old", "en", "An old story, corrected",
                                   NOW - 400 * 86400, modified=NOW - 60)) + "\n")
    harness.run_cli("import", "--db", srv.db, upd)
    time.sleep(1.2)   # other processes' writes are seen within a second
    for path in ("/en/feed.atom", "/en/feed.rss", "/en/feed.json", "/news-sitemap.xml",
                 "/api/v1/items?lang=en"):
        body = get(path, srv)[1]
        assert b"Shanghai port sets a record" not in body, path
    month = time.strftime("%Y-%m", time.gmtime(NOW - 7200))
    assert b"/en/news/shanghai" not in get("/sitemap-%s.xml" % month, srv)[1].lower()
    atom = ET.fromstring(get("/en/feed.atom", srv)[1])
    old = [e for e in atom.findall(ATOM + "entry") if e.findtext(ATOM + "id") == "urn:test:feeds:old"][0]
    assert old.findtext(ATOM + "updated") == iso(NOW - 60)
    assert old.findtext(ATOM + "title") == "An old story, corrected"
    assert atom.findtext(ATOM + "updated") == iso(NOW - 60)
    get("/api/v1/items/urn%3Atest%3Afeeds%3Aport", srv, 404)
    shutil.rmtree(tmp, ignore_errors=True)


def test_etag_last_modified_and_304():
    srv = server("false")
    newest = NOW - 600
    for path in ("/en/feed.atom", "/en/feed.rss", "/en/feed.json"):
        h, body = get(path, srv)
        assert h.get("etag"), h
        assert email.utils.parsedate_to_datetime(h["last-modified"]).timestamp() == newest, h
        st, h2, b2 = srv.request("GET", path, {"If-None-Match": h["etag"]})
        assert st == 304 and b2 == b"", st
        st, _, b3 = srv.request("GET", path, {"If-None-Match": '"other"'})
        assert st == 200 and b3 == body
        # If-Modified-Since alone, answered from the page cache
        st, _, b4 = srv.request("GET", path, {"If-Modified-Since": h["last-modified"]})
        assert st == 304 and b4 == b"", (path, st)
        st, _, b4 = srv.request("GET", path, {
            "If-Modified-Since": email.utils.formatdate(newest - 5, usegmt=True)})
        assert st == 200 and b4 == body, (path, st)
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        st, _, b4 = srv.request("GET", path, {"If-None-Match": '"other"',
                                              "If-Modified-Since": h["last-modified"]})
        assert st == 200 and b4 == body, (path, st)
    # If-Modified-Since on a feed not yet asked for
    lm = email.utils.formatdate(newest, usegmt=True)
    st, h, b = srv.request("GET", "/en/tag/economy/feed.atom", {"If-Modified-Since": lm})
    assert st == 304 and b == b"" and h.get("last-modified") == lm, (st, h)
    early = email.utils.formatdate(newest - 1, usegmt=True)
    st, _, b = srv.request("GET", "/en/tag/economy/feed.rss", {"If-Modified-Since": early})
    assert st == 200 and b, st
    st, _, b = srv.request("GET", "/news-sitemap.xml", {"If-Modified-Since": lm})
    assert st == 304   # its newest item (an hour old) is older than `newest`
    get("/en/tag/nothing-here/feed.atom", srv, 404)
    get("/xx/feed.atom", srv, 404)


# Both servers start before the first test, so that the harness stops them
# only at the end (it stops servers a test starts when that test ends).
server()
server("false")
harness.main(globals())
