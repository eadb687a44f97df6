"""`dateline import` and `dateline export` from the command line: idempotent
upserts, bad lines reported by number, the array form, refusing corrupt or
unreachable databases, and export output valid against the ninjs 2.1 schema.

Schema validation needs Debian's python3-jsonschema (scripts/deps.sh with
DEPS_TEST=1 installs it); those checks skip with a message without it."""
import json
import os
import shutil
import tempfile
import time

import harness
from harness import Skip, need_shared, run_cli


def article(i, lang="en", **extra):
    a = {
        "uri": "urn:test:%s:%d" % (lang, i),
        "type": "text",
        "language": lang,
        "firstcreated": "2024-01-%02dT10:00:00+01:00" % (1 + i % 28),
        "headlines": [{"role": "main", "value": "Test story number %d" % i}],
        "descriptions": [{"role": "summary", "value": "Summary %d" % i}],
        "by": "Anna Bono",
        "located": "Rome",
        "places": [{"name": "Italy"}, {"name": "Vatican"}],
        "subjects": [{"name": "Religion"}],
        "bodies": [{"role": "main", "contenttype": "text/plain",
                    "value": "First paragraph of %d.\n\nSecond <paragraph> & more." % i}],
    }
    a.update(extra)
    return a


class Tmp:
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="dateline-import-")
        self.db = harness.new_db()
        return self

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def export(db):
    p = run_cli("export", "--db", db)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def summary(stderr):
    lines = [l for l in stderr.splitlines() if l.startswith("imported ")]
    assert lines, "no summary line in: %r" % stderr
    return lines[-1]


def test_usage():
    assert run_cli("import", check=False).returncode == 2
    assert run_cli("import", "--db", check=False).returncode == 2
    with Tmp() as t:
        assert run_cli("import", "--db", t.db, check=False).returncode == 2
        assert run_cli("export", check=False).returncode == 2


def test_idempotent_reimport():
    with Tmp() as t:
        f = t.write("a.jsonl", "".join(json.dumps(article(i)) + "\n" for i in range(25)))
        p = run_cli("import", "--db", t.db, f)
        assert summary(p.stderr) == "imported 25 (new 25, updated 0), failed 0", p.stderr
        assert len(export(t.db)) == 25
        p = run_cli("import", "--db", t.db, f)
        assert summary(p.stderr) == "imported 25 (new 0, updated 25), failed 0", p.stderr
        items = export(t.db)
        assert len(items) == 25
        assert len({a["uri"] for a in items}) == 25
        # An update changes the stored article, still one row.
        changed = article(3)
        changed["headlines"][0]["value"] = "Changed headline"
        f2 = t.write("b.jsonl", json.dumps(changed) + "\n")
        p = run_cli("import", "--db", t.db, f2)
        assert summary(p.stderr) == "imported 1 (new 0, updated 1), failed 0"
        items = export(t.db)
        assert len(items) == 25
        got = [a for a in items if a["uri"] == "urn:test:en:3"][0]
        assert got["headlines"][0]["value"] == "Changed headline"


def test_bad_lines_reported():
    with Tmp() as t:
        no_uri = article(2)
        del no_uri["uri"]
        no_lang = article(5)
        del no_lang["language"]
        lines = [
            json.dumps(article(1)),          # 1 ok
            '{"uri": "urn:broken", ',        # 2 bad JSON
            json.dumps(no_uri),              # 3 no uri
            "",                              # 4 blank: ignored
            json.dumps(article(4)),          # 5 ok
            json.dumps(no_lang),             # 6 no language
            "[1, 2]",                        # 7 not an object
            json.dumps(article(8, type="picture")),  # 8 not text
            json.dumps(article(9)),          # 9 ok
        ]
        f = t.write("mixed.jsonl", "\n".join(lines) + "\n")
        p = run_cli("import", "--db", t.db, f, check=False)
        assert p.returncode == 1, p
        err = p.stderr
        assert "%s:2: invalid JSON" % f in err, err
        assert '%s:3: missing "uri"' % f in err, err
        assert '%s:6: missing "language"' % f in err, err
        assert "%s:7: " % f in err, err
        assert "%s:8: " % f in err and "picture" in err, err
        for n in (1, 4, 5, 9):
            assert "%s:%d:" % (f, n) not in err, err
        assert summary(err) == "imported 3 (new 3, updated 0), failed 5", err
        assert sorted(a["uri"] for a in export(t.db)) == ["urn:test:en:1", "urn:test:en:4", "urn:test:en:9"]


def test_array_form():
    with Tmp() as t:
        items = [article(i) for i in range(3)]
        bad = article(7)
        bad["headlines"] = "not an array"
        text = "  \n[\n" + ",\n".join(json.dumps(a, indent=2) for a in items[:2]) + ",\n" \
            + json.dumps(bad) + ",\n" + json.dumps(items[2]) + "\n]\n"
        f = t.write("arr.json", text)
        # The line the bad item starts on.
        bad_line = text[:text.index('"urn:test:en:7"')].count("\n") + 1
        p = run_cli("import", "--db", t.db, f, check=False)
        assert p.returncode == 1
        assert "%s:%d: \"headlines\" must be an array" % (f, bad_line) in p.stderr, (bad_line, p.stderr)
        assert summary(p.stderr) == "imported 3 (new 3, updated 0), failed 1"
        assert len(export(t.db)) == 3
        # A good array imports with exit 0.
        f2 = t.write("arr2.json", json.dumps([article(i, "it") for i in range(4)]))
        p = run_cli("import", "--db", t.db, f2)
        assert summary(p.stderr) == "imported 4 (new 4, updated 0), failed 0"
        assert len(export(t.db)) == 7


def test_corrupt_db():
    harness.need_sqlite("a file of garbage given as a SQLite database")
    with Tmp() as t:
        with open(t.db, "wb") as f:
            f.write(bytes((i * 7919 + 13) & 0xFF for i in range(16384)))
        src = t.write("a.jsonl", json.dumps(article(1)) + "\n")
        for args in (("import", "--db", t.db, src), ("export", "--db", t.db)):
            p = run_cli(*args, check=False)
            assert p.returncode == 1, p
            assert "%s is not a dateline database" % t.db in p.stderr, p.stderr
            assert "Segmentation" not in p.stderr


def test_missing_db_dir():
    harness.need_sqlite("a SQLite file in a folder that does not exist")
    with Tmp() as t:
        src = t.write("a.jsonl", json.dumps(article(1)) + "\n")
        db = os.path.join(t.dir, "nope", "site.db")
        p = run_cli("import", "--db", db, src, check=False)
        assert p.returncode == 1
        assert "does not exist" in p.stderr and os.path.join(t.dir, "nope") in p.stderr, p.stderr
        p = run_cli("export", "--db", db, check=False)
        assert p.returncode == 1
        assert db in p.stderr, p.stderr
        assert not os.path.exists(db)
        # A missing input file is a failure too, reported by name.
        p = run_cli("import", "--db", t.db, t.path("absent.jsonl"), check=False)
        assert p.returncode == 1
        assert "absent.jsonl" in p.stderr


def validator():
    try:
        import jsonschema
    except ImportError:
        raise Skip("python3-jsonschema is not installed (DEPS_TEST=1 scripts/deps.sh installs it)")
    with open(need_shared("conformance", "ninjs", "ninjs-schema_2.1.json")) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=getattr(cls, "FORMAT_CHECKER", None))


def test_export_valid_ninjs_21():
    v = validator()
    with Tmp() as t:
        src = [article(1), article(2, "it", associations=[{"name": "translation-of", "uri": "urn:test:en:1"}]),
               article(3, "zh", headlines=[{"value": "中亚与日本的关系"}], pubstatus="withheld"),
               article(4, keywords=["Ecology"], pubstatus="canceled")]
        f = t.write("a.jsonl", "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in src))
        files = [f]
        seed = os.path.join(harness.SHARED, "seed", "asianews-article.ninjs.json")
        if os.path.exists(seed):
            files.append(seed)
        run_cli("import", "--db", t.db, *files)
        items = export(t.db)
        assert len(items) == len(src) + len(files) - 1
        for a in items:
            errors = sorted(v.iter_errors(a), key=lambda e: list(e.path))
            assert not errors, "%s: %s" % (a.get("uri"), "; ".join(e.message for e in errors[:5]))
            assert a["bodies"][0]["contenttype"] == "text/html"
            assert a["firstcreated"].endswith("Z")
        by_uri = {a["uri"]: a for a in items}
        assert by_uri["urn:test:it:2"]["associations"] == [{"name": "translation-of", "uri": "urn:test:en:1"}]
        assert by_uri["urn:test:zh:3"]["headlines"][0]["value"] == "中亚与日本的关系"
        assert by_uri["urn:test:zh:3"]["pubstatus"] == "withheld"
        assert by_uri["urn:test:en:4"]["pubstatus"] == "canceled"
        assert by_uri["urn:test:en:1"]["firstcreated"] == "2024-01-02T09:00:00Z"
        assert by_uri["urn:test:en:1"]["bodies"][0]["value"] == \
            "<p>First paragraph of 1.</p>\n<p>Second &lt;paragraph&gt; &amp; more.</p>\n"
        if len(files) > 1:
            s = by_uri["urn:asianews:2025-12-29:central-asia-japan-ties"]
            assert [p["name"] for p in s["places"]] == ["Central Asia", "Japan"]
            assert s["by"] == "Vladimir Rozanskij"
        # Export output imports again unchanged.
        f2 = t.write("again.jsonl", "\n".join(json.dumps(a) for a in items) + "\n")
        db2 = harness.new_db("copy")
        run_cli("import", "--db", db2, f2)
        assert export(db2) == items


def test_reuters_corpus():
    src = need_shared("corpus", "reuters21578.ninjs.jsonl")
    with Tmp() as t:
        t0 = time.time()
        p = run_cli("import", "--db", t.db, src)
        secs = time.time() - t0
        assert summary(p.stderr) == "imported 19043 (new 19043, updated 0), failed 0", p.stderr
        size = harness.db_size(t.db)
        # Timings are for `make bench`, not for tests: printed only.
        print("    reuters21578: %d articles in %.1fs, database %.1f MB" % (19043, secs, size / 1e6))


if __name__ == "__main__":
    harness.main(globals())
