"""Benchmark the reminder sweep: 1,000,000 commitments, 100,000 due, 5,000 recipients.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_bench_reminders \
        .venv/bin/python bench/bench_reminders.py [--commitments 1000000] [--due 100000]

The database named in DATABASE_URL (default: the one above) is created if missing, migrated and
emptied before the run: point it at a database of its own. E-mails go over real SMTP to an
aiosmtpd sink in this process that only counts what it receives.

The sweep runs twice, on a quarter of the table and on the whole table (the same share due),
and prints for each: wall time of the claim and compose+send phases, queries per claim batch
and per compose batch (counted with connection.execute_wrapper), peak memory above the start
(RSS sampled every 20 ms), and e-mails/s. The floor is smtplib sending the very same messages
(already serialised) to the same sink over one connection; the ratio is sweep e-mails/s over
floor e-mails/s (target: at least 0.5), and memory should not grow with the table.
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
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


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
    from django.db import connection

    from commitments.reminder_selectors import reminder_supervisor_emails
    from commitments.services import reminders

    sent_before = sink.count
    claim_q, compose_q = QueryCounter(), QueryCounter()
    batches = 0
    with PeakRss() as memory:
        t0 = time.perf_counter()
        with connection.execute_wrapper(claim_q):
            supervisors = reminder_supervisor_emails()
            for candidates in reminders._candidate_batches(today):
                reminders._claim(candidates, supervisor_emails=supervisors)
                batches += 1
        t1 = time.perf_counter()
        recipient_batches = 0
        with connection.execute_wrapper(compose_q):
            size = int(reminders.reminder_setting("REMINDER_RECIPIENT_BATCH"))
            for group in reminders._undigested_recipient_batches(size):
                ids = reminders._compose(group, today=today)
                reminders.reminder_messages_send(message_ids=ids)
                recipient_batches += 1
        t2 = time.perf_counter()
    sent = sink.count - sent_before
    return {
        "claim_s": t1 - t0,
        "compose_send_s": t2 - t1,
        "total_s": t2 - t0,
        "claim_batches": batches,
        "queries_per_claim_batch": claim_q.count / max(1, batches),
        "recipient_batches": recipient_batches,
        "queries_per_compose_batch": compose_q.count / max(1, recipient_batches),
        "sent": sent,
        "emails_per_s": sent / (t2 - t0),
        "peak_mb": memory.above_start_mb,
    }


def floor(port: int, sink: CountingSink) -> float:
    """smtplib, one connection, the same messages already serialised: the fastest we could go."""
    from commitments.models import ReminderMessage
    from commitments.services.reminders import reminder_email_build

    payloads = [
        (m.recipient, reminder_email_build(m).message().as_bytes(linesep="\r\n"))
        for m in ReminderMessage.objects.order_by("id").iterator(chunk_size=2000)
    ]
    before = sink.count
    t0 = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, payload in payloads:
            smtp.sendmail("ledger@localhost", [recipient], payload)
    elapsed = time.perf_counter() - t0
    assert sink.count - before == len(payloads)
    return len(payloads) / elapsed


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
    )
    import django

    django.setup()
    from django.core.management import call_command

    from commitments.models import Commitment, ReminderMessage
    from commitments.selectors import office_today

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
        from commitments.models import ReminderDelivery, ReminderLog

        ReminderDelivery.objects.all().delete()
        ReminderLog.objects.all().delete()
        ReminderMessage.objects.all().delete()
        # A freshly bulk-loaded table has no statistics yet; production tables do (autovacuum).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        result = sweep(today, sink)
        result["floor"] = floor(port, sink)
        result["rows"] = rows
        results.append((label, result))
        print(
            f"[{label}] sweep {result['total_s']:.1f}s (claim {result['claim_s']:.1f}s in "
            f"{result['claim_batches']} batches, compose+send {result['compose_send_s']:.1f}s in "
            f"{result['recipient_batches']} batches); queries/claim batch "
            f"{result['queries_per_claim_batch']:.1f}, queries/compose+send batch "
            f"{result['queries_per_compose_batch']:.1f} (one per e-mail marked sent); "
            f"e-mails {result['sent']:,}; "
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
