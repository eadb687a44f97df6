#!/usr/bin/env python3
"""gen_corpus.py [N] - writes N (default 19,043, the size of Reuters-21578)
made-up English newswire articles as IPTC ninjs 2.x JSON lines on stdout,
shaped like ../shared/corpus/reuters21578.ninjs.jsonl (uri, type,
language, headlines[main], bodies[main] text/plain with paragraphs split by
a blank line, firstcreated, versioncreated, located, places) so `make bench`
runs where that corpus is absent. Deterministic: the same N gives the same
bytes. Bodies average about 800 characters, like the real corpus."""
import datetime
import json
import random
import sys

SUBJECTS = ["Cocoa", "Coffee", "Grain", "Wheat", "Oil", "Gold", "Copper", "Sugar", "Steel", "Rubber",
            "Cotton", "Shipping", "Bank", "Bond", "Dollar", "Yen", "Trade", "Tin", "Soybean", "Gas"]
VERBS = ["rises", "falls", "steadies", "climbs", "slips", "recovers", "weakens", "holds", "jumps", "eases"]
TAILS = ["on export demand", "after talks", "in thin trade", "as stocks build", "on crop worries",
         "ahead of report", "after rate cut", "on strike news", "in early dealings", "on weather"]
PLACES = ["Usa", "Uk", "Japan", "Brazil", "Canada", "France", "West-Germany", "Australia", "Argentina",
          "China", "India", "Indonesia", "Malaysia", "Nigeria", "Ghana", "Mexico", "Italy", "Spain",
          "Netherlands", "Belgium", "Switzerland", "Saudi-Arabia", "Kuwait", "Venezuela", "Egypt"]
CITIES = ["NEW YORK", "LONDON", "TOKYO", "SAO PAULO", "OTTAWA", "PARIS", "BONN", "SYDNEY", "BUENOS AIRES",
          "PEKING", "NEW DELHI", "JAKARTA", "KUALA LUMPUR", "LAGOS", "ACCRA", "MEXICO CITY", "ROME",
          "MADRID", "AMSTERDAM", "BRUSSELS", "ZURICH", "RIYADH", "KUWAIT", "CARACAS", "CAIRO"]
WORDS = ("the market said traders prices week export import tonnes mln dlrs pct official government "
         "company shares quarter year analysts expected demand supply output production stocks rate "
         "central bank ministry agreement talks delegates season crop harvest shipment cargo port "
         "price index rose fell compared with last same period earlier estimate forecast report "
         "board meeting statement spokesman told reporters sources industry producers consumers").split()


def sentence(rng):
    n = rng.randint(9, 22)
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.4:
        words.insert(rng.randint(1, n - 1), "%d.%d" % (rng.randint(1, 999), rng.randint(0, 9)))
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def article(i, rng, start):
    when = start + datetime.timedelta(seconds=rng.randint(0, 300 * 86400))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    k = rng.randrange(len(CITIES))
    places = [PLACES[k]] + rng.sample(PLACES, rng.randint(0, 2))
    paragraphs = []
    target = int(rng.gauss(800, 350))
    size = 0
    while size < max(target, 120) or not paragraphs:
        p = " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
        paragraphs.append(p)
        size += len(p) + 2
    headline = "%s %s %s" % (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(TAILS))
    return {
        "uri": "urn:dateline-bench:%d" % (i + 1),
        "type": "text",
        "language": "en",
        "headlines": [{"role": "main", "value": headline.capitalize()}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": "\n\n".join(paragraphs)}],
        "firstcreated": stamp,
        "versioncreated": stamp,
        "located": CITIES[k],
        "places": [{"name": p} for p in dict.fromkeys(places)],
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 19043
    rng = random.Random(21578)
    start = datetime.datetime(1987, 2, 26, 8, 0, 0)
    out = sys.stdout
    for i in range(n):
        out.write(json.dumps(article(i, rng, start), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
