"""工作台: what waits for the person who opens the admin, counted in a fixed number of queries.

The office sees what it must act on across the ledger; a unit member what their units must
act on. Each count links to the commitment list filtered to exactly those rows (the filters
use the same conditions, `querysets.due_soon_condition` and `silent_condition`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ..choices import OPEN_STATUSES, Status
from ..models import DeadlineExtension
from ..querysets import due_soon_condition, silent_condition
from .access import commitment_list_for, pending_extensions_for, user_is_supervisor

StrOrPromise = str | Promise


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


@dataclass(frozen=True)
class _Kind:
    """One kind of tile: what it counts and the commitment list filtered to exactly those."""

    label: StrOrPromise
    condition: Callable[[date], Q]
    filters: dict[str, str]
    tone: str


_KINDS: dict[str, _Kind] = {
    "to_assign": _Kind(
        _("待交办"), lambda today: Q(status=Status.DRAFT), {"status__exact": Status.DRAFT}, "warn"
    ),
    "to_accept": _Kind(
        _("待签收"),
        lambda today: Q(status=Status.ASSIGNED),
        {"status__exact": Status.ASSIGNED},
        "warn",
    ),
    "working": _Kind(
        _("办理中"),
        lambda today: Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS]),
        {"status__in": f"{Status.ACCEPTED},{Status.IN_PROGRESS}"},
        "",
    ),
    "overdue": _Kind(
        _("逾期"),
        lambda today: Q(status__in=OPEN_STATUSES, deadline__lt=today),
        {"overdue": "yes"},
        "alert",
    ),
    "due_soon": _Kind(_("临期"), due_soon_condition, {"due": "soon"}, "warn"),
    "to_verify": _Kind(
        _("待复核"),
        lambda today: Q(status=Status.SUBMITTED),
        {"status__exact": Status.SUBMITTED},
        "warn",
    ),
    "silent": _Kind(_("无进展"), silent_condition, {"progress": "silent"}, "warn"),
    "sent_back": _Kind(
        _("被退回"),
        lambda today: Q(status=Status.RETURNED),
        {"status__exact": Status.RETURNED},
        "alert",
    ),
}
_OFFICE_TILES = ("to_assign", "overdue", "due_soon", "to_verify", "silent")
_UNIT_TILES = ("to_accept", "working", "due_soon", "overdue", "sent_back")


def workbench_tiles(user: User | AnonymousUser, *, today: date) -> list[Tile]:
    """The tiles of `user`'s 工作台: two queries for the office, one for a unit member."""
    office = user_is_supervisor(user)
    wanted = _OFFICE_TILES if office else _UNIT_TILES
    counts = commitment_list_for(user).aggregate(
        **{key: Count("id", filter=_KINDS[key].condition(today)) for key in wanted}
    )
    tiles = [
        Tile(
            key,
            str(_KINDS[key].label),
            counts[key],
            _list_url(**_KINDS[key].filters),
            _KINDS[key].tone,
        )
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
