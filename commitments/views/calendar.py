"""iCalendar feeds of deadlines, behind a revocable secret in the URL (no login: calendar apps
cannot log in)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..selectors.calendar import calendar_commitments, calendar_token_active
from ..services.calendar import calendar_ics


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    found = calendar_token_active(token)
    if found is None:
        raise Http404("日历订阅不存在或已吊销")
    name = found.unit.name if found.unit is not None else str(found.user)
    body = calendar_ics(name=name, commitments=calendar_commitments(found))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    # The URL is a secret: keep it out of shared caches.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
