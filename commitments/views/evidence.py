"""Serving evidence files: only to users who may see the commitment, never from /media/ or a
public bucket URL: streamed through this view, or a redirect to a short-lived signed URL."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from ..files import open_stream, signed_download_url
from ..selectors.access import evidence_visible_to

# Types a browser may show in the tab; anything else is downloaded.
_INLINE = ("application/pdf", "image/png", "image/jpeg")


class _Download(FileResponse):
    block_size = 64 * 1024  # a bucket's stream is read in network-sized pieces, not 4 KB


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    # 404, not 403 (and not a login redirect) for anyone who may not see the commitment:
    # whether another unit's file exists is none of their business.
    evidence = evidence_visible_to(request.user).filter(pk=pk).first()
    if evidence is None:
        raise Http404
    as_attachment = evidence.content_type not in _INLINE
    response: HttpResponseBase
    url = (
        signed_download_url(
            evidence.file.name,
            filename=evidence.original_name,
            content_type=evidence.content_type,
            as_attachment=as_attachment,
        )
        if settings.STORAGE_DOWNLOAD_REDIRECT
        else None
    )
    if url is not None:
        response = HttpResponseRedirect(url)
    else:
        try:
            handle = open_stream(evidence.file.name)
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = _Download(
            handle,
            as_attachment=as_attachment,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        if not response.has_header("Content-Length"):
            response["Content-Length"] = str(evidence.size)
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
