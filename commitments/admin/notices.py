"""办理通知 in the admin: each person reads the notices addressed to them (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Notice
from ..selectors.notices import notices_for
from .reminders import _deliveries_cell


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("when", "event", "commitment_link", "unit", "actor", "note_short", "mail")
    list_filter = ("event",)
    search_fields = ("commitment__title", "note")
    list_select_related = ("commitment", "unit", "actor")
    list_per_page = 50
    fields = ("when", "event", "commitment_link", "unit", "actor", "note", "mail")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notice]:
        return notices_for(request.user).prefetch_related("log__deliveries__message")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Everyone reads their own notices; the queryset decides which those are.
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("时间"), ordering="created_at")
    def when(self, obj: Notice) -> str:
        return timezone.localtime(obj.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("承诺事项"), ordering="commitment__title")
    def commitment_link(self, obj: Notice) -> str:
        url = reverse("admin:commitments_commitment_change", args=[obj.commitment_id])
        return format_html('<a href="{}">{}</a>', url, obj.commitment)

    @admin.display(description=_("说明"))
    def note_short(self, obj: Notice) -> str:
        return obj.note if len(obj.note) <= 60 else obj.note[:60] + "…"

    @admin.display(description=_("邮件"))
    def mail(self, obj: Notice) -> str:
        return _deliveries_cell(obj.log) if obj.log is not None else "—"
