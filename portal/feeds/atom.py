"""A client's Atom feed: the published updates of the projects they may see, newest first,
built with feedgen. Internal notes are never read here; the text is the page's, sanitised."""

from feedgen.feed import FeedGenerator
from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import visible_projects
from portal.auth.models import User
from portal.content.services import branding
from portal.extensions import db
from portal.notifications.rendering import absolute_url
from portal.projects.models import Project, StatusUpdate

ENTRIES = 50  # the newest fifty: a reader keeps what it has already fetched


def updates_of(user: User) -> list[StatusUpdate]:
    """The newest published updates of the projects this user may see (access.py decides)."""
    visible = visible_projects(user).with_only_columns(Project.id).scalar_subquery()
    return list(db.session.scalars(
        select(StatusUpdate).where(StatusUpdate.project_id.in_(visible))
        .options(joinedload(StatusUpdate.project), joinedload(StatusUpdate.author))
        .order_by(StatusUpdate.published_at.desc(), StatusUpdate.id.desc()).limit(ENTRIES)))


def updates_feed(user: User, *, self_url: str) -> bytes:
    """The Atom document of the user's updates feed, served at `self_url`."""
    firm = branding().firm_name
    updates = updates_of(user)
    feed = FeedGenerator()
    feed.id(f"{absolute_url('home.index')}#updates-feed-{user.id}")  # the same after a reset
    feed.title(f"{firm}: updates for {user.organization.name}")
    feed.subtitle("Status updates and ETAs of your projects, as on your dashboard.")
    feed.author({"name": firm})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=absolute_url("home.index"), rel="alternate", type="text/html")
    feed.language("en")
    feed.updated(max((u.edited_at or u.published_at for u in updates),
                     default=user.created_at))
    for update in updates:
        entry = feed.add_entry(order="append")
        link = absolute_url("projects.show", project_id=update.project_id)
        entry.id(f"{link}#update-{update.id}")
        entry.title(f"{update.project.name}: {update.status.label}")
        entry.link(href=link, rel="alternate", type="text/html")
        entry.published(update.published_at)
        entry.updated(update.edited_at or update.published_at)
        entry.author({"name": update.author.name if update.author else firm})
        entry.content(render_template("feeds/_entry.html", update=update), type="html")
    return feed.atom_str(pretty=True)
