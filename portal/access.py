"""The one place that says who sees what. Views load objects through these helpers."""

from collections.abc import Callable
from functools import cache, wraps

from flask import Flask, abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.interfaces import ORMOption

from portal.accounts.models import Organization
from portal.auth.models import User
from portal.auth.sessions import recent_sign_in_required
from portal.closeout.models import Closeout
from portal.extensions import db
from portal.projects.models import Milestone, Project, Question, StatusUpdate
from portal.pulses.models import FollowUp, PulseRequest
from portal.selection.models import Candidate, CandidateDecision, RejectionReason, ShortlistEntry


def _not_archived() -> ColumnElement[bool]:
    """A project clients still see: neither it nor its account is archived (staff still open
    archived ones, to read them and restore them)."""
    archived_accounts = select(Organization.id).where(Organization.archived_at.is_not(None))
    return and_(Project.archived_at.is_(None),
                Project.organization_id.not_in(archived_accounts.scalar_subquery()))


def visible_projects(user: User) -> Select[tuple[Project]]:
    """Every project this user may see: staff see all, a client only its organisation's
    projects that are not archived (an archived one is 404 to them, like another's)."""
    stmt = select(Project)
    if not user.is_staff:
        stmt = stmt.where(Project.organization_id == user.organization_id, _not_archived())
    return stmt


def visible_organizations(user: User) -> Select[tuple[Organization]]:
    """Every organisation this user may see: staff see all, a client only its own."""
    stmt = select(Organization)
    if not user.is_staff:
        stmt = stmt.where(Organization.id == user.organization_id)
    return stmt


def get_project_or_404(project_id: int, *options: ORMOption) -> Project:
    """The project if the current user may see it; 404 otherwise, never 403.

    `options` are loader options (eager loads) for pages that show much of the project.
    """
    stmt = visible_projects(current_user).where(Project.id == project_id).options(*options)
    return db.session.scalars(stmt).unique().one_or_none() or abort(404)


@cache
def _project_version(*, of_organization: bool) -> Select[tuple[int]]:
    """visible_projects() down to one project's version, built once: the live 304's query."""
    stmt = select(Project.version).where(Project.id == bindparam("project_id"))
    if of_organization:
        stmt = stmt.where(Project.organization_id == bindparam("organization_id"),
                          _not_archived())
    return stmt


def get_project_version_or_404(project_id: int) -> int:
    """The version of a project the current user may see; 404 otherwise. All a live 304 needs."""
    stmt = _project_version(of_organization=not current_user.is_staff)
    params = {"project_id": project_id, "organization_id": current_user.organization_id}
    version = db.session.scalars(stmt, params).one_or_none()
    return abort(404) if version is None else version


# visible_projects(client) down to a count and a sum of versions, built once: composing the
# statement per request cost more Python than running it, on the hottest path there is (a
# live 304, and the cache key of every dashboard).
_CLIENT_PROJECT_VERSIONS = select(
    func.count(Project.id), func.coalesce(func.sum(Project.version), 0)
).where(Project.organization_id == bindparam("organization_id"), _not_archived())


def signed_in_client_project_versions() -> list:
    """client_project_versions() of the signed-in client (the `user_id` bind parameter), as
    columns read with the user (portal/web/facts.py)."""
    organization = select(User.organization_id).where(User.id == bindparam("user_id"))
    where = and_(Project.organization_id == organization.scalar_subquery(), _not_archived())
    return [select(func.count(Project.id)).where(where).scalar_subquery(),
            select(func.coalesce(func.sum(Project.version), 0)).where(where).scalar_subquery()]


def client_project_versions(client: User) -> tuple[int, int]:
    """How many projects a client sees and the sum of their versions: a change to any one,
    or one more or fewer, changes them."""
    count, total = db.session.execute(
        _CLIENT_PROJECT_VERSIONS, {"organization_id": client.organization_id}
    ).one()
    return count, total


def visible_follow_ups(user: User) -> Select:
    """The follow-ups a client may see: those of their own answers, in a live account (never
    another person's, never staff's notes: the caller shows only what is meant for them)."""
    return (select(FollowUp).join(PulseRequest, PulseRequest.id == FollowUp.request_id)
            .join(Organization, Organization.id == PulseRequest.organization_id)
            .where(PulseRequest.user_id == user.id,
                   PulseRequest.organization_id == user.organization_id,
                   Organization.archived_at.is_(None)))


def get_question_or_404(project: Project, question_id: int) -> Question:
    """A question on a project the caller has already loaded through get_project_or_404."""
    question = db.session.get(Question, question_id)
    if question is None or question.project_id != project.id:
        abort(404)
    return question


def get_milestone_or_404(project: Project, milestone_id: int) -> Milestone:
    """A milestone of a project the caller has already loaded through get_project_or_404."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.project_id != project.id:
        abort(404)
    return milestone


def get_update_or_404(update_id: int) -> StatusUpdate:
    """A status update on a project the current user may see; 404 otherwise."""
    visible = visible_projects(current_user).with_only_columns(Project.id)
    stmt = select(StatusUpdate).where(
        StatusUpdate.id == update_id, StatusUpdate.project_id.in_(visible.scalar_subquery())
    )
    return db.session.scalars(stmt).one_or_none() or abort(404)


def sees_internal_notes(user: User) -> bool:
    """Internal notes are for the firm's staff; a client never sees one, anywhere."""
    return user.is_authenticated and user.is_staff


def get_organization_or_404(organization_id: int) -> Organization:
    """The organisation if the current user may see it; 404 otherwise."""
    stmt = visible_organizations(current_user).where(Organization.id == organization_id)
    return db.session.scalars(stmt).one_or_none() or abort(404)


def staff_required(view: Callable) -> Callable:
    """Signed-in staff or admins only; to anyone else the page does not exist (404)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable) -> Callable:
    """Signed-in admins only; to anyone else the page does not exist (404)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def changes_access(view: Callable) -> Callable:
    """A route that grants or removes someone's access (users, roles, two-factor, security
    settings, invitations): it needs a recent sign-in, and carries a mark the tests find."""
    wrapped = recent_sign_in_required(view)
    wrapped.changes_access = True
    return wrapped


def access_changing_endpoints(app: Flask) -> set[str]:
    """The endpoints marked with @changes_access (the role decorators keep the mark)."""
    return {endpoint for endpoint, view in app.view_functions.items()
            if getattr(view, "changes_access", False)}


def get_published_closeout_or_404(project: Project) -> Closeout:
    """The published closeout of a project the caller has already loaded; 404 when there is none."""
    closeout = project.closeout
    if closeout is None or not closeout.is_published:
        abort(404)
    return closeout


def visible_candidates(user: User, project: Project) -> Select[tuple[Candidate]]:
    """The candidates of a project (already loaded through get_project_or_404) this user may
    see: staff all of them, a client only those presented to them and not erased."""
    stmt = select(Candidate).where(Candidate.project_id == project.id)
    if not user.is_staff:
        presented = select(ShortlistEntry.candidate_id).where(
            ShortlistEntry.candidate_id == Candidate.id).exists()
        stmt = stmt.where(presented, Candidate.erased_at.is_(None))
    return stmt


def get_candidate_or_404(project: Project, candidate_id: int, *options: ORMOption) -> Candidate:
    """A candidate of a project the caller loaded through get_project_or_404, if the current
    user may see it; 404 otherwise (another project's, never presented, or erased)."""
    stmt = visible_candidates(current_user, project).where(Candidate.id == candidate_id)
    return db.session.scalars(stmt.options(*options)).one_or_none() or abort(404)


def get_candidate_cv_or_404(project: Project, candidate_id: int, *, expired: Callable) -> Candidate:
    """A candidate whose CV the current user may download, with the bytes loaded: staff any
    CV kept, a client only while the presentation has not expired (`expired(candidate)`)."""
    candidate = get_candidate_or_404(project, candidate_id, undefer(Candidate.cv))
    if candidate.cv is None or (not current_user.is_staff and expired(candidate)):
        abort(404)
    return candidate


def get_decision_or_404(candidate: Candidate, decision_id: int) -> CandidateDecision:
    """A decision on a candidate the caller loaded through get_candidate_or_404."""
    decision = db.session.get(CandidateDecision, decision_id)
    if decision is None or decision.candidate_id != candidate.id:
        abort(404)
    return decision


def get_reason_or_404(reason_id: int) -> RejectionReason:
    """A reason of the admin's list (callers are admin views)."""
    reason = db.session.get(RejectionReason, reason_id)
    if reason is None:
        abort(404)
    return reason
