"""Overlapping one part of a long job with another, in one process.

A sweep run without a Celery worker (`send_reminders`, cron) spends its time in two places
that do not wait for each other: PostgreSQL writing claims and digests, and Python talking
SMTP. Run one after the other they add up; run side by side on two connections the sweep
takes about as long as the longer of them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.db import connection


class Overlap:
    """Runs jobs on `threads` worker threads, each with a database connection of its own,
    while the caller goes on; at most two jobs per thread wait, so memory stays flat.

    Where a second connection could not see what the caller has written (inside a
    transaction) or would only queue behind it (SQLite allows one writer at a time), each job
    runs at once in the caller's thread instead. A job that fails stops the caller at its
    next `submit`, or at the end of the `with` block, with the job's exception."""

    def __init__(self, threads: int) -> None:
        self.inline = threads < 1 or connection.vendor != "postgresql" or connection.in_atomic_block
        count = 0 if self.inline else threads
        self._threads = [threading.Thread(target=self._work) for _ in range(count)]
        self._jobs: queue.Queue[tuple[Callable[[], Any], Callable[[Any], None] | None] | None] = (
            queue.Queue(maxsize=2 * max(1, threads))
        )
        self._lock = threading.Lock()
        self._error: BaseException | None = None

    def __enter__(self) -> Overlap:
        for thread in self._threads:
            thread.start()
        return self

    def submit(self, job: Callable[[], Any], then: Callable[[Any], None] | None = None) -> None:
        """Run `job()`, then `then(result)` (one `then` at a time, whichever thread runs it)."""
        if self.inline:
            result = job()
            if then is not None:
                then(result)
            return
        self._raise_failure()
        self._jobs.put((job, then))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # What was handed over still runs, also when the caller failed: a job is a unit of
        # work that is safe on its own (a claim, the sending of committed digests).
        for _thread in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        if exc_type is None:
            self._raise_failure()

    def _raise_failure(self) -> None:
        with self._lock:
            error = self._error
        if error is not None:
            raise error

    def _work(self) -> None:
        try:
            while (item := self._jobs.get()) is not None:
                job, then = item
                with self._lock:
                    failed = self._error is not None
                if failed:
                    continue  # the caller stops; leave the rest undone, as inline would
                try:
                    result = job()
                    if then is not None:
                        with self._lock:
                            then(result)
                except BaseException as error:  # handed to the caller, which re-raises it
                    with self._lock:
                        self._error = self._error or error
        finally:
            connection.close()
