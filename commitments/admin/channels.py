"""Group robots in the admin: the robots (with 发送测试消息), their messages, people's mobiles.

The office only: robots post other units' work, and mobile numbers are personal data.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..models import Channel, ChannelMessage, PersonProfile
from ..selectors.access import user_is_supervisor
from ..services.channels.delivery import channel_messages_retry, channel_test_send
from .reminders import OutboxColumns


class _OfficeOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and user_is_supervisor(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and user_is_supervisor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and user_is_supervisor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and user_is_supervisor(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # robots are switched off (启用), messages are history


class ChannelForm(forms.ModelForm):
    """The secret is write-only: never rendered back, left blank to keep the saved one."""

    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_secret = forms.BooleanField(label=_("清除已保存的密钥"), required=False)
    webhook_url = forms.URLField(
        label=_("Webhook 地址"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "ledger-wide"}),
        help_text=_("在群设置 → 机器人中添加自定义机器人后复制"),
    )

    class Meta:
        model = Channel
        fields = (
            "name",
            "kind",
            "webhook_url",
            "secret",
            "keyword",
            "units",
            "office",
            "is_active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = bool(self.instance.pk and self.instance.secret)
        self.fields["secret"].help_text = (
            _("已保存密钥(不再显示);留空则保持不变,填写则替换")
            if saved
            else Channel._meta.get_field("secret").help_text
        )

    def clean_secret(self) -> str:
        entered = self.cleaned_data.get("secret") or ""
        if self.data.get("clear_secret"):
            return ""
        return entered or (self.instance.secret if self.instance.pk else "")


@admin.register(Channel)
class ChannelAdmin(_OfficeOnly):
    form = ChannelForm
    change_form_template = "admin/commitments/channel/change_form.html"
    list_display = ("name", "kind", "unit_names", "office", "is_active", "secret_saved")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "units__name")
    filter_horizontal = ("units",)
    actions = ["send_test"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [name for name in super().get_fields(request, obj) if name != "clear_secret"]
        if obj is not None and obj.secret:
            fields.insert(fields.index("secret") + 1, "clear_secret")  # beside the secret
        return fields

    class Media:
        css = {"all": ["commitments/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("office").prefetch_related("units")

    @admin.display(description=_("服务的责任单位"))
    def unit_names(self, obj: Channel) -> str:
        names = [unit.name for unit in obj.units.all()]
        return "、".join(names[:5]) + (f" 等 {len(names)} 个" if len(names) > 5 else "")

    @admin.display(description=_("签名密钥"), boolean=True)
    def secret_saved(self, obj: Channel) -> bool:
        return bool(obj.secret)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:channel_id>/test/",
                self.admin_site.admin_view(require_POST(self.test_view)),
                name="commitments_channel_test",
            ),
            *super().get_urls(),
        ]

    def _report(self, request: HttpRequest, channel: Channel) -> None:
        answer = channel_test_send(channel=channel)
        self.message_user(
            request,
            _("%(name)s:%(answer)s") % {"name": channel.name, "answer": answer.describe()},
            messages.SUCCESS if answer.ok else messages.ERROR,
        )

    def test_view(self, request: HttpRequest, channel_id: int) -> HttpResponse:
        channel = get_object_or_404(Channel, pk=channel_id)
        if not self.has_change_permission(request, channel):
            return HttpResponse(status=403)
        self._report(request, channel)
        return HttpResponseRedirect(reverse("admin:commitments_channel_change", args=[channel.pk]))

    @admin.action(description=_("发送测试消息"))
    def send_test(self, request: HttpRequest, queryset: QuerySet) -> None:
        for channel in queryset:
            self._report(request, channel)


@admin.register(ChannelMessage)
class ChannelMessageAdmin(OutboxColumns, _OfficeOnly):
    list_display = (
        "title",
        "channel",
        "unit",
        "status_cell",
        "attempts",
        "error_code",
        "sweep_day",
        "sent_at",
        "error_short",
    )
    list_filter = ("status", "channel__kind", "channel", "sweep_day")
    search_fields = ("title", "unit__name", "channel__name")
    list_select_related = ("channel", "unit")
    date_hierarchy = "created_at"
    readonly_fields = (
        "channel",
        "unit",
        "title",
        "status",
        "attempts",
        "error_code",
        "last_error",
        "mentions",
        "sweep_day",
        "created_at",
        "next_attempt_at",
        "sending_since",
        "sent_at",
        "text",
    )
    exclude = ("payload", "send_token")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("重新发送选中的失败消息"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.retry_selected(request, queryset, channel_messages_retry, _("已重新排队 %(n)d 条消息"))


@admin.register(PersonProfile)
class PersonProfileAdmin(_OfficeOnly):
    list_display = ("user", "full_name", "mobile")
    search_fields = ("user__username", "user__first_name", "user__last_name", "mobile")
    list_select_related = ("user",)

    @admin.display(description=_("姓名"))
    def full_name(self, obj: PersonProfile) -> str:
        return f"{obj.user.last_name}{obj.user.first_name}"
