"""Fixtures of the outputs tests: a real HTTP server that receives webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "s3cret-shared-with-the-receiver"


@dataclass
class Receiver:
    """A real HTTP server on the loopback that checks signatures as a subscriber would."""

    url: str
    fail_first: int = 0
    received: list[dict] = field(default_factory=list)
    verdicts: list[bool] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = self.headers["X-Ledger-Timestamp"]
            expected = hmac.new(
                SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
            valid = hmac.compare_digest(
                "sha256=" + expected, self.headers.get("X-Ledger-Signature", "")
            )
            state.verdicts.append(valid)
            if state.fail_first > 0:
                state.fail_first -= 1
                self.send_response(503)
            elif not valid:
                self.send_response(401)
            else:
                state.received.append(json.loads(body))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
