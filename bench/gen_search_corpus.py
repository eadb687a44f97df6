#!/usr/bin/env python3
"""gen_search_corpus.py [N] - writes N (default 200,000) made-up English
articles as IPTC ninjs 2.x JSON lines on stdout, for the search benchmark
(bench/search.sh).

bench/gen_corpus.py suits page benchmarks but draws every word from a list
of about 80, so each word would be in most articles and every query would
match most of the corpus. Here word frequencies follow Zipf's law over a
vocabulary of 60,000 made-up words (syllable strings), as in real text: a
few words are everywhere, most are rare. Bodies average about 150 words
(Reuters-21578 is about 120). Deterministic: the same N gives the same bytes.
"""
import datetime
import itertools
import json
import random
import sys

VOCAB = 60000
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["ch" + v for v in "aeiou"] + \
    [v + "n" for v in "aeiou"] + [v + "r" for v in "aeiou"]
PLACES = ["Usa", "Uk", "Japan", "Brazil", "Canada", "France", "Germany", "Australia", "Argentina",
          "China", "India", "Indonesia", "Malaysia", "Nigeria", "Ghana", "Mexico", "Italy", "Spain"]
TAGS = ["Markets", "Energy", "Grain", "Metals", "Politics", "Trade", "Currencies", "Bonds", "Shipping",
        "Labour", "Health", "Technology"]


def vocabulary(rng):
    words, seen = [], set()
    while len(words) < VOCAB:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rng = random.Random(200000)
    words = vocabulary(rng)
    cum = list(itertools.accumulate(1.0 / (r + 1) ** 1.05 for r in range(VOCAB)))
    start = datetime.datetime(2020, 1, 1)
    out = sys.stdout
    for i in range(n):
        when = (start + datetime.timedelta(seconds=i * 600 + rng.randint(0, 599))).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        nbody = max(20, int(rng.gauss(150, 60)))
        body = rng.choices(words, cum_weights=cum, k=nbody)
        paras, k = [], 0
        while k < nbody:
            m = rng.randint(30, 70)
            s = " ".join(body[k:k + m])
            paras.append(s[:1].upper() + s[1:] + ".")
            k += m
        head = " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(4, 8)))
        places = rng.sample(PLACES, rng.randint(1, 2))
        d = {
            "uri": "urn:dateline-search-bench:%d" % (i + 1),
            "type": "text",
            "language": "en",
            "headlines": [{"role": "main", "value": head.capitalize()}],
            "bodies": [{"role": "main", "contenttype": "text/plain", "value": "\n\n".join(paras)}],
            "firstcreated": when,
            "versioncreated": when,
            "places": [{"name": p} for p in places],
            "keywords": rng.sample(TAGS, rng.randint(0, 2)),
        }
        out.write(json.dumps(d) + "\n")


if __name__ == "__main__":
    main()
