"""Admin pages that show records and never add, change or delete them from the form, and
history pages that show only what the user may see and restore nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse


class ReadOnly:
    """Mixed into a ModelAdmin or an inline, before it. A page that acts on the rows (resend,
    retry) does it through an action calling a service, not by editing them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VisibleHistory:
    """Mixed into a SimpleHistoryAdmin, before it: the history of a row only for users whose
    queryset holds it (another unit's row is a 404), and read-only: a status changes through
    the moves, never by restoring an old row."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def _visible(self, request: HttpRequest, object_id: str) -> Any:
        try:
            return self.get_queryset(request).get(pk=object_id)  # type: ignore[attr-defined]
        except (self.model.DoesNotExist, ValueError) as exc:  # type: ignore[attr-defined]
            raise Http404 from exc

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._visible(request, object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._visible(request, object_id)
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]
