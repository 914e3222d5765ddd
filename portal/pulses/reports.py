"""Pulse reports for staff: CSAT, NPS, CES, response rate and trends, computed in SQL."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import Select, case, func, select

from portal.accounts.models import Organization
from portal.db import local_today, zone_or_utc
from portal.extensions import db
from portal.projects.models import Project
from portal.pulses.models import (
    PulseAnswer,
    PulseQuestion,
    PulseRequest,
    Scale,
    Trigger,
    answer_kind,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The pulses CSAT, NPS, CES and response rates count: all but placement check-ins, which ask
# about the placed person rather than the firm's service (the Selection fit metric counts them).
SATISFACTION = PulseRequest.trigger != Trigger.CHECK_IN


@dataclass(frozen=True)
class Scope:
    """Which answers a report covers: a date range, and optionally one account or project. The
    days run midnight to midnight in `zone`: the client's timezone when the report is about one
    account, so a client's 30 November is the client's (the page says which)."""

    since: date
    until: date
    organization_id: int | None = None
    project_id: int | None = None
    zone: str = "UTC"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), tzinfo=zone_or_utc(self.zone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time(),
                                tzinfo=zone_or_utc(self.zone))


DEFAULT_DAYS = 180  # a report without dates covers this many days up to today


def scope_for(*, since: date | None, until: date | None, organization_id: int | None,
              project_id: int | None) -> Scope:
    """A report's scope from its filters: one account's days are its own (its timezone), the
    whole firm's UTC days; without dates, the last DEFAULT_DAYS days up to today."""
    account = db.session.get(Organization, organization_id) if organization_id else None
    zone = account.timezone if account else "UTC"
    today = local_today(zone)
    return Scope(since=since or today - timedelta(days=DEFAULT_DAYS), until=until or today,
                 organization_id=organization_id, project_id=project_id, zone=zone)


def share(part: int, whole: int) -> Fraction | None:
    """`part` of `whole` exactly (rounded only when shown); None when there is no whole."""
    return Fraction(part, whole) if whole else None


def net_promoter(promoters: int, detractors: int, answers: int) -> Fraction | None:
    """NPS: % promoters (9-10) minus % detractors (0-6), exactly; None without answers."""
    return Fraction(100 * (promoters - detractors), answers) if answers else None


@dataclass(frozen=True)
class Figures:
    """The headline counts, and the figures from them as exact fractions (None where there
    were no answers of that kind): pages round them once, by portal.web.numbers."""

    answers: int
    csat_answers: int
    csat_satisfied: int  # answers of 4-5 on 1-5
    nps_answers: int
    promoters: int  # 9-10 on 0-10
    detractors: int  # 0-6
    ces_answers: int
    ces_total: int  # the sum of the CES answers, 1-7
    sent: int
    answered: int

    @property
    def csat_share(self) -> Fraction | None:
        return share(self.csat_satisfied, self.csat_answers)

    @property
    def nps(self) -> Fraction | None:
        return net_promoter(self.promoters, self.detractors, self.nps_answers)

    @property
    def ces_mean(self) -> Fraction | None:
        return share(self.ces_total, self.ces_answers)

    @property
    def response_rate(self) -> Fraction | None:
        return share(self.answered, self.sent)


def _scoped(stmt: Select, scope: Scope, moment) -> Select:
    stmt = stmt.where(moment >= scope.start, moment < scope.end)
    if scope.organization_id:
        stmt = stmt.where(PulseRequest.organization_id == scope.organization_id)
    if scope.project_id:
        stmt = stmt.where(PulseRequest.project_id == scope.project_id)
    return stmt


def _counts(scale: Scale, condition=None):
    match = PulseAnswer.scale == scale
    if condition is not None:
        match = match & condition
    return func.coalesce(func.sum(case((match, 1), else_=0)), 0)


def figures(scope: Scope) -> Figures:
    """CSAT, NPS and CES over the scope's answers, and its response rate, in two queries;
    check-ins are in none of them."""
    row = db.session.execute(_scoped(select(
        func.count(PulseAnswer.id),
        _counts(Scale.CSAT), _counts(Scale.CSAT, PulseAnswer.score >= 4),
        _counts(Scale.NPS), _counts(Scale.NPS, PulseAnswer.score >= 9),
        _counts(Scale.NPS, PulseAnswer.score <= 6),
        _counts(Scale.CES),
        func.coalesce(func.sum(case((PulseAnswer.scale == Scale.CES, PulseAnswer.score))), 0),
    ).select_from(PulseAnswer).join(PulseRequest).where(SATISFACTION), scope,
        PulseAnswer.answered_at)).one()
    sent, answered = db.session.execute(_scoped(select(
        func.count(PulseRequest.id),
        func.coalesce(func.sum(case((PulseRequest.answered_at.is_not(None), 1), else_=0)), 0),
    ).where(SATISFACTION), scope, PulseRequest.sent_at)).one()
    return Figures(*(int(value) for value in row), sent=int(sent), answered=int(answered))


def _month(column, zone: str):
    """The month of a moment in a timezone, 'YYYY-MM' (SQLite: portal.db's local_date)."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(zone_or_utc(zone).key, column), "YYYY-MM")
    return func.substr(func.local_date(column, zone_or_utc(zone).key), 1, 7)


def monthly_trend(scope: Scope) -> list[tuple[str, Fraction | None, Fraction | None]]:
    """Per month: CSAT share of 4-5 and NPS, for the trend chart (check-ins not counted)."""
    month = _month(PulseAnswer.answered_at, scope.zone).label("month")
    rows = db.session.execute(_scoped(select(
        month, _counts(Scale.CSAT), _counts(Scale.CSAT, PulseAnswer.score >= 4),
        _counts(Scale.NPS), _counts(Scale.NPS, PulseAnswer.score >= 9),
        _counts(Scale.NPS, PulseAnswer.score <= 6),
    ).select_from(PulseAnswer).join(PulseRequest).where(SATISFACTION), scope,
        PulseAnswer.answered_at).group_by(month).order_by(month))
    return [(m, share(int(top), int(n)), net_promoter(int(pro), int(det), int(nn)))
            for m, n, top, nn, pro, det in rows]


def comments(scope: Scope, limit: int = 50) -> list[tuple[datetime, str, str, int, str]]:
    """The newest comments in the scope, with their account, kind ("CSAT", "Check-in") and
    score."""
    rows = db.session.execute(_scoped(
        select(PulseAnswer.answered_at, Organization.name, PulseRequest.trigger,
               PulseAnswer.scale, PulseAnswer.score, PulseAnswer.comment)
        .select_from(PulseAnswer).join(PulseRequest)
        .join(Organization, Organization.id == PulseRequest.organization_id)
        .where(PulseAnswer.comment.is_not(None)), scope, PulseAnswer.answered_at,
    ).order_by(PulseAnswer.answered_at.desc()).limit(limit))
    return [(answered_at, account, answer_kind(trigger, scale), score, comment)
            for answered_at, account, trigger, scale, score, comment in rows]


def _cell(value) -> str:
    """A CSV cell a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _scale(trigger: Trigger, scale: Scale) -> str:
    return Trigger.CHECK_IN.value if trigger == Trigger.CHECK_IN else scale.value


def answers_csv(scope: Scope) -> str:
    """One row per answer, UTF-8, injection-safe; a check-in's scale reads "check_in", so that
    no spreadsheet sums it with the CSAT answers."""
    rows = db.session.execute(_scoped(
        select(PulseAnswer.answered_at, Organization.name, Project.name, PulseRequest.trigger,
               PulseAnswer.scale, PulseQuestion.prompt, PulseAnswer.score, PulseAnswer.comment)
        .select_from(PulseAnswer).join(PulseRequest).join(PulseQuestion)
        .join(Organization, Organization.id == PulseRequest.organization_id)
        .outerjoin(Project, Project.id == PulseRequest.project_id),
        scope, PulseAnswer.answered_at,
    ).order_by(PulseAnswer.answered_at))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["answered_at", "account", "project", "trigger", "scale", "question",
                     "score", "comment"])
    for answered_at, account, project, trigger, scale, prompt, score, comment in rows:
        writer.writerow([_cell(v) for v in (answered_at.isoformat(), account, project,
                                            trigger.value, _scale(trigger, scale), prompt,
                                            score, comment)])
    return out.getvalue()
