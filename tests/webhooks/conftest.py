"""A real webhook receiver on 127.0.0.1 that verifies signatures with the `standardwebhooks`
package, as a firm's program would; the app allows that one address only through the
test-only setting, and plain http only through its own setting."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from portal.extensions import db
from portal.webhooks.delivery import DeliveryReport, deliver_due


@dataclass
class Received:
    """One request as it arrived, and whether its signature verified."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the receiver saw; `answers` are the status codes it gives, in turn (then 200)."""

    port: int
    secret: str | None = None
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verified(self) -> list[Received]:
        return [r for r in self.received if r.verified]


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = False
            if receiver.secret:
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
            receiver.received.append(Received(self.path, headers, body, verified))
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.answers.pop(0) if receiver.answers else 200
            reply = (b"ok" if status < 300 else b"try later " + b"x" * 3000)
            self.send_response(status)
            if status in (301, 302, 307):
                self.send_header("Location", receiver.url("/elsewhere"))
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def receiver(app) -> Iterator[Receiver]:
    """A listening receiver; the app may send to it (http, 127.0.0.1: test-only settings)."""
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_TEST_ALLOW_LOOPBACK=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    box = Receiver(port=server.server_address[1])
    server.RequestHandlerClass = make_handler(box)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def deliver(app) -> Callable[..., DeliveryReport]:
    """Run the workers' delivery loop once, here, as a Huey worker would."""

    def run(**kwargs) -> DeliveryReport:
        with app.app_context():
            report = deliver_due(**kwargs)
            db.session.remove()
            return report

    return run
