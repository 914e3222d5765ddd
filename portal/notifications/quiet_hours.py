"""Quiet hours: a non-urgent email to a client person waits, as a pending outbox row, until
the morning in the person's timezone (their own, else their organisation's)."""

from dataclasses import astuple, dataclass
from datetime import datetime, time, timedelta

from flask import current_app

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.concurrency import check_version, edit_version, lock_table
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


class SettingsError(ValueError):
    """Settings refused; the message is for the admin at the form, `field` says where."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def rules_version(rules: AskRules) -> str:
    """The version of what the settings form shows: every setting."""
    return edit_version(*astuple(rules))


def update_ask_rules(*, first_reminder_day: int, second_reminder_day: int, quiet_start: int,
                     quiet_end: int, quiet_weekends: bool, by: User | None,
                     seen: str | None = None) -> AskRules:
    """Save the reminder days and quiet hours; refused (nothing changed) when the reminders
    are out of order or would fall after a pulse can no longer be answered."""
    days = int(current_app.config["PULSE_ANSWER_DAYS"])
    if not 1 <= first_reminder_day < second_reminder_day < days:
        raise SettingsError(f"Give two days from 1 to {days - 1}, the second after the first: "
                            f"a pulse can be answered for {days} days.",
                            field="second_reminder_day")
    if not (0 <= quiet_start <= 23 and 0 <= quiet_end <= 23):
        raise SettingsError("Give hours from 0 to 23.", field="quiet_start")
    lock_table(AskSettings)  # two first saves would both insert the one row
    check_version(seen, rules_version(ask_rules()))
    row = db.session.get(AskSettings, SETTINGS_ID, populate_existing=True)
    if row is None:
        row = AskSettings(id=SETTINGS_ID)
        db.session.add(row)
    row.first_reminder_day, row.second_reminder_day = first_reminder_day, second_reminder_day
    row.quiet_start, row.quiet_end, row.quiet_weekends = quiet_start, quiet_end, quiet_weekends
    db.session.flush()
    rules = ask_rules()
    audit.record("asks.settings_changed", actor=by, target=row, summary=describe_rules(rules))
    return rules


def describe_rules(rules: AskRules) -> str:
    """The settings in one sentence, as the admin page and the audit log say them."""
    quiet = (f"quiet {rules.quiet_start:02d}:00–{rules.quiet_end:02d}:00"
             if rules.quiet_start != rules.quiet_end else "no quiet hours on weekdays")
    weekends = " and weekends" if rules.quiet_weekends else ""
    return (f"reminders on days {rules.first_reminder_day} and {rules.second_reminder_day}; "
            f"{quiet}{weekends}, in each person's timezone")
