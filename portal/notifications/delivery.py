"""Send due outbox messages by SMTP: claim one, send it, record it, then the next.

This is the worker's loop, so unlike the services it commits: each claim and each "sent" is
saved before the next message is touched, so a retried or restarted job never sends a message
that is recorded as sent. A worker that dies mid-send leaves its message claimed ("sending");
once the lease expires another worker sends it again (at least once; its Message-ID is the
same, so mail systems can drop the duplicate).
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import update

from portal import leases
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import headers
from portal.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from portal.notifications.rendering import sender

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = timedelta(hours=6)


def is_permanent(error: Exception) -> bool:
    """The server refused this message for good (a 5xx for its recipient or its content):
    trying again would be refused again. Anything else (down, 4xx, bad login) is retried."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return isinstance(error, smtplib.SMTPNotSupportedError)


@dataclass(frozen=True)
class Claim:
    """A message this worker holds, with what it needs after the session lets go of the row."""

    id: int
    claimed_at: datetime
    attempts: int
    to_address: str
    email: EmailMessage


@dataclass
class DeliveryReport:
    """What one deliver_due call did."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    failed_abandoned: int = 0


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID on every attempt, so a re-sent message is recognisably the same."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{message.id}.{stamp}@{domain}>"


class UnbuildableMessage(Exception):
    """An outbox row that cannot become an email (an old row's bad address or headers)."""

    def __init__(self, message_id_: int, reason: str) -> None:
        super().__init__(reason)
        self.message_id, self.reason = message_id_, reason[:2000]


def build_email(message: OutboxMessage, *, from_header: str | None = None) -> EmailMessage:
    """The multipart text + HTML email of an outbox row (with its .ics invitation, if any),
    every header on one line."""
    email = EmailMessage()
    email["Subject"] = headers.subject(message.subject)
    email["From"] = from_header or sender()
    email["To"] = headers.single_address(message.to_address)
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message)
    for name, value in (message.headers or {}).items():
        email[name] = headers.one_line(value)
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    if message.calendar:
        email.add_attachment(message.calendar, subtype="calendar", filename="invitation.ics",
                             params={"method": "REQUEST"})
    return email


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: the base delay doubled for each attempt so far, capped."""
    base = timedelta(seconds=int(current_app.config["OUTBOX_RETRY_SECONDS"]))
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def claim_next(now: datetime) -> int | None:
    """Atomically take one due message that has attempts left (see portal.leases)."""
    config = current_app.config
    return leases.claim_next(
        OutboxMessage, now=now, lease_seconds=int(config["OUTBOX_LEASE_SECONDS"]),
        only=(OutboxMessage.attempts < int(config["OUTBOX_MAX_ATTEMPTS"]),))


def give_up_abandoned(now: datetime) -> int:
    """Mark failed the messages whose workers died while sending them on every attempt."""
    config = current_app.config
    lease_expired = now - timedelta(seconds=int(config["OUTBOX_LEASE_SECONDS"]))
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at <= lease_expired,
               OutboxMessage.attempts >= int(config["OUTBOX_MAX_ATTEMPTS"]))
        .values(status=OutboxStatus.FAILED,
                last_error="The worker stopped while sending this message on every attempt.")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def load_claim(message_id_: int, claimed_at: datetime) -> Claim:
    """The claimed message as a ready email; the session lets go of the row before SMTP.
    UnbuildableMessage when the row cannot become an email: trying again would not help."""
    message = db.session.get(OutboxMessage, message_id_, populate_existing=True)
    from_header = sender()  # reads the firm's settings: their failing is not this row's fault
    try:
        email = build_email(message, from_header=from_header)
    except Exception as error:  # noqa: BLE001 (whatever stops this row becoming an email)
        db.session.commit()
        raise UnbuildableMessage(
            message_id_, f"Could not be built: {type(error).__name__}: {error}") from error
    claim = Claim(message.id, claimed_at, message.attempts, message.to_address, email)
    db.session.commit()  # hold no transaction (or SQLite read lock) while talking SMTP
    return claim


def _finish(claim: Claim, **values) -> bool:
    """Record the outcome if the claim is still ours (a lease taken over is left alone)."""
    return _finish_claimed(claim.id, claim.claimed_at, **values)


def _finish_claimed(message_id_: int, claimed_at: datetime, **values) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id_, OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at == claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


LINK_KINDS = (MessageKind.INVITATION, MessageKind.PASSWORD_RESET, MessageKind.SIGN_IN_LINK)
LINK_REMOVED = "[Removed once sent: this email carried a single-use link.]"


def forget_link(message_id_: int) -> None:
    """Once an email carrying a sign-in, reset or invitation link is sent, the outbox keeps
    no copy of the link: only the recipient's inbox has it (the database has its hash)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id_, OutboxMessage.kind.in_(LINK_KINDS))
        .values(text_body=LINK_REMOVED, html_body=f"<p>{LINK_REMOVED}</p>")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def record_failure(claim: Claim, error: Exception, *, now: datetime,
                   report: DeliveryReport) -> None:
    """Retry later with backoff, or give up on a permanent refusal or the last attempt."""
    text = f"{type(error).__name__}: {error}"[:2000]
    final = is_permanent(error) or claim.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"])
    status = OutboxStatus.FAILED if final else OutboxStatus.PENDING
    _finish(claim, status=status, last_error=text,
            next_attempt_at=now + retry_delay(claim.attempts))
    (report.failed if final else report.retrying).append(claim.id)
    log.warning("outbox message %s not sent (%s): %s", claim.id, status.value, text)


def record_unbuildable(error: UnbuildableMessage, *, claimed_at: datetime,
                       report: DeliveryReport) -> None:
    """Give up on a row that cannot become an email, with the reason, and go on to the next."""
    _finish_claimed(error.message_id, claimed_at, status=OutboxStatus.FAILED,
                    last_error=error.reason)
    report.failed.append(error.message_id)
    log.error("outbox message %s cannot be sent: %s", error.message_id, error.reason)


class SmtpConnection:
    """One SMTP session for a batch, opened when the first message needs it."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage, to_address: str) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        self.smtp.send_message(email, to_addrs=[to_address])

    def _open(self) -> smtplib.SMTP:
        config = current_app.config
        smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                            timeout=float(config["SMTP_TIMEOUT"]))
        try:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USER"]:
                smtp.login(str(config["SMTP_USER"]), str(config["SMTP_PASSWORD"] or ""))
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def deliver_due(limit: int = 50, *, now: datetime | None = None) -> DeliveryReport:
    """Send up to `limit` due messages. A connection failure stops the batch: the others stay
    pending, untouched, for the next run. Without PORTAL_SMTP_HOST nothing is claimed."""
    report = DeliveryReport()
    if not current_app.config["SMTP_HOST"]:
        log.info("PORTAL_SMTP_HOST is not set: outbox messages wait until it is")
        return report
    report.failed_abandoned = give_up_abandoned(now or utcnow())
    connection = SmtpConnection()
    try:
        for _ in range(limit):
            when = now or utcnow()
            claimed = claim_next(when)
            if claimed is None:
                break
            try:
                claim = load_claim(claimed, when)
            except UnbuildableMessage as error:
                record_unbuildable(error, claimed_at=when, report=report)
                continue
            try:
                connection.send(claim.email, claim.to_address)
            except (smtplib.SMTPException, OSError) as error:
                record_failure(claim, error, now=when, report=report)
                if not is_permanent(error):
                    break  # the server is down or refusing: the rest wait for the next run
                continue
            if _finish(claim, status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None):
                report.sent.append(claim.id)
                forget_link(claim.id)
    finally:
        connection.close()
    return report
