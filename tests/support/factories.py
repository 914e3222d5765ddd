"""Small factories: each creates one thing with sensible defaults and commits it.

Objects come back detached with their columns loaded (expire_on_commit is off here), so a
test reads `project.id` without an application context.
"""

from datetime import date, timedelta
from itertools import count

from flask import Flask
from werkzeug.security import generate_password_hash

from portal.accounts import services as account_services
from portal.accounts.models import Organization
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.closeout import services as closeout_services
from portal.closeout.models import Closeout
from portal.extensions import db
from portal.projects import questions
from portal.projects import services as project_services
from portal.projects.models import Milestone, Project, ProjectStatus, StatusUpdate
from portal.pulses import services as pulses
from portal.pulses.models import Trigger
from portal.touchpoints import services as touchpoint_services
from portal.touchpoints.models import Touchpoint, TouchpointKind

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose
_serial = count(1)


class Factories:
    """create_x callables bound to one app."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _commit(self, build):
        with self.app.app_context():
            db.session().expire_on_commit = False
            obj = build()
            db.session.commit()
            return obj

    def organization(self, name: str | None = None, **kwargs) -> Organization:
        """A client organisation, by default with a unique name."""
        name = name or f"Client {next(_serial)}"

        def build():
            return account_services.find_organization_by_name(name) or (
                account_services.create_organization(name=name, **kwargs)
            )

        return self._commit(build)

    def user(
        self, email: str | None = None, *, role: Role = Role.CLIENT,
        organization: str | None = None, active: bool = True, name: str | None = None,
    ) -> User:
        """A user who can sign in with PASSWORD; clients get an organisation if none is named."""
        email = email or f"user{next(_serial)}@example.test"
        if role == Role.CLIENT:
            organization = self.organization(organization).name

        def build():
            org = account_services.find_organization_by_name(organization) if organization else None
            user = auth_services.create_user(
                email=email, name=name or email.split("@")[0].title(), role=role,
                organization=org,
            )
            user.password_hash = PASSWORD_HASH
            auth_services.record_active(user, active)
            return user

        return self._commit(build)

    def project(
        self, organization: str | None = None, *, name: str | None = None,
        status: ProjectStatus = ProjectStatus.ON_TRACK, eta_in_days: int | None = 30, **kwargs,
    ) -> Project:
        """An open project for the named organisation (created if missing)."""
        org_name = self.organization(organization).name

        def build():
            return project_services.create_project(
                account_services.find_organization_by_name(org_name),
                name=name or f"Project {next(_serial)}", status=status,
                eta=date.today() + timedelta(days=eta_in_days) if eta_in_days else None,
                started_on=date.today() - timedelta(days=30), **kwargs,
            )

        return self._commit(build)

    def milestone(self, project: Project, *, title: str = "Design", owner: User | None = None,
                  planned_in_days: int = 14) -> Milestone:
        """A milestone on the project, optionally owned by a staff user."""

        def build():
            return project_services.add_milestone(
                db.session.get(Project, project.id), title=title,
                owner=db.session.get(User, owner.id) if owner else None,
                planned_on=date.today() + timedelta(days=planned_in_days),
            )

        return self._commit(build)

    def update(self, project: Project, *, author: User, body: str = "Progress as planned.",
               status: ProjectStatus = ProjectStatus.ON_TRACK, **kwargs) -> StatusUpdate:
        """A published status update."""

        def build():
            return project_services.publish_update(
                db.session.get(Project, project.id), author=db.session.get(User, author.id),
                body=body, status=status, **kwargs,
            )

        return self._commit(build)

    def question(self, project: Project, *, author: User, body: str = "When is the demo?"):
        """A question asked by a client on the project."""

        def build():
            return questions.ask_question(
                db.session.get(Project, project.id), author=db.session.get(User, author.id),
                body=body,
            )

        return self._commit(build)

    def pulse(self, user: User, *, trigger=None, project: Project | None = None, now=None):
        """A pulse request for the client user (sent, unless the fatigue rule holds it)."""
        def build():
            return pulses.request_pulse(
                db.session.get(User, user.id), trigger=trigger or Trigger.PERIODIC,
                project=db.session.get(Project, project.id) if project else None, now=now,
            )

        return self._commit(build)

    def closeout(self, project: Project, *, contact: User, summary: str = "We delivered it.",
                 **text: str) -> Closeout:
        """A published closeout of a finished project (the project closes today)."""

        def build():
            return closeout_services.publish_closeout(
                db.session.get(Project, project.id), care_contact=db.session.get(User, contact.id),
                summary=summary, outcomes=text.pop("outcomes", "As planned."),
                care_next_steps=text.pop("care_next_steps", "A call in a month."), **text,
            )

        return self._commit(build)

    def touchpoint(self, organization: str, *, by: User, summary: str | None = None,
                   note: str = "Internal note.", days_ago: int = 0) -> Touchpoint:
        """A call logged on the named account by a member of staff."""

        def build():
            staff = db.session.get(User, by.id)
            return touchpoint_services.log_touchpoint(
                account_services.find_organization_by_name(organization), by=staff,
                kind=TouchpointKind.CALL, occurred_on=date.today() - timedelta(days=days_ago),
                staff=staff, client_people="Their team", note=note, client_summary=summary)

        return self._commit(build)
