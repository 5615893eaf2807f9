"""A local HTTP server that plays 钉钉, 企业微信 and 飞书 group robots for the tests.

It checks what each platform checks, written from their documentation, not from our sender:
钉钉 the `timestamp` (ms, within an hour) and `sign` in the URL (HMAC-SHA256 keyed by the
secret over "timestamp\\nsecret"); 飞书 the `timestamp` (s, within an hour) and `sign` in the
body (HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing); the keyword; the message's
shape and size; and at most `limit` accepted posts in any `window` seconds per robot. It
answers with each platform's codes: HTTP 200 and an error code, 飞书's rate limit as HTTP 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOUR = 3600


@dataclass
class Hook:
    kind: str
    secret: str = ""
    keyword: str = ""
    limit: int = 20
    window: float = 60.0
    # Answer the next N posts with the platform's rate-limit code, whatever the pace.
    rate_limit_next: int = 0
    accepted: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    # Rate-limit answers the pace itself earned (not the forced ones above).
    violations: int = 0

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [payload for _at, payload in self.accepted]

    def max_in_window(self) -> int:
        """The most accepted posts that arrived within any `window` seconds."""
        times = sorted(at for at, _payload in self.accepted)
        best = start = 0
        for end, at in enumerate(times):
            while at - times[start] >= self.window:
                start += 1
            best = max(best, end - start + 1)
        return best


def _hmac64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


class RobotServer:
    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = server.answer(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RobotServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, kind: str, **options: Any) -> tuple[str, Hook]:
        token = uuid.uuid4().hex
        hook = Hook(kind, **options)
        self.hooks[token] = hook
        base = f"http://127.0.0.1:{self.port}"
        url = {
            "dingtalk": f"{base}/robot/send?access_token={token}",
            "wecom": f"{base}/cgi-bin/webhook/send?key={token}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{token}",
        }[kind]
        return url, hook

    # ----------------------------------------------------------------------------- answers

    def answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with self.lock:
            if parts.path == "/robot/send":
                return self._dingtalk(query, payload)
            if parts.path == "/cgi-bin/webhook/send":
                return self._wecom(query, payload)
            if parts.path.startswith("/open-apis/bot/v2/hook/"):
                return self._feishu(parts.path.rsplit("/", 1)[1], payload)
        return 404, {"error": "not found"}

    def _paced(self, hook: Hook) -> bool:
        """True when this post may be accepted; counts it as a violation otherwise."""
        if hook.rate_limit_next > 0:
            hook.rate_limit_next -= 1
            return False
        now = time.time()
        recent = [at for at, _p in hook.accepted if at > now - hook.window]
        if len(recent) >= hook.limit:
            hook.violations += 1
            return False
        return True

    def _refuse(self, hook: Hook, code: str, message: str) -> None:
        hook.refused.append((code, message))

    def _dingtalk(self, query: dict[str, str], payload: Any) -> tuple[int, dict[str, Any]]:
        hook = self.hooks.get(query.get("access_token", ""))
        if hook is None or hook.kind != "dingtalk":
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}

        def error(code: int, message: str) -> tuple[int, dict[str, Any]]:
            self._refuse(hook, str(code), message)
            return 200, {"errcode": code, "errmsg": message}

        if hook.secret:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > HOUR * 1000:
                return error(310000, "invalid timestamp")
            expected = _hmac64(hook.secret.encode(), f"{timestamp}\n{hook.secret}".encode())
            if not hmac.compare_digest(sign, expected):
                return error(310000, "sign not match")
        if not isinstance(payload, dict) or payload.get("msgtype") != "markdown":
            return error(40035, "缺少参数 json")
        markdown = payload.get("markdown") or {}
        if not markdown.get("title") or not markdown.get("text"):
            return error(40035, "缺少参数 markdown")
        if hook.keyword and hook.keyword not in markdown["title"] + markdown["text"]:
            return error(310000, "keywords not in content")
        if len(json.dumps(payload, ensure_ascii=False).encode()) > 20000:
            return error(460101, "message too long")
        if not self._paced(hook):
            return error(130101, "send too fast, exceed 20 times per minute")
        hook.accepted.append((time.time(), payload))
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _wecom(self, query: dict[str, str], payload: Any) -> tuple[int, dict[str, Any]]:
        hook = self.hooks.get(query.get("key", ""))
        if hook is None or hook.kind != "wecom":
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}

        def error(code: int, message: str) -> tuple[int, dict[str, Any]]:
            self._refuse(hook, str(code), message)
            return 200, {"errcode": code, "errmsg": message}

        msgtype = payload.get("msgtype") if isinstance(payload, dict) else None
        if msgtype not in ("markdown", "text"):
            return error(40008, "invalid message type")
        content = str((payload.get(msgtype) or {}).get("content", ""))
        if len(content.encode()) > (4096 if msgtype == "markdown" else 2048):
            return error(40058, f"{msgtype}.content exceed max length")
        if not self._paced(hook):
            return error(45009, "api freq out of limit")
        hook.accepted.append((time.time(), payload))
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, token: str, payload: Any) -> tuple[int, dict[str, Any]]:
        hook = self.hooks.get(token)
        if hook is None or hook.kind != "feishu":
            return 200, {
                "code": 19001,
                "msg": "param invalid: incoming webhook access token invalid",
            }

        def error(code: int, message: str, status: int = 200) -> tuple[int, dict[str, Any]]:
            self._refuse(hook, str(code), message)
            return status, {"code": code, "msg": message, "data": {}}

        if not isinstance(payload, dict):
            return error(9499, "Bad Request", 400)
        if hook.secret:
            timestamp, sign = str(payload.get("timestamp", "")), str(payload.get("sign", ""))
            expected = _hmac64(f"{timestamp}\n{hook.secret}".encode(), b"")
            if (
                not timestamp.isdigit()
                or abs(time.time() - int(timestamp)) > HOUR
                or not hmac.compare_digest(sign, expected)
            ):
                return error(
                    19021,
                    "sign match fail or timestamp is not within one hour from current time",
                )
        if payload.get("msg_type") not in ("interactive", "post", "text"):
            return error(19002, "params error, msg_type need")
        if hook.keyword and hook.keyword not in json.dumps(payload, ensure_ascii=False):
            return error(19024, "Key Words Not Found")
        if not self._paced(hook):
            return error(9499, "too many request", 400)
        hook.accepted.append((time.time(), payload))
        return 200, {"code": 0, "msg": "success", "data": {}}
