"""Benchmark the reminder sweep: 1,000,000 commitments, 100,000 due, 5,000 recipients.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_bench_reminders \
        .venv/bin/python bench/bench_reminders.py [--commitments 1000000] [--due 100000]

The database named in DATABASE_URL (default: the one above) is created if missing, migrated and
emptied before the run: point it at a database of its own. E-mails go over real SMTP to an
aiosmtpd sink in this process that only counts what it receives.

The sweep runs twice, on a quarter of the table and on the whole table (the same share due),
and prints for each: wall time of the claim and compose+send phases, queries per claim batch
and per compose batch (counted on every connection, the sweep's threads' included), peak memory
above the start (RSS sampled every 20 ms), and e-mails/s. The floor is smtplib sending the very
bytes the sweep sent (serialised beforehand) to the same sink over one connection; the ratio is
sweep e-mails/s over floor e-mails/s (target: at least 0.5), and memory should not grow with the
table. Django runs with DEBUG off, as in production.

The sink shares this process, so its parsing competes for the GIL with the sweep's own Python
(not with the floor's client, which only waits): a handicap for the sweep. Measured once with
the sink in a process of its own, floor and ratio came out the same within the run-to-run noise
(floor 768/s against 738-768/s, ratio 0.57-0.58 against 0.58-0.62), so the sink stays here.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from _common import ensure_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_bench_reminders"


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    def __init__(self) -> None:
        self.base = rss_bytes()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def above_start_mb(self) -> float:
        return (self.peak - self.base) / 2**20


class CountingSink:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


class QueryCounter:
    """Counts the queries of every connection, also those the sweep opens on its threads."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.counting = False

    def __call__(self, execute, sql, params, many, context):
        if self.counting:
            with self.lock:
                self.count += 1
        return execute(sql, params, many, context)

    def install(self, connection, **kwargs) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def phase(self) -> int:
        """Start counting; returns the count so far."""
        self.counting = True
        return self.count


def populate(*, total: int, due: int, recipients: int, start_id: int, today) -> None:
    """Commitments ids start_id.. ; `due` of them due soon or overdue, spread over units."""
    from commitments.models import Commitment, Unit

    units = list(Unit.objects.order_by("id").values_list("id", flat=True))
    if len(units) < recipients:
        Unit.objects.bulk_create(
            Unit(name=f"压测单位{i:05d}", contact_emails=f"unit{i:05d}@bench.example.org")
            for i in range(len(units), recipients)
        )
        units = list(Unit.objects.order_by("id").values_list("id", flat=True))
    every = max(1, total // due)
    chunk = 20_000
    for offset in range(0, total, chunk):
        rows = []
        for i in range(offset, min(total, offset + chunk)):
            n = start_id + i
            if i % every == 0 and i // every < due:
                k = i // every
                deadline = today + timedelta(days=(k % 8) - 4 or 1)  # -4..+3: overdue or soon
                unit = units[k % recipients]
            else:
                deadline = today + timedelta(days=30 + n % 300)
                unit = units[n % recipients]
            rows.append(
                Commitment(
                    title=f"压测承诺事项{n}",
                    lead_unit_id=unit,
                    deadline=deadline,
                    original_deadline=deadline,
                    status=Commitment.Status.ASSIGNED,
                )
            )
        Commitment.objects.bulk_create(rows, batch_size=5000)


def sweep(today, sink: CountingSink) -> dict[str, float]:
    """The two phases of `reminder_sweep_run(dispatch=INLINE)` (what `send_reminders` runs),
    timed apart: claim every due item, then compose and send each recipient batch."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    from commitments.services.reminders.claim import claim_due
    from commitments.services.reminders.compose import compose_all
    from commitments.services.reminders.dispatch import INLINE

    sent_before = sink.count
    queries = QueryCounter()
    queries.install(connection)
    connection_created.connect(queries.install)
    with PeakRss() as memory:
        t0 = time.perf_counter()
        start = queries.phase()
        claimed = claim_due(today)
        t1 = time.perf_counter()
        middle = queries.phase()
        composed = compose_all(today=today, dispatch=INLINE)
        t2 = time.perf_counter()
        end = queries.phase()
    connection_created.disconnect(queries.install)
    connection.execute_wrappers.remove(queries)
    sent = sink.count - sent_before
    return {
        "claim_s": t1 - t0,
        "compose_send_s": t2 - t1,
        "total_s": t2 - t0,
        "claim_batches": claimed.batches,
        "queries_per_claim_batch": (middle - start) / max(1, claimed.batches),
        "recipient_batches": composed.batches,
        "queries_per_compose_batch": (end - middle) / max(1, composed.batches),
        "sent": sent,
        "emails_per_s": sent / (t2 - t0),
        "peak_mb": memory.above_start_mb,
    }


def floor(port: int, sink: CountingSink) -> tuple[float, float]:
    """smtplib, one connection, the very bytes the sweep sent, serialised beforehand: the
    fastest we could go. Returns (e-mails/s, mean message size in KiB)."""
    from commitments.models import ReminderMessage
    from commitments.services.reminders.mail import reminder_email_bytes

    payloads = [
        (m.recipient, reminder_email_bytes(m))
        for m in ReminderMessage.objects.order_by("id").iterator(chunk_size=2000)
    ]
    before = sink.count
    t0 = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, payload in payloads:
            smtp.sendmail("ledger@localhost", [recipient], payload)
    elapsed = time.perf_counter() - t0
    assert sink.count - before == len(payloads)
    return len(payloads) / elapsed, sum(len(p) for _r, p in payloads) / len(payloads) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commitments", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=5_000)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    sys.path.insert(0, str(ROOT))
    from tests.reminders.smtp_sink import free_port

    port = free_port()
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        LOG_LEVEL="WARNING",
        # As in production: with DEBUG on, Django keeps the text of every query, megabytes of
        # digests among them, and the memory figure would measure that log.
        DEBUG="false",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from commitments.models import Commitment
    from commitments.selectors.office import office_today

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    today = office_today()

    results = []
    quarter = args.commitments // 4
    for label, total, due, start in [
        ("1/4 table", quarter, args.due // 4, 0),
        ("whole table", args.commitments - quarter, args.due - args.due // 4, quarter),
    ]:
        t0 = time.perf_counter()
        populate(total=total, due=due, recipients=args.recipients, start_id=start, today=today)
        rows = Commitment.objects.count()
        print(
            f"[{label}] table now {rows:,} commitments (+{time.perf_counter() - t0:.0f}s to load)"
        )
        # Each run starts from no reminders, so both claim the due share of their table.
        # TRUNCATE, not DELETE: after a DELETE, ANALYZE records the dead pages as an empty
        # table, and with autovacuum off (as on the benchmark machine) the planner would go on
        # believing the reminder tables empty while the sweep fills them.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE commitments_reminderdelivery, commitments_reminderlog, "
                "commitments_remindermessage"
            )
            # A freshly bulk-loaded table has no statistics yet; production tables do
            # (autovacuum).
            cursor.execute("ANALYZE")
        result = sweep(today, sink)
        result["floor"], result["size_kib"] = floor(port, sink)
        result["rows"] = rows
        results.append((label, result))
        print(
            f"[{label}] sweep {result['total_s']:.1f}s (claim {result['claim_s']:.1f}s in "
            f"{result['claim_batches']} batches, compose+send {result['compose_send_s']:.1f}s in "
            f"{result['recipient_batches']} batches); queries/claim batch "
            f"{result['queries_per_claim_batch']:.1f}, queries/compose+send batch "
            f"{result['queries_per_compose_batch']:.1f}; "
            f"e-mails {result['sent']:,} of {result['size_kib']:.1f} KiB on average; "
            f"peak memory +{result['peak_mb']:.0f} MB"
        )
        print(
            f"[{label}] e-mails/s: sweep {result['emails_per_s']:.0f}, floor (smtplib, one "
            f"connection) {result['floor']:.0f}, "
            f"ratio {result['emails_per_s'] / result['floor']:.2f}"
            f" (target >= 0.50); compose+send alone "
            f"{result['sent'] / result['compose_send_s']:.0f}/s, ratio "
            f"{result['sent'] / result['compose_send_s'] / result['floor']:.2f}"
        )
    (_, small), (_, large) = results
    print(
        f"memory: +{small['peak_mb']:.0f} MB at {small['rows']:,} rows, "
        f"+{large['peak_mb']:.0f} MB at {large['rows']:,} rows"
    )
    controller.stop()


if __name__ == "__main__":
    main()
