"""What the ledger records: source documents, their directives, units and commitments."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import choices
from .querysets import CommitmentQuerySet, UnitQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def person_field(
    verbose_name: Any, *, related_name: str = "+"
) -> models.ForeignKey[User | None, User | None]:
    """A person a record names (who imported, reported, decided …): optional, and left empty
    rather than taking the record with it when the account is deleted, since the ledger's
    history outlives its users."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


class SourceDocument(models.Model):
    """A leader's speech or notice as it was received, and what the importer read in it."""

    title = models.CharField(_("标题"), max_length=300)
    speaker = models.CharField(_("讲话人"), max_length=100, blank=True)
    issuer = models.CharField(_("印发单位"), max_length=200, blank=True)
    addressees = models.TextField(_("主送单位"), blank=True)
    delivered_on = models.DateField(_("讲话日期"), null=True, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    raw_text = models.TextField(_("原文"))
    cleaned_text = models.TextField(_("清洗后文本"), blank=True)
    normalized_text = models.TextField(_("规范化文本"), blank=True)
    document_number = models.CharField(_("发文字号"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    # Digest of the extracted text: a file saved again (new bytes, same words) is unchanged.
    content_sha256 = models.CharField(_("内容 SHA-256"), max_length=64, blank=True, db_index=True)
    due_soon_days = models.PositiveSmallIntegerField(
        _("临期天数"), null=True, blank=True, help_text=_("留空则使用系统默认值")
    )
    stale_report_days = models.PositiveSmallIntegerField(
        _("进展未报天数"), null=True, blank=True, help_text=_("留空则使用系统默认值")
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("来源文件")
        verbose_name_plural = _("来源文件")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.title


class Directive(models.Model):
    """One sentence of a document that assigns work, or is kept for context."""

    class Kind(models.TextChoices):
        TASK = "task", _("工作任务")
        QUOTED = "quoted", _("上级指示")
        CONTEXT = "context", _("背景")

    # PROTECT: a document is the source of its directives and their commitments; it is never
    # deleted (the admin offers no delete either), so nothing is stripped of its source.
    document = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        related_name="directives",
        verbose_name=_("来源文件"),
    )
    ref = models.CharField(_("编号"), max_length=50)
    section = models.CharField(_("所在章节"), max_length=300, blank=True)
    text = models.TextField(_("原文"))
    span_start = models.PositiveIntegerField(_("起始位置"))
    span_end = models.PositiveIntegerField(_("结束位置"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.TASK)
    owner_names = models.JSONField(_("责任主体(原文)"), default=list, blank=True)
    deadline = models.DateField(_("期限"), null=True, blank=True)
    deadline_text = models.CharField(_("期限原文"), max_length=200, blank=True)
    deadline_pending = models.BooleanField(_("期限待定"), default=False)

    class Meta:
        verbose_name = _("工作指示")
        verbose_name_plural = _("工作指示")
        ordering = ["document", "span_start"]
        constraints = [
            models.UniqueConstraint(fields=["document", "ref"], name="directive_unique_ref"),
            models.CheckConstraint(
                condition=Q(span_end__gte=models.F("span_start")), name="directive_span_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.text[:40]}"


_EMAIL_SPLIT = re.compile(r"[\s,;，；]+")


def split_emails(contact_emails: str) -> list[str]:
    """The addresses in a contact field, separated by commas, semicolons (either width) or
    whitespace."""
    return [a for a in _EMAIL_SPLIT.split(contact_emails.strip()) if a]


def validate_email_list(value: str) -> None:
    for address in split_emails(value):
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(
                _("邮箱地址无效:%(address)s"), params={"address": address}
            ) from exc


class Unit(models.Model):
    """A responsible party (责任主体): a real unit, or a collective such as 各县区各部门."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("县区")
        SYSTEM = "system", _("系统")
        DEPARTMENT = "department", _("部门")
        OFFICE = "office", _("办公室")
        GROUP = "group", _("群团组织")
        COLLECTIVE = "collective", _("集合主体")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级单位"),
    )
    contact_emails = models.TextField(
        _("联系邮箱"), blank=True, validators=[validate_email_list], help_text=_("每行一个")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="units", verbose_name=_("成员")
    )
    is_supervisor = models.BooleanField(
        _("督办单位"), default=False, help_text=_("活动办公室等负责检查督促的单位")
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任主体")
        verbose_name_plural = _("责任主体")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def email_list(self) -> list[str]:
        return split_emails(self.contact_emails)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        Unit.objects.filter(pk=self.pk).refuse_if_supporting()
        return super().delete(*args, **kwargs)


class UnitAlias(models.Model):
    """Another name documents use for a unit (住建局, 市住建局 for 市住房和城乡建设局)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("责任主体")
    )
    name = models.CharField(_("别名"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("单位别名")
        verbose_name_plural = _("单位别名")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # One name stands for one unit: an alias is never a unit's own name.
        if self.name and Unit.objects.filter(name="".join(self.name.split())).exists():
            raise ValidationError({"name": _("这是一个责任主体的名称,不能作为别名")})


class ImportRecord(models.Model):
    """Who imported a document from the admin, and what the office changed in the review."""

    document = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        related_name="import_records",
        verbose_name=_("来源文件"),
    )
    user = person_field(_("导入人"))
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    changes = models.JSONField(_("审核改动"), default=dict, blank=True)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.document} {self.imported_at:%Y-%m-%d %H:%M}"


class Commitment(models.Model):
    """承诺事项: one piece of work a unit owes, with a deadline and a status."""

    Status = choices.Status
    ReportCycle = choices.ReportCycle
    OPEN_STATUSES = choices.OPEN_STATUSES
    FINISHED_STATUSES = choices.FINISHED_STATUSES

    directive = models.ForeignKey(
        Directive,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("来源指示"),
    )
    document = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("来源文件"),
    )
    title = models.CharField(_("事项"), max_length=300)
    description = models.TextField(_("具体内容"), blank=True)
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_commitments", verbose_name=_("牵头单位")
    )
    co_units = models.ManyToManyField(
        Unit, blank=True, related_name="supported_commitments", verbose_name=_("配合单位")
    )
    responsible = person_field(_("责任人"), related_name="responsible_commitments")
    # The 责任人 column of an imported task table names a person; kept as text when no single
    # user of that name exists yet, so the office can link the account later.
    responsible_name = models.CharField(_("责任人(原文)"), max_length=100, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    deadline_text = models.CharField(_("时限原文"), max_length=200, blank=True)
    deadline_pending = models.BooleanField(
        _("时限待定"), default=False, help_text=_("原文要求限期但未给出日期,需人工确定")
    )
    # Standing work (常态化、长期坚持) has no deadline on purpose; 交办 requires either a
    # deadline or this mark, so a missing date is never mistaken for "no hurry".
    is_long_term = models.BooleanField(
        _("长期"), default=False, help_text=_("长期坚持、没有完成时限的工作")
    )
    requirements = models.TextField(_("办理要求"), blank=True)
    original_deadline = models.DateField(_("原定时限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    report_cycle = models.CharField(
        _("进展报送周期"), max_length=10, choices=ReportCycle.choices, default=ReportCycle.NONE
    )
    last_progress_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)
    # When the unit got the work and when it signed for it: the baseline for "no report yet".
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    completion_note = models.TextField(_("办结说明"), blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    finished_on_time = models.BooleanField(_("按期完成"), null=True, blank=True)
    is_public = models.BooleanField(_("向社会公开"), default=False)
    # What the public reads of the description: the office's decision, not the unit's text as it
    # stands (a unit edits `description` and may propose it; the office copies or rewrites it).
    public_description = models.TextField(
        _("公开的具体内容"), blank=True, help_text=_("经督办人员确认后向社会公开;为空则不公开")
    )
    description_publish_requested = models.BooleanField(
        _("具体内容申请公开"), default=False, help_text=_("责任单位申请公开具体内容,待督办人员确认")
    )
    status_reason = models.TextField(_("状态说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[co_units], excluded_fields=["updated_at"])
    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("承诺事项")
        verbose_name_plural = _("承诺事项")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=list(choices.COMPLETED_STATUSES))
                | Q(completed_on__isnull=False),
                name="commitment_finished_has_completed_on",
            ),
            models.CheckConstraint(
                condition=~Q(status=choices.Status.CANCELLED) | ~Q(status_reason=""),
                name="commitment_cancelled_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline"],
                name="commitment_open_deadline",
                condition=Q(status__in=list(choices.OPEN_STATUSES)),
            ),
            models.Index(fields=["lead_unit", "status"], name="commitment_unit_status"),
            models.Index(fields=["status", "deadline"], name="commitment_status_deadline"),
            # Keyset pages of the API ordered by deadline: (deadline, id) > (last seen).
            models.Index(fields=["deadline", "id"], name="commitment_deadline_id"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < today


class ProgressUpdate(models.Model):
    """进展情况: what a unit reports about a commitment."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="progress_updates",
        verbose_name=_("承诺事项"),
    )
    author = person_field(_("报送人"), related_name="progress_updates")
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(
        _("完成进度(%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Shown on /public/ only when the office says so; a unit's wish is `publish_requested`.
    is_public = models.BooleanField(
        _("已公开"), default=False, help_text=_("经督办人员确认后向社会公开")
    )
    publish_requested = models.BooleanField(
        _("申请公开"), default=False, help_text=_("报送单位申请公开,待督办人员确认")
    )
    created_at = models.DateTimeField(_("报送时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进展情况")
        verbose_name_plural = _("进展情况")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="progress_percent_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.percent}%"


class DeadlineExtension(models.Model):
    """延期申请: a unit asks for a later deadline; a supervisor decides.

    The commitment's original deadline never changes; `deadline_before` keeps the deadline in
    force when the request was made, so the chain of deadlines stays on record.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="extensions",
        verbose_name=_("承诺事项"),
    )
    requested_by = person_field(_("申请人"))
    requested_deadline = models.DateField(_("申请延至"))
    deadline_before = models.DateField(_("申请时的时限"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("审批状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = person_field(_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_deadline__gt=models.F("deadline_before")),
                name="extension_moves_deadline_later",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="extension_decided_has_time",
            ),
            models.UniqueConstraint(
                fields=["commitment"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_commitment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.deadline_before} → {self.requested_deadline}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never contains the user's file name: no path tricks, no clashes.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.commitment_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """佐证材料: a file a unit attaches to show the work is done."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("承诺事项"),
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    uploaded_by = person_field(_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name


class RankingSnapshot(models.Model):
    """A published 业绩榜, frozen with its date so the ranking announced can be shown again."""

    title = models.CharField(_("标题"), max_length=200)
    published_on = models.DateField(_("发布日期"))
    as_of = models.DateField(_("统计截止日期"))
    rows = models.JSONField(_("榜单"), default=list)
    published_by = person_field(_("发布人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("业绩榜快照")
        verbose_name_plural = _("业绩榜快照")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title}({self.published_on})"


class CalendarToken(models.Model):
    """A revocable secret in a calendar-feed URL: the deadlines of one unit or one person."""

    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_tokens",
        verbose_name=_("责任单位"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_tokens",
        verbose_name=_("责任人"),
    )
    # Only a hash is stored: a leaked database does not leak working feed URLs.
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    label = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, user__isnull=True)
                | Q(unit__isnull=True, user__isnull=False),
                name="calendar_token_unit_xor_user",
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit or self.user)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEvent(models.TextChoices):
    CREATED = "created", _("新建")
    STATUS_CHANGED = "status_changed", _("状态变更")
    OVERDUE = "overdue", _("逾期")
    CLOSED = "closed", _("销号")


def validate_webhook_events(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("请至少选择一个事件"))
    unknown = [e for e in value if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("未知事件:%(events)s"), params={"events": ", ".join(map(str, unknown))}
        )


class WebhookSubscription(models.Model):
    """Another system that wants signed JSON POSTs when commitments change."""

    name = models.CharField(_("名称"), max_length=200)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"), max_length=128, help_text=_("用于 HMAC-SHA256 签名,接收方据此验证")
    )
    events = models.JSONField(_("订阅事件"), default=list, validators=[validate_webhook_events])
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscriber, with every attempt's outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        RETRYING = "retrying", _("重试中")
        SUCCEEDED = "succeeded", _("已送达")
        FAILED = "failed", _("失败")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("订阅"),
    )
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承诺事项"),
    )
    event = models.CharField(_("事件"), max_length=30, choices=WebhookEvent.choices)
    payload = models.JSONField(_("内容"))
    # Makes "once per subscriber" events (such as an overdue episode) idempotent.
    dedupe_key = models.CharField(_("去重键"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    response_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook 投递记录")
        verbose_name_plural = _("Webhook 投递记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="webhook_delivery_once_per_key",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(delivered_at__isnull=False),
                name="webhook_delivery_succeeded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="webhook_delivery_status")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}"


class ReminderSweep(models.Model):
    """One day's reminder sweep: started, and finished only when every batch was claimed."""

    day = models.DateField(_("提醒日期"), unique=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒批次")
        verbose_name_plural = _("提醒批次")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class OutboxMessage(models.Model):
    """What every outgoing message (an e-mail, a robot post) goes through: `pending`, then
    `sending` under a send token (taken by one worker, leased for REMINDER_SENDING_LEASE_SECONDS),
    then `sent`, or `failed` when its attempts are spent or the far side refuses it for good."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    sending_since = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    send_token = models.CharField(_("发送令牌"), max_length=32, blank=True, editable=False)

    class Meta:
        abstract = True


class ReminderMessage(OutboxMessage):
    """One e-mail to one recipient: a digest of every item claimed for them."""

    recipient = models.EmailField(_("收件人"))
    subject = models.CharField(_("主题"), max_length=300)
    body_text = models.TextField(_("正文(纯文本)"))
    body_html = models.TextField(_("正文(HTML)"))
    sweep_day = models.DateField(_("提醒日期"), null=True, blank=True)
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒邮件")
        verbose_name_plural = _("提醒邮件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "queued_at"], name="remindermsg_status_queued"),
            models.Index(fields=["send_token"], name="remindermsg_send_token"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="remindermsg_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class ReminderLog(models.Model):
    """A reminder decided for one commitment: claimed once per (commitment, kind, period)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("逾期催办")
        MISSING_REPORT = "missing_report", _("进展未报")
        ESCALATION = "escalation", _("逾期督办")
        MANUAL = "manual", _("人工催办")
        # A hand-off told to the other side (Notice); its period is the notice's own id.
        NOTICE = "notice", _("办理通知")

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="reminder_logs",
        verbose_name=_("承诺事项"),
        # The unique (commitment, kind, period) index serves lookups by commitment; a second
        # index would only slow down the sweep's claims.
        db_index=False,
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    period = models.CharField(
        _("周期"), max_length=40, help_text=_("同一事项同一类型在同一周期内只提醒一次")
    )
    claim = models.CharField(_("认领令牌"), max_length=32, editable=False)
    created_by = person_field(_("操作人"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "kind", "period"], name="reminderlog_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.kind} {self.period}"


class ReminderDelivery(models.Model):
    """One recipient of one reminder; `message` is set when it is put into a digest."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("责任方")
        COPY = "copy", _("配合单位抄送")
        SUPERVISOR = "supervisor", _("督办单位")

    # Neither foreign key has an index of its own: the unique (log, recipient) index serves
    # lookups by log, and deliveries are looked up by message only through the partial index
    # of undigested ones (messages are never deleted). Each index costs the sweep a write per
    # delivery, and one on `message` misleads the planner into scanning every undigested
    # delivery for each recipient batch.
    log = models.ForeignKey(
        ReminderLog,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("提醒记录"),
        db_index=False,
    )
    recipient = models.EmailField(_("收件人"))
    role = models.CharField(_("身份"), max_length=12, choices=Role.choices)
    message = models.ForeignKey(
        ReminderMessage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("提醒邮件"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("提醒收件人")
        verbose_name_plural = _("提醒收件人")
        constraints = [
            models.UniqueConstraint(fields=["log", "recipient"], name="reminderdelivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                name="reminderdelivery_unsent",
                condition=Q(message__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ← {self.log}"


class Notice(models.Model):
    """办理通知: a hand-off told to the other side, the unit or the office.

    Seen in the admin by its audience (the lead unit's members, or the office) and e-mailed
    in a digest through the reminder log: one ReminderLog (kind NOTICE) per notice, so its
    deliveries are claimed, composed and sent exactly as reminders are. A 催办 also gets a
    notice, holding the 催办人 and the 意见 of its manual reminder.
    """

    Audience = choices.NoticeAudience
    Event = choices.NoticeEvent

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("承诺事项"),
    )
    event = models.CharField(_("事件"), max_length=30, choices=choices.NoticeEvent.choices)
    audience = models.CharField(
        _("通知对象"), max_length=10, choices=choices.NoticeAudience.choices
    )
    # The unit told (the lead unit when it happened): a unit member sees its own unit's notices.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("责任单位"),
    )
    actor = person_field(_("办理人"))
    note = models.TextField(_("说明"), blank=True)
    log = models.OneToOneField(
        ReminderLog,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notice",
        verbose_name=_("邮件记录"),
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办理通知")
        verbose_name_plural = _("办理通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["audience", "unit", "-created_at"], name="notice_audience_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}:{self.commitment_id}"


# Group robots live in their own module; imported here so Django registers them with the app.
from .models_channels import (  # noqa: E402, F401
    Channel,
    ChannelDelivery,
    ChannelMessage,
    ChannelPace,
    PersonProfile,
)
