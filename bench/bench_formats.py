"""Benchmark the office-format readers (no database): the seed speech as .txt (the floor),
.docx and text PDF, and a 500-row task-division table as TAB text, .docx and .xlsx.

    .venv/bin/python bench/bench_formats.py

Prints parses/s per format and each format's time as a ratio to the plain-text floor measured
in the same run (the speech against the .txt speech, the tables against the TAB table).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

from commitments.importer.parse import parse_document  # noqa: E402
from tests.importer import builders  # noqa: E402

SEED = ROOT / "seeds" / "000_d59561c663881efd.txt"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def big_table_rows(n: int) -> tuple[tuple[str | None, ...], ...]:
    rows: list[tuple[str | None, ...]] = []
    for i in range(1, n + 1):
        rows.append(
            (
                str(i),
                f"第{i}项重点工作",
                f"完成第{i}项任务的具体措施",
                f"第{i % 40}处",
                "办公室、财务处",
                f"张{i}",
                "王副局长",
                f"{i % 12 + 1}月底前",
            )
        )
    return tuple(rows)


def main() -> None:
    speech = SEED.read_text(encoding="utf-8")
    speech_docx = builders.docx_speech(speech)
    speech_pdf = builders.text_pdf(speech.splitlines())
    builders.ROWS = big_table_rows(500)  # the builders read ROWS when called
    table_tsv, table_docx, table_xlsx = (
        builders.tsv_table(),
        builders.docx_table(),
        builders.xlsx_table(),
    )
    cases = [
        ("speech .txt (floor)", speech.encode("utf-8"), None),
        ("speech .docx", speech_docx, "speech .txt (floor)"),
        ("speech .pdf", speech_pdf, "speech .txt (floor)"),
        ("table 500 rows TAB (floor)", table_tsv, None),
        ("table 500 rows .docx", table_docx, "table 500 rows TAB (floor)"),
        ("table 500 rows .xlsx", table_xlsx, "table 500 rows TAB (floor)"),
    ]
    times: dict[str, float] = {}
    for name, data, floor in cases:
        seconds = best_of(lambda d=data: parse_document(d), repeat=5)
        times[name] = seconds
        rows = len(parse_document(data).directives)
        ratio = f"  ×{seconds / times[floor]:.1f} of floor" if floor else ""
        print(
            f"{name:28s} {len(data) / 1024:8.0f} KB  {seconds * 1000:8.1f} ms  "
            f"{1 / seconds:7.1f} parses/s  {rows:4d} directives{ratio}"
        )


if __name__ == "__main__":
    main()
