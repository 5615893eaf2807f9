"""工作台: what waits for the person who opens the admin, counted in a fixed number of queries.

The office sees what it must act on across the ledger; a unit member what their units must
act on. Each count links to the commitment list filtered to exactly those rows (the filters
use the same conditions, `querysets.due_soon_condition` and `silent_condition`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ..choices import OPEN_STATUSES, Status
from ..models import DeadlineExtension
from ..querysets import due_soon_condition, silent_condition
from .access import commitment_list_for, pending_extensions_for, user_is_supervisor


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: int
    url: str
    # "alert": red when not zero; "warn": amber; "": neutral.
    tone: str = ""


def _list_url(**params: str) -> str:
    return f"{reverse('admin:commitments_commitment_changelist')}?{urlencode(params)}"


def workbench_tiles(user: User | AnonymousUser, *, today: date) -> list[Tile]:
    """The tiles of `user`'s 工作台: two queries for the office, one for a unit member."""
    office = user_is_supervisor(user)
    conditions: dict[str, Q] = {
        "draft": Q(status=Status.DRAFT),
        "to_accept": Q(status=Status.ASSIGNED),
        "working": Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS]),
        "overdue": Q(status__in=OPEN_STATUSES, deadline__lt=today),
        "due_soon": due_soon_condition(today),
        "to_verify": Q(status=Status.SUBMITTED),
        "silent": silent_condition(today),
        "returned": Q(status=Status.RETURNED),
    }
    wanted = (
        ["draft", "overdue", "due_soon", "to_verify", "silent"]
        if office
        else ["to_accept", "working", "due_soon", "overdue", "returned"]
    )
    counts = commitment_list_for(user).aggregate(
        **{key: Count("id", filter=conditions[key]) for key in wanted}
    )
    labels = {
        "draft": (_("待交办"), _list_url(status__exact=Status.DRAFT), "warn"),
        "to_accept": (_("待签收"), _list_url(status__exact=Status.ASSIGNED), "warn"),
        "working": (
            _("办理中"),
            _list_url(status__in=f"{Status.ACCEPTED},{Status.IN_PROGRESS}"),
            "",
        ),
        "overdue": (_("逾期"), _list_url(overdue="yes"), "alert"),
        "due_soon": (_("临期"), _list_url(due="soon"), "warn"),
        "to_verify": (_("待复核"), _list_url(status__exact=Status.SUBMITTED), "warn"),
        "silent": (_("无进展"), _list_url(progress="silent"), "warn"),
        "returned": (_("被退回"), _list_url(status__exact=Status.RETURNED), "alert"),
    }
    tiles = [
        Tile(key, str(labels[key][0]), counts[key], labels[key][1], labels[key][2])
        for key in wanted
    ]
    if office:
        pending = pending_extensions_for(user).count()
        url = reverse("admin:commitments_deadlineextension_changelist")
        tile = Tile(
            "extensions",
            str(_("延期待批")),
            pending,
            f"{url}?{urlencode({'status__exact': DeadlineExtension.Status.PENDING})}",
            "warn",
        )
        tiles.insert(4, tile)
    return tiles
