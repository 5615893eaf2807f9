"""The one HTTP client for what the ledger posts to other servers (webhooks, group robots).

urllib and a JSON body; no retries here: each caller has its own retry policy.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

# What a caller catches when there was no answer at all: the network, a timeout, a refused
# connection, a URL urllib cannot use (ValueError).
NO_ANSWER = (urllib.error.URLError, OSError, ValueError)


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    reason: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def http_post_json(
    url: str,
    body: bytes,
    *,
    agent: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    read: int = 65536,
) -> HttpAnswer:
    """POST a JSON body; the answer's status, reason and first `read` bytes.

    An HTTP error status is an answer like any other, since its body may say why (飞书 answers
    its rate limit with HTTP 400 and a JSON code). No answer at all raises one of NO_ANSWER."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": agent,
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(int(response.status), str(response.reason), response.read(read))
    except urllib.error.HTTPError as exc:
        return HttpAnswer(int(exc.code), str(exc.reason), exc.read(read))
