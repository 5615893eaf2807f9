"""File responses shared by the admin and the API."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from ..selectors.office import office_today
from ..services.excel import XLSX_CONTENT_TYPE


def xlsx_response(data: bytes, *, stem: str = "认责承诺台账") -> HttpResponse:
    """An .xlsx download named after the ledger and today's date (Chinese name, RFC 6266)."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    filename = f"{stem}-{office_today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response
