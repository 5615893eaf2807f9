"""Group robots (钉钉 / 企业微信 / 飞书) as a reminder channel beside e-mail, and the person's
mobile number they @ by.

Kept out of models.py (imported at its end, so Django finds them as the app's models) so the
robots can change without touching the module every area edits.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import OutboxMessage, ReminderDelivery, ReminderLog, Unit

validate_mobile = RegexValidator(
    r"^1[3-9]\d{9}$", _("请输入11位手机号码,例如 13800138000"), code="invalid_mobile"
)


class PersonProfile(models.Model):
    """What the ledger knows of a person beyond the account: the mobile number group robots
    @ them by. Only the office sees it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ledger_profile",
        verbose_name=_("用户"),
    )
    mobile = models.CharField(
        _("手机号码"),
        max_length=11,
        blank=True,
        validators=[validate_mobile],
        help_text=_("群机器人催办时按此号码 @ 本人;仅活动办公室可见"),
    )

    class Meta:
        verbose_name = _("人员资料")
        verbose_name_plural = _("人员资料")

    def __str__(self) -> str:
        return str(self.user)


class Channel(models.Model):
    """A group robot: where a unit's (or the office's) reminders and notices are posted."""

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("钉钉自定义机器人")
        WECOM = "wecom", _("企业微信群机器人")
        FEISHU = "feishu", _("飞书自定义机器人")

    name = models.CharField(_("名称"), max_length=100, help_text=_("例如:教育局工作群"))
    kind = models.CharField(_("平台"), max_length=10, choices=Kind.choices)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉“加签”、飞书“签名校验”的密钥;企业微信群机器人没有密钥。保存后不再显示"),
    )
    keyword = models.CharField(
        _("自定义关键词"),
        max_length=50,
        blank=True,
        help_text=_("机器人安全设置中的关键词(钉钉、飞书);每条消息的标题都会带上它"),
    )
    units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="channels",
        verbose_name=_("服务的责任单位"),
        help_text=_("这些单位牵头或配合的事项的提醒和办理通知发到本群"),
    )
    office = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="office_channels",
        limit_choices_to={"is_supervisor": True},
        verbose_name=_("督办单位"),
        help_text=_(
            "选填:逾期督办的抄送,以及报给督办单位的办理通知(签收、申请办结、申请延期)也发到本群"
        ),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["dingtalk", "wecom", "feishu"]), name="channel_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="wecom") | Q(secret=""), name="channel_wecom_has_no_secret"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.get_kind_display()})"

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.WECOM and self.secret:
            raise ValidationError({"secret": _("企业微信群机器人没有签名密钥,请留空")})
        if self.kind == self.Kind.WECOM and self.keyword:
            raise ValidationError({"keyword": _("企业微信群机器人没有关键词设置,请留空")})


class ChannelMessage(OutboxMessage):
    """One post to one robot: a page of one unit's digest, a 催办 of the sweep or a 办理通知.

    `payload` is the JSON body without its signature: the timestamp and sign are added when it
    is sent, since the platforms refuse one older than an hour."""

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="messages", verbose_name=_("群机器人")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    sweep_day = models.DateField(_("提醒日期"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    payload = models.JSONField(_("请求内容"))
    mentions = models.JSONField(_("@ 的人"), default=list, blank=True)
    error_code = models.CharField(_("平台错误码"), max_length=20, blank=True)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["channel", "status", "next_attempt_at"], name="channelmsg_channel_due"
            ),
            models.Index(fields=["status", "sending_since"], name="channelmsg_status_since"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="channelmsg_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.title}"


class ChannelDelivery(models.Model):
    """One reminder or notice (办理通知) for one robot: claimed once per (log, channel), i.e. per
    (commitment, kind, period, channel); `message` is set when it is put into a unit's digest."""

    log = models.ForeignKey(
        ReminderLog,
        on_delete=models.CASCADE,
        related_name="channel_deliveries",
        verbose_name=_("提醒记录"),
        db_index=False,  # the unique (log, channel) index serves lookups by log
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("群机器人")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    role = models.CharField(_("身份"), max_length=12, choices=ReminderDelivery.Role.choices)
    message = models.ForeignKey(
        ChannelMessage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("群机器人消息"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("群机器人提醒")
        verbose_name_plural = _("群机器人提醒")
        constraints = [
            models.UniqueConstraint(fields=["log", "channel"], name="channeldelivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["channel", "unit"],
                name="channeldelivery_undigested",
                condition=Q(message__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} ← {self.log}"


class ChannelPace(models.Model):
    """The pacing of one robot when no Redis is configured: when its last messages went out
    (see services/channels/pacing.py)."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, primary_key=True, related_name="pace"
    )
    stamps = models.JSONField(default=dict)
    blocked_until = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("群机器人限速")
        verbose_name_plural = _("群机器人限速")

    def __str__(self) -> str:
        return str(self.channel_id)
