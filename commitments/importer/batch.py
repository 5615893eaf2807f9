"""Many files parsed at once, on every CPU: the pure-Python parse is the larger share of a
bulk import (a folder of notices, ``import_seed`` with many paths), and files do not depend on
each other, so separate processes read them side by side."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date

from commitments.importer.errors import SeedError
from commitments.importer.parse import ParsedDocument, parse_document

# Below this many files a process pool costs more than it saves.
PARALLEL_FROM = 8


def _parse_one(args: tuple[str, bytes, date | None]) -> ParsedDocument | SeedError:
    name, data, reference = args
    try:
        return parse_document(data, reference_date=reference, name=name)
    except SeedError as exc:
        return exc


def parse_documents(
    files: Sequence[tuple[str, bytes]],
    *,
    reference_date: date | None = None,
    workers: int | None = None,
) -> list[ParsedDocument | SeedError]:
    """``parse_document`` for every ``(name, data)``, in order; an unusable file gives its
    ``SeedError`` in its place instead of stopping the others."""
    jobs = [(name, data, reference_date) for name, data in files]
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(jobs) < PARALLEL_FROM:
        return [_parse_one(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_parse_one, jobs, chunksize=max(1, len(jobs) // (4 * workers))))
