"""向社会公开认责承诺: the read-only public page.

Anyone may open it, so no request may cost what the ledger's size costs: one unit's
commitments per page (`?unit=<id>`), at most PAGE_SIZE rows, further rows behind a cursor
(`&cursor=…`, the position after the last row shown, so a deep page costs what the first does).
Each address is kept in the cache for settings.PUBLIC_PAGE_CACHE_SECONDS (a change the office
publishes shows up within that time), and callers are rate-limited per address like anonymous
callers of the public API (API_THROTTLE_ANON, the same counter).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET

from ..api.throttling import AnonBurstThrottle
from ..selectors.office import office_today
from ..selectors.public import public_commitment_page, public_commitment_units

PAGE_SIZE = 50


@require_GET
def public_commitment_list(request: HttpRequest) -> HttpResponse:
    # Before the cache: a cached page is cheap, but a flood of them still counts.
    throttle = AnonBurstThrottle()
    if not throttle.allow_request(request, None):  # type: ignore[arg-type]
        response = HttpResponse(
            _("请求过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = str(math.ceil(throttle.wait() or 1))
        return response
    cached = cache_page(settings.PUBLIC_PAGE_CACHE_SECONDS, key_prefix="public-page")(_page)
    return cached(request)


def _page(request: HttpRequest) -> HttpResponse:
    today = office_today()
    units = list(public_commitment_units())
    wanted = request.GET.get("unit", "")
    unit = next((u for u in units if str(u.pk) == wanted), units[0] if units else None)
    if wanted and (unit is None or str(unit.pk) != wanted):
        return HttpResponseNotFound(_("没有这个单位的公开承诺事项。"))
    try:
        after = _decode_cursor(request.GET.get("cursor", ""))
    except ValueError:
        return HttpResponseBadRequest(_("页码无效，请从第一页重新查看。"))
    commitments: list[Any] = []
    next_cursor = None
    if unit is not None:
        commitments = list(public_commitment_page(unit, today, after=after, size=PAGE_SIZE + 1))
        if len(commitments) > PAGE_SIZE:
            commitments = commitments[:PAGE_SIZE]
            last = commitments[-1]
            next_cursor = _encode_cursor(last.overdue_rank, last.deadline, last.pk)
    for commitment in commitments:
        # Read by the template, which cannot call is_overdue(today) itself.
        setattr(commitment, "overdue_today", commitment.overdue_rank == 0)  # noqa: B010
    response = render(
        request,
        "commitments/public/list.html",
        {
            "units": units,
            "unit": unit,
            "commitments": commitments,
            "next_cursor": next_cursor,
            "first_page": after is None,
            "today": today,
        },
    )
    patch_cache_control(response, public=True)
    return response


def _encode_cursor(rank: int, deadline: date | None, pk: int) -> str:
    raw = json.dumps([rank, deadline.isoformat() if deadline else None, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(raw: str) -> tuple[int, date | None, int] | None:
    """The position a cursor names; ValueError when it names none."""
    if not raw:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        rank, deadline, pk = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        day = None if deadline is None else date.fromisoformat(deadline)
    except (binascii.Error, UnicodeError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(raw) from exc
    if rank not in (0, 1) or not isinstance(pk, int) or isinstance(pk, bool):
        raise ValueError(raw)
    return rank, day, pk
