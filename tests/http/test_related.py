"""See also through the command line: import a small corpus, list, pin, exclude."""
import json
import os
import tempfile

import harness

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "related", "articles.jsonl")


def setup_db():
    db = harness.new_db()
    harness.run_cli("import", "--db", db, FIX)
    harness.run_cli("related", "--db", db, "--rebuild")
    return db


def lists(db, limit=5):
    out = harness.run_cli("related", "--db", db, "--all", "--limit", limit, "--format", "jsonl").stdout
    return {r["uri"]: [x["uri"] for x in r["related"]] for r in map(json.loads, out.splitlines())}


def test_expected_neighbours():
    got = lists(setup_db())
    assert got["urn:fx:chess-1"][:1] == ["urn:fx:chess-2"], got["urn:fx:chess-1"]
    assert got["urn:fx:volcano-1"][:1] in (["urn:fx:volcano-2"], ["urn:fx:volcano-2-dup"]), got
    for uri, rel in got.items():
        assert uri not in rel, uri


def test_translation_duplicate_empty():
    got = lists(setup_db())
    v1 = got["urn:fx:volcano-1"]
    assert "urn:fx:volcano-1-it" not in v1, v1
    assert not ("urn:fx:volcano-2" in v1 and "urn:fx:volcano-2-dup" in v1), v1
    assert "urn:fx:volcano-2-dup" not in got["urn:fx:volcano-2"]
    assert got["urn:fx:empty"] == [] and got["urn:fx:oneword"] == []


def test_pin_and_exclude():
    db = setup_db()
    harness.run_cli("related", "--db", db, "--pin", "urn:fx:chess-1", "urn:fx:bread-1")
    harness.run_cli("related", "--db", db, "--exclude", "urn:fx:chess-1", "urn:fx:chess-2")
    got = lists(db)
    assert got["urn:fx:chess-1"][:1] == ["urn:fx:bread-1"], got["urn:fx:chess-1"]
    assert "urn:fx:chess-2" not in got["urn:fx:chess-1"]
    # still honoured after a full rebuild
    harness.run_cli("related", "--db", db, "--rebuild")
    got = lists(db)
    assert got["urn:fx:chess-1"][:1] == ["urn:fx:bread-1"] and "urn:fx:chess-2" not in got["urn:fx:chess-1"]
    p = harness.run_cli("related", "--db", db, "--pin", "urn:fx:chess-1", "urn:nope", check=False)
    assert p.returncode != 0


def test_similarity_pairs():
    d = tempfile.mkdtemp(prefix="dateline-sim-")
    pairs = os.path.join(d, "p.jsonl")
    arts = {json.loads(l)["uri"]: json.loads(l) for l in open(FIX, encoding="utf-8")}
    def side(u):
        a = arts[u]
        return {"title": a["headlines"][0]["value"], "text": a["bodies"][0]["value"]}
    with open(pairs, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "near", "lang": "en", "a": side("urn:fx:chess-1"), "b": side("urn:fx:chess-2")}) + "\n")
        f.write(json.dumps({"id": "far", "lang": "en", "a": side("urn:fx:chess-1"), "b": side("urn:fx:bread-1")}) + "\n")
    out = harness.run_cli("similarity", "--pairs", pairs).stdout
    s = {r["id"]: r["score"] for r in map(json.loads, out.splitlines())}
    assert s["near"] > s["far"], s


harness.main(globals())
