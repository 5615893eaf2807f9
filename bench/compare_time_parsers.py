"""jionlp's time extraction against the importer's own deadline reading (issue 13).

jionlp is not a dependency; install it beside the project to run this comparison:

    .venv/bin/pip install --target /tmp/jionlp jionlp==1.5.31
    PYTHONPATH=/tmp/jionlp .venv/bin/python bench/compare_time_parsers.py

Prints jionlp's import time and memory, then, for every corpus task the importer finds, whether
each reads the deadline the annotation accepts (jionlp gets the same text: the sentence, or the
row's date cell), and the same for a few expressions written for this comparison.
"""

# ruff: noqa: E402, F401, DTZ001, DTZ007
import json
import os
import resource
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from commitments.importer.deadlines import find_deadline
from commitments.importer.evaluation import corpus_dir, squash
from commitments.importer.parse import parse_document

CORPUS = corpus_dir(ROOT)

rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
import jionlp as jio

import_s = time.perf_counter() - t0
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"jionlp import: {import_s:.2f} s, +{(rss1 - rss0) / 1024:.0f} MB max RSS")


def jio_deadline(text, base):
    # The time the sentence states: jionlp finds time expressions and resolves them; the
    # deadline is the end of the first one that is not before the base date.
    try:
        found = jio.ner.extract_time(
            text, time_base=datetime(base.year, base.month, base.day).timestamp(), with_parsing=True
        )
    except Exception as exc:
        return None, f"error {type(exc).__name__}"
    for ent in found:
        detail = ent.get("detail") or {}
        t = detail.get("time")
        if not t or detail.get("type") not in ("time_point", "time_span"):
            continue
        end = t[-1] if isinstance(t, list) else t
        if not isinstance(end, str) or end.startswith("inf"):
            continue
        try:
            day = datetime.strptime(end[:10], "%Y-%m-%d").date()
        except ValueError:
            continue
        if day >= base - timedelta(days=1):
            return day, ent["text"]
    return None, ""


assert CORPUS is not None, "no corpus (set LEDGER_CORPUS_DIR)"
gold = json.loads((CORPUS / "gold.json").read_text(encoding="utf-8"))["docs"]
own_right = jio_right = total = 0
own_t = jio_t = 0.0
rows = []
for name, ann in sorted(gold.items()):
    ref = date.fromisoformat(ann["reference_date"])
    parsed = parse_document((CORPUS / name).read_bytes(), reference_date=ref)
    tasks = [d for d in parsed.directives if d.kind == "task"]
    for g in ann["directives"]:
        key = squash(g["key"])
        hits = [d for d in tasks if key in squash(d.text)]
        if not hits:
            continue
        d = hits[0]
        accepted = [date.fromisoformat(x) for x in g.get("deadline") or []]
        total += 1
        own_ok = (d.deadline in accepted) if accepted else d.deadline is None
        # jionlp reads the same text the importer reads: the sentence, or the row's date cell
        text = d.deadline_text if d.source == "table" and d.deadline_text else d.text
        t = time.perf_counter()
        jd, jtext = jio_deadline(text, ref)
        jio_t += time.perf_counter() - t
        jio_ok = (jd in accepted) if accepted else jd is None
        own_right += own_ok
        jio_right += jio_ok
        if own_ok != jio_ok or not jio_ok:
            rows.append(
                (g["id"], accepted and accepted[0].isoformat(), d.deadline, jd, jtext, text[:40])
            )
print(f"corpus tasks found: {total}; own deadlines right {own_right}, jionlp {jio_right}")
print(f"jionlp time {jio_t * 1000 / total:.1f} ms per task")
for r in rows:
    print("  ", r)

# fixtures of my own: expressions and the dates both should give
cases = [
    ("2023年9月底前，各市教育局完成调查。", date(2023, 8, 20), date(2023, 9, 30)),
    ("力争在6月底前投入使用。", date(2024, 1, 10), date(2024, 6, 30)),
    ("确保年内完成全部改造。", date(2024, 1, 10), date(2024, 12, 31)),
    ("用三至五年的时间达到一流水平。", date(2023, 4, 1), date(2028, 4, 1)),
    ("上半年完成规划编制。", date(2024, 1, 10), date(2024, 6, 30)),
    ("一季度完成招标。", date(2024, 1, 10), date(2024, 3, 31)),
    ("10月中旬前完成验收。", date(2024, 1, 10), date(2024, 10, 20)),
    ("国庆节前完成搬迁。", date(2024, 1, 10), date(2024, 10, 1)),
    ("明年底前全面建成。", date(2024, 1, 10), date(2025, 12, 31)),
    ("两个月内完成整改。", date(2024, 5, 6), date(2024, 7, 6)),
]
o = j = 0
for text, base, want in cases:
    mine = find_deadline(text, base).on
    theirs, _ = jio_deadline(text, base)
    o += mine == want
    j += theirs == want
    print(f"   {text:<22} want {want}  own {mine}  jionlp {theirs}")
print(f"fixtures: own {o}/{len(cases)}, jionlp {j}/{len(cases)}")
