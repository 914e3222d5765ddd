"""A real SMTP server on 127.0.0.1 (aiosmtpd) for email tests, and outbox helpers."""

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal import tasks
from portal.extensions import db
from portal.notifications import delivery
from portal.notifications.delivery import deliver_due
from portal.notifications.models import OutboxMessage

BASE_URL = "https://portal.example.test"


def free_port() -> int:
    """A port nothing listens on (the kernel's pick, released again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(0.005)  # slow enough for two workers to interleave
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return [to for rcpts, _ in self.messages for to in rcpts]

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for _, message in self.messages]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be started late (or never)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def run_jobs(app) -> int:
    """Run every queued background job here, on this app, as the Huey consumer would."""
    ran = 0
    with app.app_context():
        while (job := tasks.huey.dequeue()) is not None:
            job.execute()
            ran += 1
    return ran


def deliver(app, **kwargs) -> delivery.DeliveryReport:
    with app.app_context():
        return deliver_due(**kwargs)


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        db.session().expire_on_commit = False
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.commit()
        return rows
