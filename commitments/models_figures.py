"""The dashboard's running tally (PostgreSQL only): what 业绩看板 counts, kept by the database.

The dashboard counts, per lead unit and per source document, the commitments that are open,
overdue, done, done late, and how many show each traffic light; and, per day, how many fall
due and how many were completed. Counted from the commitments, that reads the whole ledger.
These tables hold the same counts, kept current by triggers on the commitments table
(migration 0018) in the transaction that changes a commitment, whatever changes it (a service,
a bulk import, a queryset update).

"Overdue" and the lights depend on the day as well as on the commitment. The triggers store,
for each commitment, its figures "since ever" and the days on which they change (the day
after the deadline, the first day of the due-soon window, the day its report becomes stale),
as +1/-1 rows: the counts on day X are the sum of the rows dated X or earlier. Rows of days
gone by are folded into the "since ever" rows (`day` = 0001-01-01) once a day, so reading
the counts reads about one row per unit or document and figure, however large the ledger.

Nothing writes these tables but the database's functions: `services.figures` builds and folds
them, `selectors.figures` reads them. SQLite (the embedded mode's small ledgers) has the
tables but no triggers: there the dashboard counts the commitments.
"""

from __future__ import annotations

from datetime import date

from django.db import models

# The day of the "since ever" rows: before any deadline or report.
SINCE_EVER = date(1, 1, 1)


class FigureTally(models.Model):
    """How many commitments of one unit or document change into (n > 0) or out of (n < 0) one
    set of figures on `day`."""

    class Scope(models.TextChoices):
        UNIT = "u", "lead unit"
        DOCUMENT = "d", "source document"

    scope = models.CharField(max_length=1, choices=Scope.choices)
    # The lead unit's or the source document's id.
    key = models.BigIntegerField()
    day = models.DateField()
    # open, done (verified or closed on time or without a deadline), late (verified or closed
    # after the deadline), cancelled
    bucket = models.CharField(max_length=10)
    overdue = models.BooleanField()
    light = models.CharField(max_length=10)
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "day", "bucket", "overdue", "light"],
                name="figure_tally_key",
            )
        ]
        indexes = [models.Index(fields=["day"], name="figure_tally_day")]

    def __str__(self) -> str:
        return f"{self.scope}{self.key} {self.day} {self.bucket}/{self.light}: {self.n:+d}"


class FigureDay(models.Model):
    """Per day: commitments (not cancelled) due, and finished (verified or closed) work
    completed, and how much of that late."""

    day = models.DateField(primary_key=True)
    due = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_late = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.due}/{self.completed}/{self.completed_late}"


class FigureTallyState(models.Model):
    """One row once the tally is built: the office's thresholds and time zone it was counted
    with (settings change: built again), and the last day folded into the "since ever" rows.
    No row: not built (a new or flushed database); the triggers then leave the tally alone."""

    due_soon_days = models.IntegerField()
    stale_report_days = models.IntegerField()
    time_zone = models.CharField(max_length=64)
    compacted_through = models.DateField()

    def __str__(self) -> str:
        return f"tally through {self.compacted_through}"
