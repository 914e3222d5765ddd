"""What the project page shows, gathered from the rules of each part of a project."""

from flask import render_template
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, selectinload, undefer

from portal.access import get_project_or_404, sees_internal_notes
from portal.content.client_figures import client_figures
from portal.extensions import db
from portal.projects import track_record
from portal.projects.charts import milestone_drift_chart
from portal.projects.forms import ReplyForm
from portal.projects.funnel import funnel_rows, selection_figures
from portal.projects.models import Milestone, Project, Question, Reply, StatusUpdate
from portal.projects.services import first_answer_time, update_spans
from portal.projects.summary import project_summary, slippage_in_words
from portal.pulses import services as pulses
from portal.web.fragments import client_fragment

# What the project page shows, loaded up front: one JOIN for each single related row and one
# SELECT ... IN for each collection, so a project with 200 updates costs the same statements
# as one with 5 (tests/operations/test_query_counts.py holds it to that). Updates are not among
# them: the page shows the newest UPDATES_SHOWN unless asked for all (recent_updates).
# SHOW_LOADS are for the page around its live part and questions; LIVE_LOADS and
# QUESTION_LOADS only for rendering those, which a client's visit usually finds cached.
SHOW_LOADS = (joinedload(Project.organization), joinedload(Project.closeout),
              undefer(Project.has_candidates))
QUESTION_LOADS = (
    selectinload(Project.questions).joinedload(Question.author),
    selectinload(Project.questions).selectinload(Question.replies).joinedload(Reply.author),
)
LIVE_LOADS = (
    joinedload(Project.contact),
    selectinload(Project.milestones).joinedload(Milestone.owner),
    selectinload(Project.eta_changes),
    selectinload(Project.selection_counts),
)
PAGE_LOADS = SHOW_LOADS + LIVE_LOADS + QUESTION_LOADS


def page_loads() -> tuple:
    """What the current viewer's page loads up front: staff render the live part and the
    threads on every visit, clients seldom (live_part, questions_part)."""
    return PAGE_LOADS if sees_internal_notes(current_user) else SHOW_LOADS


UPDATES_SHOWN = 20
UPDATES_OPEN = 3  # the newest ones shown open; the rest of UPDATES_SHOWN folded away
QUESTIONS_OPEN = 3  # likewise for question threads


def recent_updates(project: Project, *, limit: int | None) -> list[StatusUpdate]:
    """The project's updates, newest first, with their authors; the newest `limit` of them."""
    stmt = (select(StatusUpdate).where(StatusUpdate.project_id == project.id)
            .options(joinedload(StatusUpdate.author))
            .order_by(StatusUpdate.published_at.desc(), StatusUpdate.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


# Where the live part's head (the summary at the top of the page) ends and its body begins:
# the page shows the question box between the two, outside either (a refresh would empty it).
HEAD_END = Markup("<!-- end of the live head -->")


def live_halves(project: Project, *, all_updates: bool) -> tuple[Markup, Markup]:
    """The live part's head (summary, who to call) and body (milestones, updates...)."""
    head, _, body = live_part(project, all_updates=all_updates).partition(HEAD_END)
    return Markup(head), Markup(body)  # noqa: S704 (halves of our own escaped template output)


def live_part(project: Project, *, all_updates: bool) -> Markup:
    """The page's changing part: a client's copy rendered once per project version, staff's
    (internal notes, pulse scores) every time."""

    def render() -> str:
        if "milestones" in inspect(project).unloaded:  # else the page loaded PAGE_LOADS
            get_project_or_404(project.id, *LIVE_LOADS)  # the same object, now with them
        return render_template("projects/_live.html", **live_context(project, all_updates))

    if sees_internal_notes(current_user):
        return Markup(render())  # noqa: S704 (our own template's output, escaped by Jinja)
    return client_fragment(("project", project.id, project.version, all_updates), render)


# Where this session's CSRF token goes in a cached copy of the threads. A comment cannot come
# from what users write: their Markdown is rendered without raw HTML and nh3 drops comments.
CSRF_SLOT = Markup("<!-- csrf token -->")


def questions_part(project: Project, reply_form: ReplyForm) -> Markup:
    """The question threads with their reply forms: a client's copy rendered once per project
    version (asking or replying changes it), this session's CSRF token put in afterwards."""

    def render() -> str:
        if "questions" in inspect(project).unloaded:  # else the page loaded PAGE_LOADS
            get_project_or_404(project.id, *QUESTION_LOADS)
        return render_template("projects/_questions.html", project=project,
                               reply_form=reply_form, reply_csrf=CSRF_SLOT,
                               questions_open=QUESTIONS_OPEN)

    blank = not reply_form.errors and not reply_form.body.data
    if sees_internal_notes(current_user) or not blank:
        html = Markup(render())  # noqa: S704 (our own template's output, escaped by Jinja)
    else:
        html = client_fragment(("questions", project.id, project.version), render)
    return html.replace(CSRF_SLOT, reply_form.csrf_token())


def live_context(project: Project, all_updates: bool) -> dict:
    """Everything the live part shows, computed once: track record, rhythm and chart.

    A long history shows its newest UPDATES_SHOWN updates and a link to all of them.
    """
    span = update_spans([project.id])[project.id]
    updates = recent_updates(project, limit=None if all_updates else UPDATES_SHOWN)
    return {
        "project": project,
        "summary": project_summary(project, latest=updates[0] if updates else None,
                                   last_update_at=span.last),
        "head_end": HEAD_END,
        "updates": updates,
        "updates_open": UPDATES_OPEN,
        "updates_total": span.count,
        "all_updates": all_updates,
        "promises": track_record.promises_kept([project]),
        "rhythm": track_record.update_rhythm([(span, project.update_cadence_days)]),
        "last_update_at": span.last,
        "drift_chart": milestone_drift_chart(project.milestones),
        "slippage_words": slippage_in_words(project),
        "funnel": funnel_rows(project),
        "selection": selection_figures(project),
        "first_promised": track_record.first_promised(project),
        "first_answer": first_answer_time([project.id]),
        "client_zone": project.organization.timezone,
        "delivered": track_record.project_delivered(project),
        "promise_notice_days": track_record.PROMISE_NOTICE_DAYS,
        "shown": client_figures(),
        "update_scores": pulses.scores_by_update(project) if sees_internal_notes(current_user)
        else {},
    }


def live_version(project_id: int, version: int) -> str:
    """The project page's ETag: it changes with every change a client can see.

    Staff see more (internal notes), so their copy carries a different tag.
    """
    audience = "s" if sees_internal_notes(current_user) else "c"
    return f"p{project_id}-v{version}-{audience}"
