"""The connection metrics, each a plain function of the data as of a moment (selection fit in
portal.health.selection_fit).

Every function takes the accounts' ids and `as_of` (an aware datetime) and counts only what
had happened before it, so a backfill recomputes a past week exactly. Each returns, per
account, a MetricResult with its raw inputs in words; without enough data the result has no
score and says why. Counting is done by grouped SQL aggregates over all the accounts at once
(promises kept too: portal.health.deliveries); where a rule needs an order or a median
(recovery, responsiveness) only the few columns it needs are loaded.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.auth.services import active_at
from portal.db import zone_or_utc
from portal.extensions import db
from portal.health import contact_metrics, deliveries
from portal.health.models import Metric
from portal.health.scoring import (
    HealthConfig,
    HealthScore,
    MetricResult,
    clamp_score,
    combine,
    not_enough_data,
)
from portal.health.selection_fit import selection_fit
from portal.plain_text import counted
from portal.projects import track_record
from portal.projects.models import Project, ProjectStatus, Question, StatusUpdate
from portal.pulses import history as pulse_history
from portal.pulses.models import PulseAnswer, PulseRequest, Scale
from portal.pulses.reports import SATISFACTION
from portal.web.numbers import decimals, signed, tidy

MIN_ANSWERS = 3  # pulse answers (or questions, or deliveries) below which a metric is left out
CSAT_DAYS, NPS_DAYS, CES_DAYS = 90, 180, 90
HALF_LIFE_DAYS = 30
ENGAGEMENT_DAYS = 30
RECOVERY_DAYS = 180
RECOVERY_TARGET_DAYS, RECOVERY_ZERO_DAYS = 14, 56
RESPONSE_DAYS = 90
RESPONSE_ZERO_FACTOR = 4  # a median this many times the target scores 0
TROUBLED = (ProjectStatus.AT_RISK, ProjectStatus.BLOCKED)

Results = dict[int, MetricResult]


def _fmt(value: float) -> str:
    """A number as the explanation shows it: whole when whole, else one decimal (half up)."""
    return tidy(value)


def recency_weight(week: int) -> float:
    """The weight of an answer `week` whole weeks old: it halves every HALF_LIFE_DAYS days."""
    return 0.5 ** (7 * week / HALF_LIFE_DAYS)


@dataclass(frozen=True)
class PulseFigures:
    """One account's pulse answers in the windows the pulse metrics use."""

    csat_n: int = 0
    csat_top: int = 0
    csat_weight: float = 0.0
    csat_weight_top: float = 0.0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    ces_n: int = 0
    ces_sum: int = 0


def pulse_figures(organization_ids: list[int], as_of: datetime) -> dict[int, PulseFigures]:
    """CSAT (recency-weighted), NPS and CES counts per account, in one grouped query; each
    answer dated when first given, with its score as it stood at `as_of`."""
    answered = PulseAnswer.answered_at
    score = pulse_history.score_as_of(as_of)
    weeks = -(-CSAT_DAYS // 7)
    weight = case(
        *[(answered >= as_of - timedelta(days=7 * (k + 1)), recency_weight(k))
          for k in range(weeks)], else_=0.0,
    )
    is_csat = and_(PulseAnswer.scale == Scale.CSAT,
                   answered >= as_of - timedelta(days=CSAT_DAYS))
    is_ces = and_(PulseAnswer.scale == Scale.CES, answered >= as_of - timedelta(days=CES_DAYS))
    is_nps = PulseAnswer.scale == Scale.NPS
    top = score >= 4

    def total(condition, value=1):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    rows = db.session.execute(
        select(
            PulseRequest.organization_id,
            total(is_csat), total(and_(is_csat, top)),
            total(is_csat, weight), total(and_(is_csat, top), weight),
            total(is_nps), total(and_(is_nps, score >= 9)),
            total(and_(is_nps, score <= 6)),
            total(is_ces), total(is_ces, score),
        )
        .select_from(PulseAnswer).join(PulseRequest)
        .where(PulseRequest.organization_id.in_(organization_ids),
               SATISFACTION,  # check-ins are counted in selection fit instead
               answered >= as_of - timedelta(days=max(CSAT_DAYS, NPS_DAYS, CES_DAYS)),
               answered < as_of)
        .group_by(PulseRequest.organization_id)
    )
    figures = {}
    for org_id, *values in rows:
        csat_n, csat_top, csat_w, csat_wtop, nps_n, pro, det, ces_n, ces_sum = values
        figures[org_id] = PulseFigures(int(csat_n), int(csat_top), float(csat_w),
                                       float(csat_wtop), int(nps_n), int(pro), int(det),
                                       int(ces_n), int(ces_sum))
    return figures


def satisfaction_of(f: PulseFigures) -> MetricResult:
    """CSAT: the recency-weighted share of 4-5 answers over the last 90 days."""
    m = Metric.SATISFACTION
    if f.csat_n < MIN_ANSWERS:
        return not_enough_data(m, f"{counted(f.csat_n, 'CSAT answer')} in {CSAT_DAYS} days "
                                  f"(needs {MIN_ANSWERS})")
    share = 100 * f.csat_weight_top / f.csat_weight
    return MetricResult(m, clamp_score(share), (
        f"CSAT {_fmt(share)}% from {f.csat_n} answers in the last {CSAT_DAYS} days "
        f"({f.csat_top} of them 4–5; an answer counts half as much every {HALF_LIFE_DAYS} "
        f"days, by whole weeks)"))


def loyalty_of(f: PulseFigures) -> MetricResult:
    """NPS over the last 180 days, mapped from -100..100 to 0..100."""
    m = Metric.LOYALTY
    if f.nps_n < MIN_ANSWERS:
        return not_enough_data(m, f"{counted(f.nps_n, 'NPS answer')} in {NPS_DAYS} days "
                                  f"(needs {MIN_ANSWERS})")
    nps = Fraction(100 * (f.promoters - f.detractors), f.nps_n)
    return MetricResult(m, clamp_score((nps + 100) / 2), (
        f"NPS {signed(nps)} from {f.nps_n} answers in the last {NPS_DAYS} days "
        f"({counted(f.promoters, 'promoter')}, {counted(f.detractors, 'detractor')}; NPS = % "
        f"promoters 9–10 minus % detractors 0–6); (NPS + 100) / 2"))


def effort_of(f: PulseFigures) -> MetricResult:
    """CES over the last 90 days: the mean on 1..7 (7 easiest) mapped to 0..100."""
    m = Metric.EFFORT
    if f.ces_n < MIN_ANSWERS:
        return not_enough_data(m, f"{counted(f.ces_n, 'CES answer')} in {CES_DAYS} days "
                                  f"(needs {MIN_ANSWERS})")
    mean = Fraction(f.ces_sum, f.ces_n)
    return MetricResult(m, clamp_score(100 * (mean - 1) / 6), (
        f"CES mean {decimals(mean, 2)} of 7 (7 easiest) from {f.ces_n} answers in the last "
        f"{CES_DAYS} days; (mean − 1) / 6"))


def _by_account(organization_ids: list[int], per_account: Callable[[PulseFigures], MetricResult],
                figures: dict[int, PulseFigures]) -> Results:
    return {org: per_account(figures.get(org, PulseFigures())) for org in organization_ids}


def satisfaction(organization_ids: list[int], as_of: datetime) -> Results:
    """Satisfaction per account (CSAT, last 90 days, recent answers weighing more)."""
    return _by_account(organization_ids, satisfaction_of, pulse_figures(organization_ids, as_of))


def loyalty(organization_ids: list[int], as_of: datetime) -> Results:
    """Loyalty per account (NPS, last 180 days)."""
    return _by_account(organization_ids, loyalty_of, pulse_figures(organization_ids, as_of))


def effort(organization_ids: list[int], as_of: datetime) -> Results:
    """Effort per account (CES, last 90 days)."""
    return _by_account(organization_ids, effort_of, pulse_figures(organization_ids, as_of))


def promises(organization_ids: list[int], as_of: datetime) -> Results:
    """Promises kept: deliveries before `as_of` on or before the date given 7+ days ahead,
    by the client page's own definition (portal.projects.track_record)."""
    results = {}
    notice = track_record.PROMISE_NOTICE_DAYS
    for org, kept in deliveries.promises_before(organization_ids, as_of.date()).items():
        if kept.count < MIN_ANSWERS:
            results[org] = not_enough_data(
                Metric.PROMISES, f"{kept.count} milestones or projects delivered "
                                 f"(needs {MIN_ANSWERS})")
            continue
        results[org] = MetricResult(Metric.PROMISES, clamp_score(
            Fraction(100 * kept.kept_with_notice, kept.count)), (
            f"{kept.kept_with_notice} of {kept.count} delivered by the date given {notice}+ days "
            f"ahead ({kept.kept_first} by the first date promised), of the milestones and "
            f"projects delivered before {as_of:%-d %b %Y} (UTC); the date given ahead is the "
            f"last ETA given on a day at least {notice} days before delivery, in the account's "
            f"timezone"))
    return results


def _update_due(started_on: date | None, last_update: datetime | None, cadence_days: int,
                zone: ZoneInfo) -> date | None:
    """The rule of projects.summary.next_update_due, for a project open at `as_of` that may
    have closed since: the day of the last update where the client is (or the start) plus the
    promised cadence."""
    start = last_update.astimezone(zone).date() if last_update else started_on
    return start + timedelta(days=cadence_days) if start else None


def communication(organization_ids: list[int], as_of: datetime) -> Results:
    """The promised update cadence on the projects open at `as_of`: on time scores 100, and a
    late project loses points in proportion, down to 0 a whole cadence late. Days are the
    client's, as on their pages (the organisation's timezone)."""
    # Per open project, through the index on (project, published): not every update grouped.
    last = (select(func.max(StatusUpdate.published_at))
            .where(StatusUpdate.project_id == Project.id, StatusUpdate.published_at < as_of)
            .scalar_subquery())
    rows = db.session.execute(
        select(Project.organization_id, Organization.timezone, Project.name, Project.started_on,
               Project.closed_on, Project.update_cadence_days, last)
        .join(Organization, Organization.id == Project.organization_id)
        .where(Project.organization_id.in_(organization_ids), Project.started_on.is_not(None),
               # A day where the client is lies within a day of the UTC one; exact below.
               Project.started_on <= as_of.date() + timedelta(days=1),
               or_(Project.closed_on.is_(None),
                   Project.closed_on >= as_of.date() - timedelta(days=1)))
        .order_by(Project.organization_id, Project.name)
    ).all()
    by_org: dict[int, list] = {org: [] for org in organization_ids}
    zones: dict[int, str] = {}
    for org, zone_name, name, started_on, closed_on, cadence, last_at in rows:
        zone, zones[org] = zone_or_utc(zone_name), zone_name
        day = as_of.astimezone(zone).date()
        if started_on >= day or (closed_on is not None and closed_on < day):
            continue  # not open on the client's day at `as_of`
        due = _update_due(started_on, last_at, cadence, zone)
        late = max(0, (day - due).days)
        score = max(Fraction(0), 100 * (1 - Fraction(late, cadence)))
        by_org[org].append((name, cadence, late, score))
    results = {}
    for org, projects in by_org.items():
        if not projects:
            results[org] = not_enough_data(Metric.COMMUNICATION, "no open project")
            continue
        on_time = sum(1 for _, _, late, _ in projects if not late)
        mean = sum(s for *_, s in projects) / len(projects)
        late_words = "; ".join(f"{name} {counted(late, 'day')} late "
                               f"(every {counted(cadence, 'day')}) → {_fmt(s)}"
                               for name, cadence, late, s in projects if late)
        results[org] = MetricResult(Metric.COMMUNICATION, clamp_score(mean), (
            f"{on_time} of {len(projects)} open projects on their promised update rhythm"
            + (f"; {late_words}" if late_words else "")
            + f"; on time scores 100, a whole cadence late 0; mean of the projects; days in "
              f"{zones[org]}"))
    return results


def recovery_score(days: float) -> float:
    """100 back on track within 14 days, falling linearly to 0 at 56 days."""
    if days <= RECOVERY_TARGET_DAYS:
        return 100.0
    span = RECOVERY_ZERO_DAYS - RECOVERY_TARGET_DAYS
    return max(0.0, 100 * (RECOVERY_ZERO_DAYS - days) / span)


@dataclass(frozen=True)
class Episode:
    """A project's time at risk or blocked: from its first troubled update in the window to the
    next update back on track, or still open at `as_of`."""

    project: str
    status: ProjectStatus
    began: datetime
    ended: datetime | None
    days: float

    @property
    def counted(self) -> bool:
        """A closed episode always counts; an open one once it has outlasted the target."""
        return self.ended is not None or self.days > RECOVERY_TARGET_DAYS

    @property
    def unit(self) -> str:
        return "day" if _fmt(self.days) == "1" else "days"

    def words(self) -> str:
        """The episode in the explanation: what, when, how long, and whether it counts."""
        what = f"{self.project} {self.status.label.lower()} from {self.began:%-d %b}"
        if self.ended is not None:
            score = recovery_score(self.days)
            return (f"{what}, back on track {self.ended:%-d %b} after {_fmt(self.days)} "
                    f"{self.unit} → {_fmt(score)}")
        if self.counted:
            return (f"{what}, still open after {_fmt(self.days)} {self.unit} → "
                    f"{_fmt(recovery_score(self.days))}")
        return (f"{what}, still open after {_fmt(self.days)} {self.unit}: not counted yet (an "
                f"open episode counts once it passes {RECOVERY_TARGET_DAYS} days)")


def _episodes(rows, as_of: datetime) -> dict[int, list[Episode]]:
    """Per account, the episodes read from the projects' updates (ordered by project, time)."""
    found: dict[int, list[Episode]] = {}
    since: dict[int, tuple[int, str, ProjectStatus, datetime]] = {}
    for org, project_id, name, status, at in rows:
        if status in TROUBLED:
            since.setdefault(project_id, (org, name, status, at))
        elif project_id in since:
            _, _, began_as, began = since.pop(project_id)
            days = (at - began).total_seconds() / 86400
            found.setdefault(org, []).append(Episode(name, began_as, began, at, days))
    for org, name, status, began in since.values():
        days = (as_of - began).total_seconds() / 86400
        found.setdefault(org, []).append(Episode(name, status, began, None, days))
    return found


def _recovery_of(found: list[Episode]) -> MetricResult:
    """The mean recovery score of the counted episodes, naming every episode."""
    kept = [e for e in found if e.counted]
    times = "1 time" if len(found) == 1 else f"{len(found)} times"
    head = (f"{times} at risk or blocked in the last {RECOVERY_DAYS} days (episodes beginning "
            f"in the window; dates UTC), {len(kept)} counted: "
            + "; ".join(e.words() for e in found))
    if not kept:
        return not_enough_data(Metric.RECOVERY, head)
    scores = [recovery_score(e.days) for e in kept]
    return MetricResult(Metric.RECOVERY, clamp_score(sum(scores) / len(scores)), (
        f"{head}. Each counted episode scores 100 back within {RECOVERY_TARGET_DAYS} days, "
        f"falling to 0 at {RECOVERY_ZERO_DAYS}; mean of the {len(kept)} counted"))


def recovery(organization_ids: list[int], as_of: datetime) -> Results:
    """How fast projects went from at risk or blocked back to on track (last 180 days). A
    project still in trouble counts once it has been so longer than the 14-day target; every
    episode is named in the explanation, counted or not."""
    in_window = and_(StatusUpdate.published_at >= as_of - timedelta(days=RECOVERY_DAYS),
                     StatusUpdate.published_at < as_of)
    # Only a project with a troubled update in the window can have an episode: the others'
    # updates are not loaded at all.
    troubled = select(StatusUpdate.project_id).where(in_window,
                                                     StatusUpdate.status.in_(TROUBLED))
    rows = db.session.execute(
        select(Project.organization_id, StatusUpdate.project_id, Project.name,
               StatusUpdate.status, StatusUpdate.published_at)
        .join(Project, Project.id == StatusUpdate.project_id)
        .where(Project.organization_id.in_(organization_ids), in_window,
               StatusUpdate.project_id.in_(troubled))
        .order_by(StatusUpdate.project_id, StatusUpdate.published_at)
    ).all()
    episodes = _episodes(rows, as_of)
    return {org: _recovery_of(episodes[org]) if org in episodes else not_enough_data(
        Metric.RECOVERY, f"no project at risk or blocked in the last {RECOVERY_DAYS} days")
        for org in organization_ids}


def engagement(organization_ids: list[int], as_of: datetime) -> Results:
    """Pulse response rate and the share of client users who signed in, last 30 days; the mean
    of the two (sign-ins alone when fewer than 3 pulses were sent). Both count the client
    users active at `as_of` (a later deactivation changes no past week), and only the pulses
    sent to them."""
    start = as_of - timedelta(days=ENGAGEMENT_DAYS)
    client_then = and_(User.role == Role.CLIENT, active_at(as_of))
    sent = {org: (n, answered) for org, n, answered in db.session.execute(
        select(PulseRequest.organization_id, func.count(),
               func.coalesce(func.sum(case((PulseRequest.answered_at < as_of, 1), else_=0)), 0))
        .join(User, User.id == PulseRequest.user_id)
        .where(PulseRequest.organization_id.in_(organization_ids),
               PulseRequest.sent_at >= start, PulseRequest.sent_at < as_of, client_then)
        .group_by(PulseRequest.organization_id))}
    users = dict(db.session.execute(
        select(User.organization_id, func.count())
        .where(User.organization_id.in_(organization_ids), client_then)
        .group_by(User.organization_id)).all())
    signed_in = dict(db.session.execute(
        select(AuditEvent.organization_id, func.count(func.distinct(AuditEvent.actor_id)))
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.organization_id.in_(organization_ids),
               AuditEvent.action == "auth.signed_in", client_then, AuditEvent.created_at >= start,
               AuditEvent.created_at < as_of)
        .group_by(AuditEvent.organization_id)).all())
    results = {}
    for org in organization_ids:
        clients = users.get(org, 0)
        if not clients:
            results[org] = not_enough_data(Metric.ENGAGEMENT, "no active client users")
            continue
        logins = min(signed_in.get(org, 0), clients)
        login_share = Fraction(100 * logins, clients)
        words = f"{logins} of {clients} client users signed in ({_fmt(login_share)}%)"
        n, answered = sent.get(org, (0, 0))
        if n >= MIN_ANSWERS:
            rate = Fraction(100 * int(answered), n)
            score = (rate + login_share) / 2
            words = (f"{answered} of {n} pulses answered ({_fmt(rate)}%); {words}; "
                     f"mean of the two")
        else:
            score = login_share
            words += (f"; {counted(n, 'pulse')} sent "
                      f"(needs {MIN_ANSWERS} to count the response rate)")
        results[org] = MetricResult(Metric.ENGAGEMENT, clamp_score(score),
                                    f"In the last {ENGAGEMENT_DAYS} days: {words}")
    return results


def working_days_between(start: datetime, end: datetime) -> float:
    """Time from start to end counting only Monday to Friday (UTC), in days."""
    seconds = 0.0
    cursor = start
    while cursor < end:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), time(),
                                    tzinfo=cursor.tzinfo)
        stop = min(end, midnight)
        if cursor.weekday() < 5:
            seconds += (stop - cursor).total_seconds()
        cursor = stop
    return seconds / 86400


def responsiveness_score(median_days: float, target_days: int) -> float:
    """100 at or under the target, falling linearly to 0 at four times the target."""
    if median_days <= target_days:
        return 100.0
    zero = RESPONSE_ZERO_FACTOR * target_days
    return max(0.0, 100 * (zero - median_days) / (zero - target_days))


def responsiveness(organization_ids: list[int], as_of: datetime, *,
                   target_days: int = 1) -> Results:
    """Median working days to a first answer on the questions asked in the last 90 days; one
    still waiting counts with the time it has waited so far."""
    rows = db.session.execute(
        select(Project.organization_id, Question.asked_at, Question.first_answered_at)
        .join(Project, Project.id == Question.project_id)
        .where(Project.organization_id.in_(organization_ids),
               Question.asked_at >= as_of - timedelta(days=RESPONSE_DAYS),
               Question.asked_at < as_of)
    ).all()
    waits: dict[int, list[float]] = {org: [] for org in organization_ids}
    waiting: dict[int, int] = {}
    for org, asked, answered in rows:
        end = answered if answered is not None and answered < as_of else as_of
        waits[org].append(working_days_between(asked, end))
        if end == as_of:
            waiting[org] = waiting.get(org, 0) + 1
    results = {}
    for org, found in waits.items():
        if len(found) < MIN_ANSWERS:
            results[org] = not_enough_data(
                Metric.RESPONSIVENESS, f"{counted(len(found), 'client question')} in "
                                       f"{RESPONSE_DAYS} days (needs {MIN_ANSWERS})")
            continue
        mid = median(found)
        score = responsiveness_score(mid, target_days)
        results[org] = MetricResult(Metric.RESPONSIVENESS, clamp_score(score), (
            f"Median {decimals(mid, 2)} working days to a first answer over {len(found)} "
            f"questions in the last {RESPONSE_DAYS} days ({waiting.get(org, 0)} of them "
            f"unanswered, counted with their wait so far; working days are Monday to Friday, "
            f"UTC); target {target_days} (100), {RESPONSE_ZERO_FACTOR * target_days} or more "
            f"scores 0"))
    return results


def compute(organization_ids: list[int], as_of: datetime,
            config: HealthConfig) -> dict[int, HealthScore]:
    """Every active metric for every given account as of a moment, combined into scores."""
    if not organization_ids:
        return {}
    active = set(config.active)
    per_metric: dict[Metric, Results] = {}
    if active & {Metric.SATISFACTION, Metric.LOYALTY, Metric.EFFORT}:
        figures = pulse_figures(organization_ids, as_of)
        for metric, of in ((Metric.SATISFACTION, satisfaction_of), (Metric.LOYALTY, loyalty_of),
                           (Metric.EFFORT, effort_of)):
            if metric in active:
                per_metric[metric] = _by_account(organization_ids, of, figures)
    others = {Metric.PROMISES: promises, Metric.COMMUNICATION: communication,
              Metric.RECOVERY: recovery, Metric.ENGAGEMENT: engagement,
              Metric.SELECTION_FIT: selection_fit}
    for metric, function in others.items():
        if metric in active:
            per_metric[metric] = function(organization_ids, as_of)
    if Metric.RESPONSIVENESS in active:
        per_metric[Metric.RESPONSIVENESS] = responsiveness(
            organization_ids, as_of, target_days=config.response_target_days)
    # --- touchpoints and values pulses (#18) ---
    if Metric.CONTACT_RECENCY in active:
        per_metric[Metric.CONTACT_RECENCY] = contact_metrics.contact_recency(
            organization_ids, as_of, target_days=config.contact_target_days)
    if Metric.VALUES_LIVED in active:
        per_metric[Metric.VALUES_LIVED] = contact_metrics.values_lived(organization_ids, as_of)
    # --- end #18 ---
    return {
        org: combine([per_metric[m][org] for m in config.active], config.weights)
        for org in organization_ids
    }
