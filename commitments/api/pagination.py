"""Pagination for the API.

The large lists (commitments, progress reports, the public list) use keyset ("cursor")
pagination: the cursor holds the ordering values of the last row sent, and the next page is
`WHERE (key, id) > (last_key, last_id) ORDER BY key, id LIMIT n`. Deep pages cost the same as the
first one, and nothing counts the whole table. DRF's own CursorPagination positions on the first
ordering field only and breaks on NULLs (a commitment's deadline may be empty), hence this class.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Ordering:
    """Fields to order by, all ascending or all descending; the last one must be unique.

    Only the first field may be NULL. A NULL counts as later than any value (no deadline is
    the furthest deadline): last when ascending, first when descending, on every database.
    That is PostgreSQL's own order, so one plain index on the fields serves both directions.
    """

    fields: tuple[str, ...]
    descending: bool = False
    nullable_first: bool = False

    def order_by(self) -> list[Any]:
        terms = []
        for position, name in enumerate(self.fields):
            expression = F(name)
            if self.nullable_first and position == 0:
                term = (
                    expression.desc(nulls_first=True)
                    if self.descending
                    else expression.asc(nulls_last=True)
                )
            else:
                term = expression.desc() if self.descending else expression.asc()
            terms.append(term)
        return terms

    def after(self, values: Sequence[Any]) -> Q:
        """Rows strictly after the row whose ordering values are `values`."""
        lookup = TupleLessThan if self.descending else TupleGreaterThan
        if len(self.fields) == 1:
            key = self.fields[0]
            return Q(**{f"{key}__{'lt' if self.descending else 'gt'}": values[0]})
        rest = Q(lookup(Tuple(*(F(name) for name in self.fields[1:])), tuple(values[1:])))
        whole = Q(lookup(Tuple(*(F(name) for name in self.fields)), tuple(values)))
        if not self.nullable_first:
            return whole
        is_null = Q(**{f"{self.fields[0]}__isnull": True})
        if values[0] is None:
            # Within the NULL rows: go on along the unique tail; descending, the dated rows
            # all come after them.
            within = is_null & rest
            return within | ~is_null if self.descending else within
        # A dated row: ascending, the NULL rows are still ahead; descending, they are behind.
        return whole if self.descending else whole | is_null


class KeysetPagination(BasePagination):
    """Forward-only keyset pagination with a choice of orderings (`?ordering=`)."""

    page_size = 50
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    orderings: dict[str, Ordering] = {
        "-id": Ordering(("id",), descending=True),
        "id": Ordering(("id",)),
        "deadline": Ordering(("deadline", "id"), nullable_first=True),
        "-deadline": Ordering(("deadline", "id"), descending=True, nullable_first=True),
    }
    default_ordering = "-id"

    def __init__(self) -> None:
        self.next_url: str | None = None

    # --- request parsing ---------------------------------------------------------------------

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("每页条数须为 1 到 %(max)d 之间的整数。") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_ordering_name(self, request: Request) -> str:
        name = request.query_params.get(self.ordering_query_param) or self.default_ordering
        if name not in self.orderings:
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        _("排序方式无效,可选:%(choices)s。")
                        % {"choices": ", ".join(self.orderings)}
                    ]
                }
            )
        return name

    def decode_cursor(
        self, request: Request, queryset: QuerySet, ordering: Ordering
    ) -> list | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        invalid = ValidationError({self.cursor_query_param: [_("游标无效。")]})
        try:
            padded = raw + "=" * (-len(raw) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except (ValueError, binascii.Error, UnicodeError) as exc:
            raise invalid from exc
        if not isinstance(values, list) or len(values) != len(ordering.fields):
            raise invalid
        parsed = []
        for position, (name, value) in enumerate(zip(ordering.fields, values, strict=True)):
            field = queryset.model._meta.get_field(name)
            if value is None and not (ordering.nullable_first and position == 0):
                raise invalid
            try:
                parsed.append(None if value is None else field.to_python(value))
            except (DjangoValidationError, TypeError) as exc:
                raise invalid from exc
        return parsed

    @staticmethod
    def encode_cursor(values: Sequence[Any]) -> str:
        plain = [v if v is None or isinstance(v, int | str) else v.isoformat() for v in values]
        raw = json.dumps(plain, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    # --- DRF hooks ---------------------------------------------------------------------------

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        size = self.get_page_size(request)
        ordering = self.orderings[self.get_ordering_name(request)]
        position = self.decode_cursor(request, queryset, ordering)
        queryset = queryset.order_by(*ordering.order_by())
        if position is not None:
            queryset = queryset.filter(ordering.after(position))
        rows = list(queryset[: size + 1])
        self.next_url = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            values = [
                last[name] if isinstance(last, dict) else getattr(last, name)
                for name in ordering.fields
            ]
            url = request.build_absolute_uri()
            self.next_url = replace_query_param(
                url, self.cursor_query_param, self.encode_cursor(values)
            )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "下一页地址;为空表示已到末页。",
                    "example": "http://127.0.0.1:8000/api/v1/commitments/?cursor=WzQxXQ",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "上一页响应中 next 链接携带的游标。",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"每页条数(默认 {self.page_size},最多 {self.max_page_size})。",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": f"排序(默认 {self.default_ordering}):-id 最新在前、id 最早在前、"
                "deadline 时限由近及远(无时限的在最后)、-deadline 时限由远及近(无时限的在最前)。",
                "schema": {"type": "string", "enum": list(self.orderings)},
            },
        ]

    def get_html_context(self) -> dict:
        return {"previous_url": None, "next_url": self.next_url}


class CommitmentPagination(KeysetPagination):
    pass


class NewestFirstPagination(KeysetPagination):
    """Lists without a deadline (progress reports): newest first by id only."""

    orderings = {"-id": Ordering(("id",), descending=True), "id": Ordering(("id",))}


class PublicCommitmentPagination(KeysetPagination):
    # The public list reads like a notice board: nearest deadline first.
    default_ordering = "deadline"


class SmallListPagination(PageNumberPagination):
    """Documents, directives of one document, units: small tables, page numbers are fine."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
