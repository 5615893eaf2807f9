"""Keeping the dashboard's running tally (models_figures) ready to read, on PostgreSQL.

The triggers of migration 0018 keep the tally current as commitments change; what they cannot
do is build it the first time (a new or flushed database), count it again when the office's
thresholds or time zone change, or fold yesterday's rows into the since-ever rows. The
dashboard asks for that here before it reads: usually a fold of the few rows dated since the
last one; a full count of the ledger only after such a change.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from ..models import FigureTallyState
from ..selectors.figures import tally_is_current, tally_rules


def figure_tally_refresh(*, today: date) -> None:
    """Build the tally if it cannot answer for `today`, else fold the days up to `today`."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if tally_is_current(FigureTallyState.objects.first(), today):
            cursor.execute("SELECT ledger_figures_compact(%s)", [today])
        else:
            due_soon, stale, zone = tally_rules()
            cursor.execute(
                "SELECT ledger_figures_rebuild(%s, %s, %s, %s)", [due_soon, stale, zone, today]
            )
