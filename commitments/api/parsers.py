"""Request parsers: DRF's own, with a JSON syntax error told in the caller's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; its "JSON parse error" message is not translated, this one is."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            # DRF raises it while handling json's ValueError, which says where the syntax broke.
            where = exc.__context__ if isinstance(exc.__context__, ValueError) else exc.detail
            raise ParseError(_("请求体不是有效的 JSON:%(error)s") % {"error": where}) from exc
        except RecursionError:
            # json recurses once per nesting level: 100,000 "[" exhaust the stack. No field
            # of ours nests more than a few levels, so this is a bad request, not a crash.
            raise ParseError(_("请求体不是有效的 JSON:嵌套层数过多")) from None
