"""What each robot platform wants on the wire, and what its answer means. No database here.

All three answer HTTP 200 with an error code in the JSON body for most refusals (飞书 answers its
rate limit with HTTP 400 and the same JSON), so the code decides, not the HTTP status:

- 钉钉 custom robot: `errcode` 0; 130101 "send too fast, exceed 20 times per minute" (then
  blocked for a while); 310000 for sign not match / invalid timestamp (more than an hour off) /
  keywords not in content / ip not in whitelist; 300001 an unknown access_token.
- 企业微信 group robot: `errcode` 0; 45009 "api freq out of limit"; 93000 "invalid webhook url";
  40058 a content over its length limit (markdown 4,096 bytes, text 2,048 bytes).
- 飞书 custom bot: `code` 0 (older deployments: `StatusCode` 0); 9499 "too many request" (with
  HTTP 400) and 11232 "frequency limited"; 19021 "sign match fail or timestamp is not within one
  hour from current time"; 19022 ip not allowed; 19024 keywords not found; 19001 bad webhook.

Signing: 钉钉 puts `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(key=secret,
msg="timestamp\\nsecret"))) in the URL; 飞书 puts `timestamp` (s) and `sign` =
base64(HMAC-SHA256(key="timestamp\\nsecret", msg="")) in the body. 企业微信 has no signature.

@-mentions: 钉钉 by mobile (`at.atMobiles`, and "@mobile" in the text); 企业微信 honours
`mentioned_mobile_list` on `text` messages only, so a page that @s somebody goes as text and
one that does not as markdown; 飞书 custom bots cannot @ by mobile, only by open_id or (in a
card) by e-mail, so they @ the person's e-mail address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

DINGTALK = "dingtalk"
WECOM = "wecom"
FEISHU = "feishu"


@dataclass(frozen=True, slots=True)
class Item:
    """One reminder line of a digest, already in words."""

    title: str
    kind_label: str
    deadline_label: str
    days_label: str  # 逾期天数 / 剩余天数 / 今日到期, or "" without a deadline
    link: str
    person: str = ""
    mobile: str = ""
    email: str = ""
    note: str = ""  # e.g. (配合单位抄送)
    overdue: bool = False
    # A 办理通知 rather than a reminder: `kind_label` is its event (交办, 退回 ...).
    notice: bool = False
    # Further (label, text) lines after the deadline: who acted, their 办理要求 ...
    details: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Page:
    title: str
    intro: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Answer:
    """A platform's answer to one post."""

    ok: bool
    code: str
    message: str
    rate_limited: bool = False
    # A refusal retrying cannot cure (signature, keyword, address): failed until fixed.
    permanent: bool = False

    def describe(self) -> str:
        if self.ok:
            return _("平台答复成功(%(code)s)") % {"code": self.code}
        if not self.code:
            # No answer at all: the network, a timeout, a refused connection.
            return _("未收到平台答复:%(message)s") % {"message": self.message}
        reason = _explain(self)
        return _("平台答复 %(code)s:%(message)s%(reason)s") % {
            "code": self.code,
            "message": self.message,
            "reason": f"({reason})" if reason else "",
        }


def _explain(answer: Answer) -> str:
    text = answer.message.lower()
    if answer.rate_limited:
        return _("发送过快,已按平台限速稍后重发")
    if answer.code == "310000":
        if "sign" in text:
            return _("签名不匹配:请核对签名密钥")
        if "timestamp" in text:
            return _("时间戳无效:服务器时间与平台相差超过1小时")
        if "keyword" in text:
            return _("消息未包含机器人安全设置中的关键词")
        if "ip" in text:
            return _("服务器IP不在机器人的IP白名单中")
        return _("未通过机器人的安全设置校验")
    explanations = {
        "300001": _("Webhook 地址中的 access_token 无效"),
        "93000": _("Webhook 地址无效:key 错误或机器人已被移出群"),
        "40058": _("消息内容超过平台长度限制"),
        "19021": _("签名校验失败或时间戳与平台相差超过1小时:请核对签名密钥与服务器时间"),
        "19022": _("服务器IP不在机器人的IP白名单中"),
        "19024": _("消息未包含机器人安全设置中的关键词"),
        "19001": _("Webhook 地址无效"),
    }
    return str(explanations.get(answer.code, ""))


def _hmac_base64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), not yet URL-encoded."""
    return _hmac_base64(secret.encode(), f"{timestamp_ms}\n{secret}".encode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b"")): the key is the string."""
    return _hmac_base64(f"{timestamp_s}\n{secret}".encode(), b"")


_UNSAFE = str.maketrans({"<": "＜", ">": "＞", "[": "【", "]": "】", "*": "＊", "\n": " "})


def _clean(text: str) -> str:
    """A user's text inside markdown: no markup of its own, no line breaks."""
    return text.translate(_UNSAFE).strip()


def _item_lines(n: int, item: Item, *, mention: str, link: bool = True) -> list[str]:
    head = _("动态:%(kind)s%(note)s") if item.notice else _("类型:%(kind)s%(note)s")
    lines = [
        f"**{n}. {_clean(item.title)}**",
        head % {"kind": item.kind_label, "note": item.note},
        _("完成时限:%(day)s") % {"day": item.deadline_label},
    ]
    if item.days_label:
        lines.append(item.days_label)
    lines.extend(f"{label}:{_clean(text)}" for label, text in item.details if text)
    if item.person or mention:
        lines.append(_("责任人:%(name)s %(at)s") % {"name": _clean(item.person), "at": mention})
    if link:
        lines.append(f"[{_('在台账中查看')}]({item.link})")
    return lines


def _plain(line: str) -> str:
    """A markdown line as plain text (for 企业微信 text messages)."""
    line = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1:\2", line)
    return line.replace("**", "")


class Platform:
    kind = ""
    # What one post may weigh, measured as `size()` does; below the platform's own limit.
    max_bytes = 18000
    # The answer codes that mean "too fast" and those retrying cannot cure.
    RATE_LIMITED: frozenset[str] = frozenset()
    PERMANENT: frozenset[str] = frozenset()

    def payload(self, page: Page, *, keyword: str) -> dict[str, Any]:
        raise NotImplementedError

    def size(self, payload: dict[str, Any]) -> int:
        return len(json.dumps(payload, ensure_ascii=False).encode())

    def signed(
        self, url: str, secret: str, payload: dict[str, Any], now: float
    ) -> tuple[str, bytes]:
        return url, _body(payload)

    def read(self, status: int, body: bytes) -> Answer:
        raise NotImplementedError

    def _answer(self, code: str, message: str) -> Answer:
        return Answer(
            ok=code == "0",
            code=code,
            message=message,
            rate_limited=code in self.RATE_LIMITED,
            permanent=code in self.PERMANENT,
        )

    def mentions(self, page: Page) -> list[str]:
        return sorted({item.mobile for item in page.items if item.mobile})

    @staticmethod
    def title(page: Page, keyword: str) -> str:
        return page.title if not keyword or keyword in page.title else f"【{keyword}】{page.title}"


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8", "replace") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _http_answer(status: int, body: bytes) -> Answer:
    """No JSON code to go by: the HTTP status decides."""
    text = body[:200].decode("utf-8", "replace")
    return Answer(
        ok=False,
        code=f"HTTP {status}",
        message=text,
        rate_limited=status == 429,
        permanent=status in (400, 401, 403, 404),
    )


class _ErrcodePlatform(Platform):
    """钉钉 and 企业微信 answer alike: `errcode` (0 is success) and `errmsg`."""

    def read(self, status: int, body: bytes) -> Answer:
        data = _json(body)
        if "errcode" not in data:
            return _http_answer(status, body)
        return self._answer(str(data.get("errcode")), str(data.get("errmsg", "")))


class DingTalk(_ErrcodePlatform):
    kind = DINGTALK
    RATE_LIMITED = frozenset({"130101"})
    PERMANENT = frozenset({"310000", "300001"})

    def payload(self, page: Page, *, keyword: str) -> dict[str, Any]:
        title = self.title(page, keyword)
        lines = [f"#### {_clean(title)}", page.intro]
        for n, item in enumerate(page.items, 1):
            lines.extend(_item_lines(n, item, mention=f"@{item.mobile}" if item.mobile else ""))
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": "\n\n".join(lines)},
            "at": {"atMobiles": self.mentions(page), "isAtAll": False},
        }

    def signed(
        self, url: str, secret: str, payload: dict[str, Any], now: float
    ) -> tuple[str, bytes]:
        if not secret:
            return url, _body(payload)
        timestamp = int(now * 1000)
        query = urllib.parse.urlencode(
            {"timestamp": timestamp, "sign": dingtalk_sign(secret, timestamp)}
        )
        return f"{url}{'&' if '?' in url else '?'}{query}", _body(payload)


class WeCom(_ErrcodePlatform):
    kind = WECOM
    RATE_LIMITED = frozenset({"45009"})
    PERMANENT = frozenset({"93000", "40058", "40008"})
    # A text message's content may have 2,048 bytes, a markdown one 4,096: pages are cut to
    # the smaller so that either type fits.
    max_bytes = 2000

    def payload(self, page: Page, *, keyword: str) -> dict[str, Any]:
        title = self.title(page, keyword)
        mobiles = self.mentions(page)
        lines = [f"**{_clean(title)}**", page.intro]
        for n, item in enumerate(page.items, 1):
            lines.extend(_item_lines(n, item, mention=""))
        if mobiles:
            # Only text messages @ by mobile (mentioned_mobile_list is ignored on markdown).
            content = "\n".join(_plain(line) for line in lines)
            return {
                "msgtype": "text",
                "text": {"content": content, "mentioned_mobile_list": mobiles},
            }
        return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}

    def size(self, payload: dict[str, Any]) -> int:
        inner = payload.get("text") or payload.get("markdown") or {}
        return len(str(inner.get("content", "")).encode())


class Feishu(Platform):
    kind = FEISHU
    RATE_LIMITED = frozenset({"9499", "11232"})
    PERMANENT = frozenset({"19021", "19022", "19024", "19001"})

    def payload(self, page: Page, *, keyword: str) -> dict[str, Any]:
        title = self.title(page, keyword)
        lines = [page.intro]
        for n, item in enumerate(page.items, 1):
            at = f"<at email={item.email}></at>" if item.email else ""
            lines.extend(_item_lines(n, item, mention=at))
        overdue = any(item.overdue for item in page.items)
        notices = bool(page.items) and all(item.notice for item in page.items)
        return {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {
                    "title": {"tag": "plain_text", "content": title},
                    "template": "red" if overdue else "blue" if notices else "orange",
                },
                "elements": [
                    {"tag": "div", "text": {"tag": "lark_md", "content": "\n".join(lines)}}
                ],
            },
        }

    def mentions(self, page: Page) -> list[str]:
        return sorted({item.email for item in page.items if item.email})

    def signed(
        self, url: str, secret: str, payload: dict[str, Any], now: float
    ) -> tuple[str, bytes]:
        if not secret:
            return url, _body(payload)
        timestamp = int(now)
        signed = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
        return url, _body(signed)

    def read(self, status: int, body: bytes) -> Answer:
        data = _json(body)
        key = "code" if "code" in data else "StatusCode" if "StatusCode" in data else None
        if key is None:
            return _http_answer(status, body)
        return self._answer(
            str(data.get(key)), str(data.get("msg") or data.get("StatusMessage") or "")
        )


PLATFORMS: dict[str, Platform] = {p.kind: p for p in (DingTalk(), WeCom(), Feishu())}


def platform(kind: str) -> Platform:
    return PLATFORMS[kind]


def paginate(
    kind: str, *, title: str, intro: str, items: Sequence[Item], keyword: str
) -> list[Page]:
    """Cut a unit's digest into as few pages as fit the platform's size limit, items in order.
    A page names its part (1/3) when there is more than one."""
    chosen = platform(kind)
    pages: list[Page] = []
    current = Page(title, intro)
    for item in items:
        current.items.append(item)
        if (
            len(current.items) > 1
            and chosen.size(chosen.payload(current, keyword=keyword)) > chosen.max_bytes
        ):
            current.items.pop()
            pages.append(current)
            current = Page(title, intro, [item])
    pages.append(current)
    if len(pages) > 1:
        for n, page in enumerate(pages, 1):
            page.title = f"{title}({n}/{len(pages)})"
    return pages
