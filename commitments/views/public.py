"""向社会公开认责承诺: the read-only public page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from ..selectors.office import office_today
from ..selectors.public import public_commitments


@require_GET
@cache_control(public=True, max_age=300)
def public_commitment_list(request: HttpRequest) -> HttpResponse:
    today = office_today()
    commitments = list(public_commitments())
    for commitment in commitments:
        # Read by the template, which cannot call is_overdue(today) itself.
        setattr(commitment, "overdue_today", commitment.is_overdue(today))  # noqa: B010
    return render(
        request,
        "commitments/public/list.html",
        {"commitments": commitments, "today": today},
    )
