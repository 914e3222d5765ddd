"""Admins choose what clients see of the track record, and no client-visible percentage or NPS
stands on fewer answers or deliveries than the admin's minimum (default 5)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.content.client_figures import SWITCHES, ClientFigures, client_figures
from portal.content.models import ClientFigureSettings
from portal.extensions import db
from portal.projects import services as project_services
from portal.projects.models import Milestone, Project
from tests.support.forms import hidden_fields
from tests.support.pdf_text import pdf_text
from tests.support.pulse_answers import UP, answer_pulses

FIGURE_WORDS = {
    "show_promises": "delivered by the first date promised",
    "show_update_rhythm": "between updates",
    "show_first_answer": "to a first answer to your questions",
    "show_closeout_pulses": "What you told us along the way",
}


@pytest.fixture
def delivered(app, make, today):
    """Acme's project: two milestones and the project delivered (3 deliveries, 1 by its first date),
    eight pulse answers about it, a question answered, and a published closeout."""
    staff = make.user("dana@firm.example", role=Role.STAFF, name="Dana Whitfield")
    make.user("root@firm.example", role=Role.ADMIN)
    project = make.project("Acme Corp", name="Warehouse move", contact=staff)
    first = make.milestone(project, title="Discovery", owner=staff, planned_in_days=-20)
    second = make.milestone(project, title="Launch", owner=staff, planned_in_days=-5)
    answer_pulses(app, make, "Acme Corp", UP, project=project)
    make.update(project, author=staff, body="Under way.")
    with app.app_context():
        for milestone, days_ago in ((first, 15), (second, 3)):
            project_services.complete_milestone(db.session.get(Milestone, milestone.id),
                                                on=today - timedelta(days=days_ago))
        project_services.close_project(db.session.get(Project, project.id), on=today)
        db.session.commit()
    make.closeout(project, contact=staff)
    return project


def _pages(signed_in, project) -> dict[str, str]:
    """What Acme's client reads: dashboard, project page, closeout page and its PDF's text."""
    browser = signed_in("client0@acmecorp.example")
    pdf = browser.get(f"/projects/{project.id}/closeout.pdf").data
    return {
        "dashboard": browser.get("/").get_data(as_text=True),
        "project": browser.get(f"/projects/{project.id}").get_data(as_text=True),
        "closeout": browser.get(f"/projects/{project.id}/closeout").get_data(as_text=True),
        "pdf": " ".join(pdf_text(pdf).split()),
    }


def _choose(post_form, signed_in, **choices):
    data = {"min_count": "5", **dict.fromkeys(SWITCHES, "y")} | choices
    data = {name: value for name, value in data.items() if value is not None}
    return post_form(signed_in("root@firm.example"), "/admin/content/client-figures", data)


def test_with_3_deliveries_a_client_reads_too_few_to_show_not_a_percentage(
    app, signed_in, post_form, delivered
):
    pages = _pages(signed_in, delivered)
    for name in ("dashboard", "project", "closeout"):
        assert "too few to show (3 so far)" in pages[name], name
        assert "33%" not in pages[name] and "(1 of 3)" not in pages[name], name
    assert "too few to show (3 so far)" in pages["pdf"] and "33%" not in pages["pdf"]
    # The eight pulse answers are enough: the closeout shows them.
    assert "63%" in pages["closeout"] and "+13" in pages["pdf"]

    assert _choose(post_form, signed_in, min_count="3").status_code == 302
    pages = _pages(signed_in, delivered)
    for name in ("dashboard", "project", "closeout", "pdf"):
        assert "33%" in pages[name] and "too few to show" not in pages[name], name

    assert _choose(post_form, signed_in, min_count="9").status_code == 302
    closeout = _pages(signed_in, delivered)["closeout"]
    assert closeout.count("too few to show (8 so far)") == 3 and "63%" not in closeout


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_a_figure_switched_off_leaves_every_page_and_the_pdf(app, signed_in, post_form,
                                                             delivered, switch):
    before = _pages(signed_in, delivered)  # cached copies exist before the admin's change
    assert all(FIGURE_WORDS[switch] in before[name] for name in ("closeout", "pdf")
               if switch in ("show_promises", "show_closeout_pulses"))
    assert _choose(post_form, signed_in, min_count="1", **{switch: None}).status_code == 302
    after = _pages(signed_in, delivered)
    for name, page in after.items():
        assert FIGURE_WORDS[switch] not in page, name
    others = [s for s in SWITCHES if s != switch]
    for other in others:  # the others stay
        where = ("closeout",) if other == "show_closeout_pulses" else ("dashboard", "project")
        for name in where:
            assert FIGURE_WORDS[other] in after[name], (other, name)


def test_every_figure_shows_by_default_from_5(app):
    with app.app_context():
        assert client_figures() == ClientFigures(min_count=5, show_promises=True,
                                                 show_update_rhythm=True, show_first_answer=True,
                                                 show_closeout_pulses=True)


def test_the_choice_is_audited_and_shown_on_the_content_page(app, signed_in, post_form,
                                                             delivered):
    assert _choose(post_form, signed_in, min_count="7",
                   show_first_answer=None).status_code == 302
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "content.client_figures_changed")).one()
        assert event.actor_email == "root@firm.example"
        assert "at least 7" in event.summary and "time to a first answer hidden" in event.summary
    page = signed_in("root@firm.example").get("/admin/content").get_data(as_text=True)
    assert "Time to a first answer hidden" in page and "at least 7 answers" in page


@pytest.mark.parametrize("bad", ["0", "101", "abc", "", "2.5"])
def test_a_bad_minimum_is_refused_and_changes_nothing(app, make, signed_in, post_form, bad):
    make.user("root@firm.example", role=Role.ADMIN)
    response = _choose(post_form, signed_in, min_count=bad, show_promises=None)
    assert response.status_code == 422
    assert "whole number" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ClientFigureSettings)).all() == []
        assert client_figures() == ClientFigures()


def test_only_admins_open_the_page_and_a_post_needs_its_token(app, make, signed_in):
    make.user("dana@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("root@firm.example", role=Role.ADMIN)
    for email in ("dana@firm.example", "jordan@acme.example"):
        assert signed_in(email).get("/admin/content/client-figures").status_code == 404
    forged = signed_in("root@firm.example").post("/admin/content/client-figures",
                                                 data={"min_count": "1"})
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ClientFigureSettings)).all() == []


def test_saving_the_choice_refreshes_clients_open_pages(app, signed_in, post_form, delivered):
    browser = signed_in("client0@acmecorp.example")
    first = browser.get("/live")
    etag = first.headers["ETag"]
    assert browser.get("/live", headers={"If-None-Match": etag}).status_code == 304
    _choose(post_form, signed_in, show_promises=None)
    again = browser.get("/live", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert FIGURE_WORDS["show_promises"] not in again.get_data(as_text=True)


def test_two_admins_saving_at_once_the_second_sees_the_first_ones_choice(app, make, signed_in):
    make.user("root@firm.example", role=Role.ADMIN)
    make.user("ada@firm.example", role=Role.ADMIN)
    first, second = signed_in("root@firm.example"), signed_in("ada@firm.example")
    forms = {}
    for browser in (first, second):
        page = browser.get("/admin/content/client-figures").get_data(as_text=True)
        forms[browser] = hidden_fields(page)
    assert first.post("/admin/content/client-figures", data={
        **forms[first], "min_count": "8", "show_promises": "y"}).status_code == 302
    late = second.post("/admin/content/client-figures", data={
        **forms[second], "min_count": "3", "show_promises": "y", "show_first_answer": "y"})
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Nothing was saved" in page and "from 8 answers or deliveries" in page
    with app.app_context():
        assert client_figures() == ClientFigures(min_count=8, show_update_rhythm=False,
                                                 show_first_answer=False,
                                                 show_closeout_pulses=False)
    again = second.post("/admin/content/client-figures", data={
        **hidden_fields(page), "min_count": "3", "show_promises": "y"})
    assert again.status_code == 302


def test_the_minimum_says_which_figures_it_holds_back(app, signed_in, delivered):
    """The times between updates and to a first answer show from the first one: the setting
    must not claim to hold back every mean."""
    page = signed_in("root@firm.example").get("/admin/content/client-figures").get_data(
        as_text=True)
    assert "instead of a percentage, an NPS or a CES mean" in page
    assert "the average times between updates and to a first answer show from the first" in page
