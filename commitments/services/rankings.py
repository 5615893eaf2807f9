"""Publishing the 业绩榜: a snapshot frozen with its date."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..models import RankingSnapshot
from ..selectors.office import office_today
from ..selectors.statistics import unit_performance
from .errors import InvalidInput


@transaction.atomic
def ranking_snapshot_publish(
    *,
    title: str,
    published_by: User | None,
    published_on: date | None = None,
    commitments: QuerySet | None = None,
) -> RankingSnapshot:
    """Freeze today's ranking of units. Later changes to the ledger never alter it."""
    today = office_today()
    rows = [row.as_dict() for row in unit_performance(today=today, commitments=commitments)]
    if not rows:
        raise InvalidInput(_("没有可排名的责任单位,无法发布业绩榜"))
    if not title.strip():
        raise InvalidInput(_("请填写业绩榜标题"))
    snapshot = RankingSnapshot(
        title=title.strip(),
        published_on=published_on or today,
        as_of=today,
        rows=rows,
        published_by=published_by,
    )
    snapshot.full_clean()
    snapshot.save()
    return snapshot
