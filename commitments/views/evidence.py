"""Serving evidence files: only to users who may see the commitment, never from /media/."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from ..selectors.access import evidence_visible_to


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    # 404, not 403 (and not a login redirect) for anyone who may not see the commitment:
    # whether another unit's file exists is none of their business.
    evidence = evidence_visible_to(request.user).filter(pk=pk).first()
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=evidence.content_type not in ("application/pdf", "image/png", "image/jpeg"),
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
