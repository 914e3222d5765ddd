"""Staff mend milestones from the browser: rename one, or delete an open one after a confirm
step; each is audited and refreshes clients' open pages. A stale form (the milestone changed
since it was shown) is refused with the current state; a client gets 404."""

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.extensions import db
from portal.projects import milestones as mending
from portal.projects import services as project_services
from portal.projects.models import EtaChange, Milestone, Project

LONG_TITLE = "Migrate the reporting warehouse and reconcile every legacy ledger " * 3


@pytest.fixture
def staff(make):
    return make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")


@pytest.fixture
def acme(make, staff):
    """An Acme project with a client user, one open milestone with an ETA move and one
    delivered milestone."""
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Customer portal rebuild")
    open_one = make.milestone(project, title=LONG_TITLE[:160], owner=staff)
    delivered = make.milestone(project, title="Discovery", owner=staff, planned_in_days=0)
    launch = make.milestone(project, title="Launch", planned_in_days=40)
    with make.app.app_context():
        by = db.session.get(User, staff.id)
        moving = db.session.get(Milestone, open_one.id)
        project_services.move_milestone_eta(moving, eta=moving.eta + timedelta(days=3), by=by,
                                            reason="Ledger access came late")
        project_services.complete_milestone(db.session.get(Milestone, delivered.id),
                                            on=date.today(), by=by)
        db.session.commit()
    return {"project": project, "open": open_one, "delivered": delivered, "launch": launch}


def _url(acme, which: str, action: str) -> str:
    return f"/staff/projects/{acme['project'].id}/milestones/{acme[which].id}/{action}"


def _form(browser, path: str) -> dict:
    """The hidden fields of the form at `path`, as a browser would post them back."""
    page = browser.get(path).get_data(as_text=True)
    return {name: html.unescape(value) for name, value in
            re.findall(r'name="(csrf_token|stamp)"[^>]*value="([^"]*)"', page)}


def _state(app, acme):
    with app.app_context():
        project = db.session.get(Project, acme["project"].id)
        return {
            "titles": [m.title for m in project.milestones],
            "version": project.version,
            "moves": db.session.scalar(select(func.count()).select_from(EtaChange)),
            "audit": list(db.session.scalars(select(AuditEvent.summary).where(
                AuditEvent.action.in_(["milestone.edited", "milestone.deleted"])))),
        }


def test_staff_rename_a_too_long_title_and_the_client_sees_the_new_one(
        app, signed_in, acme):
    browser = signed_in("priya@firm.example")
    project_page = f"/projects/{acme['project'].id}"
    assert f'href="{_url(acme, "open", "edit")}"' in browser.get(project_page).get_data(
        as_text=True)
    before = _state(app, acme)
    response = browser.post(_url(acme, "open", "edit"),
                            data={**_form(browser, _url(acme, "open", "edit")),
                                  "title": "  Warehouse migration  "})
    assert response.status_code == 302
    after = _state(app, acme)
    assert after["titles"] == ["Warehouse migration", "Discovery", "Launch"]
    assert after["version"] > before["version"]
    assert after["audit"] == [f"title: {LONG_TITLE[:160]!r} -> 'Warehouse migration'"]
    client_page = signed_in("jordan@acme.example").get(project_page).get_data(as_text=True)
    assert "Warehouse migration" in client_page and "Ledger access came late" in client_page


def test_a_stale_rename_is_refused_with_the_current_title_and_the_typed_one_kept(
        app, signed_in, acme, staff):
    browser = signed_in("priya@firm.example")
    shown = _form(browser, _url(acme, "open", "edit"))
    with app.app_context():  # a colleague renames it first
        mending.edit_milestone(db.session.get(Milestone, acme["open"].id), title="Data move",
                                 stamp=shown["stamp"], by=db.session.get(User, staff.id))
        db.session.commit()
    response = browser.post(_url(acme, "open", "edit"),
                            data={**shown, "title": "Warehouse migration"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed while you were editing" in page
    assert "<dd>Data move</dd>" in page and 'value="Warehouse migration"' in page
    assert _state(app, acme)["titles"][0] == "Data move"
    # The page now carries the current stamp: submitting again, deliberately, works.
    again = browser.post(_url(acme, "open", "edit"),
                         data={**_form(browser, _url(acme, "open", "edit")),
                               "title": "Warehouse migration"})
    assert again.status_code == 302
    assert _state(app, acme)["titles"][0] == "Warehouse migration"


def test_a_rename_that_loses_a_race_writes_nothing(app, acme, staff):
    """The stamp matched what this request loaded, but the row changed before the write."""
    with app.app_context():
        milestone = db.session.get(Milestone, acme["open"].id)
        stamp = mending.milestone_stamp(milestone)
        with db.engine.begin() as other:  # another request, committed in between
            other.execute(update(Milestone).where(Milestone.id == milestone.id)
                          .values(eta=milestone.eta + timedelta(days=1)))
        with pytest.raises(mending.MilestoneChanged):
            mending.edit_milestone(milestone, title="Late rename", stamp=stamp,
                                     by=db.session.get(User, staff.id))
        db.session.rollback()
    assert _state(app, acme)["titles"][0] == LONG_TITLE[:160]


def test_staff_delete_an_open_milestone_after_confirming(app, signed_in, acme):
    browser = signed_in("priya@firm.example")
    before = _state(app, acme)
    confirm = browser.get(_url(acme, "launch", "delete")).get_data(as_text=True)
    assert "Delete a milestone?" in confirm and "Delete the milestone" in confirm
    assert _state(app, acme) == before  # showing the confirm step changes nothing
    response = browser.post(_url(acme, "launch", "delete"),
                            data=_form(browser, _url(acme, "launch", "delete")))
    assert response.status_code == 302
    after = _state(app, acme)
    assert after["titles"] == [LONG_TITLE[:160], "Discovery"]
    assert after["moves"] == before["moves"]
    assert after["version"] > before["version"]
    assert len(after["audit"]) == 1 and "Launch" in after["audit"][0]
    # Positions stay unique: a new milestone still goes in at the end.
    added = browser.post(f"/staff/projects/{acme['project'].id}/milestones",
                         data={"csrf_token": _form(browser, _url(acme, "delivered", "edit"))[
                             "csrf_token"], "title": "Handover", "owner_id": 0,
                               "planned_on": ""})
    assert added.status_code == 302
    assert _state(app, acme)["titles"] == [LONG_TITLE[:160], "Discovery", "Handover"]


def test_a_milestone_whose_eta_moved_cannot_be_deleted_as_the_client_saw_the_move(
        app, signed_in, acme):
    browser = signed_in("priya@firm.example")
    before = _state(app, acme)
    confirm = browser.get(_url(acme, "open", "delete")).get_data(as_text=True)
    assert "was moved (1 time)" in confirm and "Delete the milestone" not in confirm
    response = browser.post(_url(acme, "open", "delete"),
                            data={"csrf_token": _form(browser, _url(acme, "launch", "delete"))[
                                "csrf_token"], "stamp": "x"})
    assert response.status_code in (409, 422)
    assert _state(app, acme) == before


def test_a_delivered_milestone_cannot_be_deleted_as_it_counts_in_promises_kept(
        app, signed_in, acme):
    browser = signed_in("priya@firm.example")
    confirm = browser.get(_url(acme, "delivered", "delete")).get_data(as_text=True)
    assert "counts in the promises-kept figures" in confirm
    assert "Delete the milestone" not in confirm
    before = _state(app, acme)
    token = _form(browser, _url(acme, "open", "edit"))["csrf_token"]
    stamp = _form(browser, _url(acme, "delivered", "edit"))["stamp"]
    response = browser.post(_url(acme, "delivered", "delete"),
                            data={"csrf_token": token, "stamp": stamp})
    assert response.status_code == 422
    assert _state(app, acme) == before


def test_a_stale_delete_is_refused_when_the_milestone_changed_since_the_confirm_step(
        app, signed_in, acme, staff):
    browser = signed_in("priya@firm.example")
    shown = _form(browser, _url(acme, "launch", "delete"))
    with app.app_context():
        mending.edit_milestone(db.session.get(Milestone, acme["launch"].id), title="Go-live",
                               stamp=mending.milestone_stamp(
                                   db.session.get(Milestone, acme["launch"].id)),
                               by=db.session.get(User, staff.id))
        db.session.commit()
    before = _state(app, acme)
    response = browser.post(_url(acme, "launch", "delete"), data=shown)
    assert response.status_code == 409
    assert "changed while you were editing" in response.get_data(as_text=True)
    assert _state(app, acme) == before


def test_clients_get_404_for_mending_even_on_their_own_project(app, signed_in, acme):
    browser = signed_in("jordan@acme.example")
    token = _form(browser, "/")["csrf_token"]
    before = _state(app, acme)
    for action in ("edit", "delete"):
        assert browser.get(_url(acme, "open", action)).status_code == 404
        posted = browser.post(_url(acme, "open", action),
                              data={"csrf_token": token, "title": "Hacked", "stamp": "x"})
        assert posted.status_code == 404
    assert _state(app, acme) == before


def test_a_milestone_of_another_project_is_404_under_this_one(app, signed_in, acme, make):
    other = make.project("Globex", name="Network refresh")
    foreign = make.milestone(other, title="Globex step")
    browser = signed_in("priya@firm.example")
    path = f"/staff/projects/{acme['project'].id}/milestones/{foreign.id}/edit"
    assert browser.get(path).status_code == 404
