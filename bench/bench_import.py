"""Benchmark the seed importer: 1,000 seed-sized documents into PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_bench \
        .venv/bin/python bench/bench_import.py

The database named in DATABASE_URL is created if missing, migrated, and emptied (flush) before
the run: point it at a database of its own.  Each document is a distinct variant of the seed
(its own title, date and wording), so every sha256 differs and every import writes.

Prints documents/s and directives/s for parsing alone, writing alone and the whole pipeline,
and the share of time spent inside the database (timed with connection.execute_wrapper).
The documents are written as ``import_seed`` writes several files: in batches through
``documents_import_parsed`` (one statement per table per batch); a sample is also written one
by one (``document_import_parsed``, the admin's path) for comparison.  The floor, measured in
the same run, is decoding the same bytes and splitting them into sentences: no importer can
be faster, so documents/s as a ratio of the floor's says how the machine's load is discounted.
Target: 100 documents/s end to end.

On a shared machine wall-clock times swing with the load; the CPU seconds each phase used
(``time.process_time``, and the worker processes' own for the parse) are printed beside them,
with their ratio to the floor's CPU time: those move much less from run to run.  The database
server's own work is in neither, only in the wall-clock "SQL" share.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from _common import ensure_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_bench"
SEED = ROOT / "seeds" / "000_d59561c663881efd.txt"
BATCH = 100
TARGET = 100.0  # documents/s end to end


def variants(count: int) -> list[tuple[str, bytes]]:
    """Seed-sized documents that differ in title, dates and a few words."""
    seed = SEED.read_text(encoding="utf-8")
    base_day = date(2023, 4, 1)
    out = []
    for n in range(count):
        day = base_day + timedelta(days=n)
        text = (
            seed.replace(
                "发动大会上的讲话 (2023年4月1日)",
                f"发动大会第{n}场上的讲话 ({day.year}年{day.month}月{day.day}日)",
            )
            .replace(
                "2023年4月2日", f"{day.year}年{day.month}月{day.day + 1 if day.day < 28 else 1}日"
            )
            .replace("三至五年", ["三至五年", "两至三年", "四至六年"][n % 3])
            .replace("各县区各部门认真", ["各县区各部门认真", "各县区各单位认真"][n % 2])
        )
        out.append((f"bench_{n:04d}.txt", text.encode("utf-8")))
    return out


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--one-by-one", type=int, default=100, help="sample written singly")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from commitments.importer.batch import parse_documents
    from commitments.importer.decode import decode_bytes
    from commitments.importer.directives import split_sentences
    from commitments.importer.parse import ParsedDocument, parse_document
    from commitments.models import Commitment, Directive, SourceDocument
    from commitments.services.imports import document_import_parsed, documents_import_parsed

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

    docs = variants(args.documents)

    # 0) The floor: decode and cut into sentences, the least any reading of the text does.
    t0, c0 = time.perf_counter(), time.process_time()
    for _, data in docs:
        text, _ = decode_bytes(data)
        split_sentences(text, 0, len(text))
    floor_s = time.perf_counter() - t0
    floor_cpu = time.process_time() - c0

    # 1) Parsing alone (no database), side by side on every CPU as import_seed does; one
    # process on a sample, for the single-file figure.
    t0, c0, w0 = time.perf_counter(), time.process_time(), _children_cpu()
    parsed = [p for p in parse_documents(docs) if isinstance(p, ParsedDocument)]
    parse_s = time.perf_counter() - t0
    # The workers' CPU is counted once they are reaped (the pool is shut down by now).
    parse_cpu = time.process_time() - c0 + _children_cpu() - w0
    assert len(parsed) == len(docs)
    single = docs[: max(1, len(docs) // 10)]
    t0 = time.perf_counter()
    for name, data in single:
        parse_document(data, name=name)
    parse_one_s = (time.perf_counter() - t0) / len(single)
    directives = sum(len(p.directives) for p in parsed)
    assert len({p.sha256 for p in parsed}) == len(parsed), "variants must differ"

    # 2) Writing the parsed documents, timing every SQL statement.
    db_time = 0.0
    queries = 0

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal db_time, queries
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time += time.perf_counter() - start
            queries += 1

    items = [(name, doc) for (name, _), doc in zip(docs, parsed, strict=True)]
    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timed):
        for i in range(0, len(items), args.batch):
            documents_import_parsed(items=items[i : i + args.batch])
            print(f"  {min(i + args.batch, len(items))}/{len(items)} written", file=sys.stderr)
    write_s = time.perf_counter() - t0
    write_cpu = time.process_time() - c0

    assert SourceDocument.objects.count() == len(docs)
    assert Directive.objects.count() == directives
    total_s = parse_s + write_s
    n = len(docs)
    print(f"documents: {n}, directives: {directives}, commitments: {Commitment.objects.count()}")
    print(f"queries: {queries} ({queries / n:.1f} per document, batches of {args.batch})")

    # 3) A sample written one by one, as the admin's import does (new documents each).
    single_s = 0.0
    sample = variants(args.documents + args.one_by_one)[args.documents :]
    if sample:
        sample_parsed = [parse_document(data, name=name) for name, data in sample]
        t0 = time.perf_counter()
        for (name, _), doc in zip(sample, sample_parsed, strict=True):
            document_import_parsed(parsed=doc, name=name)
        single_s = (time.perf_counter() - t0) / len(sample)

    for label, seconds in (
        ("floor", floor_s),
        (f"parse ×{os.cpu_count()}", parse_s),
        ("write only", write_s),
        ("parse+write", total_s),
    ):
        print(
            f"{label:<11}: {seconds:7.2f} s  {n / seconds:8.1f} documents/s  "
            f"{directives / seconds:9.1f} directives/s"
        )
    print(f"parse in one process (sample of {len(single)}): {1 / parse_one_s:8.1f} documents/s")
    if single_s:
        print(f"write one by one (sample of {len(sample)}): {1 / single_s:8.1f} documents/s")
        print(f"ratio batch / one-by-one write speed  : {single_s / (write_s / n):.2f}")
    print(f"ratio write/parse time        : {write_s / parse_s:.2f}")
    print(f"ratio database / total time   : {db_time / total_s:.2f}  ({db_time:.2f} s in SQL)")
    print(f"ratio database / write time   : {db_time / write_s:.2f}")
    print(f"ratio parse+write / floor time: {total_s / floor_s:.1f}")
    print(
        f"cpu seconds  : floor {floor_cpu:.2f}, parse {parse_cpu:.2f} (all processes), "
        f"write {write_cpu:.2f} (this process, SQL server not counted)"
    )
    print(
        f"ratio cpu / floor cpu: parse {parse_cpu / floor_cpu:.1f}, "
        f"write {write_cpu / floor_cpu:.1f}, parse+write {(parse_cpu + write_cpu) / floor_cpu:.1f}"
    )
    speed = n / total_s
    print(f"end to end: {speed:.1f} documents/s, target {TARGET:.0f}/s: ×{speed / TARGET:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
