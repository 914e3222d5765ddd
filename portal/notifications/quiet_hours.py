"""Quiet hours: a non-urgent email to a client person waits, as a pending outbox row, until
the morning in the person's timezone (their own, else their organisation's)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app

from portal.auth.models import Role, User
from portal.db import zone_or_utc
from portal.extensions import db
from portal.notifications.models import SETTINGS_ID, AskSettings, MessageKind

# Sent whatever the hour: sign-in, security and address links the person is waiting for.
URGENT_KINDS = frozenset({
    MessageKind.INVITATION, MessageKind.PASSWORD_RESET, MessageKind.SIGN_IN_LINK,
    MessageKind.EMAIL_CHANGE, MessageKind.EMAIL_CHANGE_NOTICE,
})


@dataclass(frozen=True)
class AskRules:
    """The reminder days and quiet hours in force: the admin's, else the configured ones."""

    first_reminder_day: int
    second_reminder_day: int
    quiet_start: int
    quiet_end: int
    quiet_weekends: bool

    @property
    def reminder_days(self) -> tuple[int, int]:
        return self.first_reminder_day, self.second_reminder_day


def ask_rules() -> AskRules:
    """The saved settings row, or the defaults from the configuration."""
    row = db.session.get(AskSettings, SETTINGS_ID)
    if row is not None:
        return AskRules(row.first_reminder_day, row.second_reminder_day, row.quiet_start,
                        row.quiet_end, row.quiet_weekends)
    config = current_app.config
    first, second = config["PULSE_REMINDER_DAYS"]
    start, end = config["QUIET_HOURS"]
    return AskRules(int(first), int(second), int(start), int(end), bool(config["QUIET_WEEKENDS"]))


def _quiet_at(local: datetime, rules: AskRules) -> bool:
    if rules.quiet_weekends and local.weekday() >= 5:
        return True
    hour = local.hour
    if rules.quiet_start == rules.quiet_end:
        return False
    if rules.quiet_start > rules.quiet_end:  # across midnight, 20 to 8
        return hour >= rules.quiet_start or hour < rules.quiet_end
    return rules.quiet_start <= hour < rules.quiet_end


def held_kind(user: User | None, kind: MessageKind) -> bool:
    """Whether quiet hours apply to this email: a non-urgent one to a client person."""
    return (user is not None and user.role == Role.CLIENT and kind not in URGENT_KINDS
            and bool(current_app.config["QUIET_HOURS_ENABLED"]))


def quiet_until(user: User, now: datetime, rules: AskRules | None = None) -> datetime | None:
    """When quiet hours end for this person if `now` falls in them (in UTC), else None: the
    first quiet_end o'clock local, on a weekday when weekends are quiet."""
    if not current_app.config["QUIET_HOURS_ENABLED"]:
        return None
    rules = rules or ask_rules()
    zone = zone_or_utc(user.effective_timezone)
    local = now.astimezone(zone)
    if not _quiet_at(local, rules):
        return None
    day = local.date()
    if local.time() >= time(rules.quiet_end):
        day += timedelta(days=1)
    while rules.quiet_weekends and day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(rules.quiet_end), tzinfo=zone).astimezone(now.tzinfo)


def describe_hold(user: User, until: datetime) -> str:
    """"held: quiet hours until Mon 08:00 Europe/London"."""
    zone_name = user.effective_timezone or "UTC"
    local = until.astimezone(zone_or_utc(zone_name))
    return f"held: quiet hours until {local:%a %-d %b %H:%M} {zone_name}"
