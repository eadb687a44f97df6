#!/usr/bin/env python3
"""search_load.py DB CORPUS - loads ninjs JSON lines (text/plain bodies, as
bench/gen_search_corpus.py writes them) straight into the articles, terms
and article_terms tables of a dateline database that `dateline` has already
created (migrated), for the search benchmark only.

Why not `dateline import`: after an import the See-also engine recomputes
related lists, which grows with the square of the site and takes most of an
hour at 200,000 articles; the search benchmark measures the index build
(`dateline search --rebuild`, run next) and queries, not that. Follows the
schema of migration step 1; the real import path is what the tests use."""
import html
import json
import re
import sqlite3
import sys


def slugify(s):
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s or "x"


def main():
    db, corpus = sys.argv[1], sys.argv[2]
    c = sqlite3.connect(db)
    c.execute("PRAGMA synchronous = OFF")
    terms = {}

    def term(kind, lang, name):
        key = (kind, lang, slugify(name))
        if key not in terms:
            cur = c.execute("INSERT INTO terms (kind, lang, name, slug) VALUES (?, ?, ?, ?)",
                            (kind, lang, name, key[2]))
            terms[key] = cur.lastrowid
        return terms[key]

    import datetime
    n = 0
    with open(corpus, encoding="utf-8") as f:
        c.execute("BEGIN")
        for line in f:
            d = json.loads(line)
            lang = d["language"]
            paras = d["bodies"][0]["value"].split("\n\n")
            when = int(datetime.datetime.fromisoformat(d["firstcreated"].replace("Z", "+00:00")).timestamp())
            n += 1
            cur = c.execute(
                "INSERT INTO articles (uri, lang, slug, headline, body_html, body_text, status, "
                "first_created, version_created) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (d["uri"], lang, "a-%d" % n, d["headlines"][0]["value"],
                 "".join("<p>%s</p>\n" % html.escape(p) for p in paras), "\n\n".join(paras), when, when))
            aid = cur.lastrowid
            for kind, names in ((0, [p["name"] for p in d.get("places", [])]), (1, d.get("keywords", []))):
                for pos, name in enumerate(dict.fromkeys(names)):
                    c.execute("INSERT INTO article_terms (article, term, kind, position) VALUES (?, ?, ?, ?)",
                              (aid, term(kind, lang, name), kind, pos))
        c.execute("COMMIT")
    c.close()
    print("loaded %d articles" % n)


if __name__ == "__main__":
    main()
