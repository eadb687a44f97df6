"""Prepares a shared corpus for import: the multilingual samples have no
dates (zh, it) or offsets without a colon (ja, "+0900"), which the ninjs
importer refuses. prepare() writes the first `limit` lines of `src` to `dst`
with firstcreated/versioncreated made valid: kept when valid, normalised
when only the offset is off, else a deterministic date from the line number.
Used by tests/http/test_search.py and bench/search.sh."""
import datetime
import json
import re

BASE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def fix_time(s):
    if not isinstance(s, str):
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(Z|[+-]\d\d:?\d\d)$", s)
    if not m:
        return None
    off = m.group(2)
    if off != "Z" and ":" not in off:
        off = off[:3] + ":" + off[3:]
    return m.group(1) + off


def prepare(src, dst, limit=None, lines=None):
    """Copies lines (all, the first `limit`, or those whose 0-based numbers
    are in `lines`) and returns how many were written."""
    n = 0
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            if lines is not None and i not in lines:
                continue
            d = json.loads(line)
            fc = fix_time(d.get("firstcreated")) or fix_time(d.get("versioncreated"))
            if fc is None:
                fc = (BASE + datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            d["firstcreated"] = fc
            d["versioncreated"] = fix_time(d.get("versioncreated")) or fc
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    return n
