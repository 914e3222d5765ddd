"""Staff present candidates in a shortlist; the client reviews and decides; staff see it."""

import io
from datetime import date, timedelta

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import MessageKind, OutboxMessage
from portal.selection.models import Candidate, DecisionKind, RejectionReason
from tests.selection.conftest import candidate, pdf_bytes


def _reason_id(app, label: str) -> int:
    with app.app_context():
        return db.session.scalar(select(RejectionReason.id).where(RejectionReason.label == label))


def test_staff_add_a_candidate_with_a_cv_and_present_three_in_one_email(
        app, signed_in, post_form, placement, acme_client, staff):
    browser = signed_in("priya@firm.example")
    new = f"/staff/projects/{placement.id}/candidates/new"
    ids = []
    for name in ("Maria Silva", "Tom Berg", "Ana Ruiz"):
        token_page = browser.get(new).get_data(as_text=True)
        token = token_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = browser.post(new, data={
            "csrf_token": token, "display_name": name, "headline": "Data engineer",
            "sourced_on": (date.today() - timedelta(days=3)).isoformat(), "skills": "Python",
            "cv": (io.BytesIO(pdf_bytes()), f"{name}.pdf"),
        }, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)
        ids.append(int(response.headers["Location"].rsplit("/", 1)[1]))
    response = post_form(browser, f"/staff/projects/{placement.id}/candidate-shortlists",
                         {"candidate_ids": ids}, form_page=f"/projects/{placement.id}/candidates")
    assert response.status_code == 302
    with app.app_context():
        emails = list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.SHORTLIST_PRESENTED)))
    assert [e.to_address for e in emails] == ["jordan@acme.example"]
    assert emails[0].subject.startswith("3 candidates for Senior Data Engineer")
    body = emails[0].text_body + emails[0].html_body
    assert f"/projects/{placement.id}/candidates" in body
    for secret in ("Maria", "Tom Berg", "Ana Ruiz", "Data engineer", ".pdf", "/cv"):
        assert secret not in body  # a link only: no name, CV or detail
    assert all(candidate(app, i).status.value == "presented" for i in ids)


def test_the_client_decides_changes_it_until_staff_act_and_staff_see_it(
        app, signed_in, post_form, placement, add_candidates, acme_client, staff):
    maria, tom = add_candidates(placement, ["Maria Silva", "Tom Berg"])
    client = signed_in("jordan@acme.example")
    page = f"/projects/{placement.id}/candidates"
    decide = f"/projects/{placement.id}/candidates/{maria}/decision"
    response = post_form(client, decide, {"kind": "not_a_fit", "reason_id": _reason_id(
        app, "Salary"), "note": "Above our band."}, form_page=page)
    assert response.status_code == 302
    staff_page = signed_in("priya@firm.example").get(page).get_data(as_text=True)
    assert "Not a fit" in staff_page and "Salary" in staff_page and "Above our band." in staff_page
    # changed: the old one is kept as history
    post_form(client, decide, {"kind": "invite", "reason_id": 0, "note": ""}, form_page=page)
    found = candidate(app, maria)
    assert [d.kind for d in found.decisions] == [DecisionKind.NOT_A_FIT, DecisionKind.INVITE]
    assert found.decisions[0].superseded_at is not None
    # staff act: from now on the client cannot change it
    current = found.decisions[-1]
    staff = signed_in("priya@firm.example")
    post_form(staff, f"/staff/projects/{placement.id}/candidates/{maria}/decisions/"
              f"{current.id}/act", {}, form_page=page)
    response = post_form(client, decide, {"kind": "not_a_fit", "reason_id": _reason_id(
        app, "Skills")}, form_page=page)
    assert response.status_code == 422
    assert "acted on your decision" in response.get_data(as_text=True)
    assert len(candidate(app, maria).decisions) == 2
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"candidate.decision_not_a_fit", "candidate.decision_invite",
            "candidate.decision_acted_on"} <= actions


def test_not_a_fit_needs_a_reason_and_a_question_goes_to_the_project_questions(
        app, signed_in, post_form, placement, add_candidates, acme_client):
    maria, = add_candidates(placement, ["Maria Silva"])
    client = signed_in("jordan@acme.example")
    page = f"/projects/{placement.id}/candidates"
    decide = f"/projects/{placement.id}/candidates/{maria}/decision"
    response = post_form(client, decide, {"kind": "not_a_fit", "reason_id": 0}, form_page=page)
    assert response.status_code == 422 and "Choose a reason" in response.get_data(as_text=True)
    assert candidate(app, maria).decisions == []
    response = post_form(client, decide, {"kind": "question", "reason_id": 0,
                                          "note": "Can she start in May?"}, form_page=page)
    assert response.status_code == 302
    project_page = client.get(f"/projects/{placement.id}").get_data(as_text=True)
    assert "About Maria Silva: Can she start in May?" in project_page


def test_an_anonymous_candidate_is_a_letter_to_the_client(
        app, signed_in, placement, add_candidates, acme_client, staff):
    from portal.auth.models import User
    from portal.projects.models import Project
    from portal.selection import profiles, shortlists

    with app.app_context():
        by = db.session.get(User, staff.id)
        project = db.session.get(Project, placement.id)
        hidden = profiles.add_candidate(project, by=by, display_name="Secret Person",
                                        anonymous=True, sourced_on=date.today())
        shortlists.present_shortlist(project, [hidden], by=by)
        db.session.commit()
    page = signed_in("jordan@acme.example").get(
        f"/projects/{placement.id}/candidates").get_data(as_text=True)
    assert "Candidate A" in page and "Secret Person" not in page


def test_the_funnel_is_computed_from_candidates_and_the_client_sees_the_figures(
        app, signed_in, post_form, placement, add_candidates, acme_client):
    add_candidates(placement, ["Unpresented"], present=False)
    maria, tom = add_candidates(placement, ["Maria Silva", "Tom Berg"])
    client = signed_in("jordan@acme.example")
    post_form(client, f"/projects/{placement.id}/candidates/{maria}/decision",
              {"kind": "invite", "reason_id": 0}, form_page=f"/projects/{placement.id}/candidates")
    page = client.get(f"/projects/{placement.id}").get_data(as_text=True)
    assert "Counted from the candidates" in page
    sourced = page.split('<th scope="row">Sourced</th>')[1].split("</tr>")[0]
    presented = page.split('<th scope="row">Presented</th>')[1].split("</tr>")[0]
    assert "<strong>3</strong>" in sourced and "<strong>2</strong>" in presented
    assert "Candidates presented</dt><dd>2" in page
    assert "50%" in page and "1 of 2 presented invited to interview" in page
    assert "30 days from the start" in page  # the factory starts projects 30 days ago


def test_the_typed_funnel_still_shows_without_candidates(app, signed_in, post_form, placement,
                                                          acme_client, staff):
    staff_browser = signed_in("priya@firm.example")
    post_form(staff_browser, f"/staff/projects/{placement.id}/funnel", {
        "sourced": 64, "screened": 22, "as_of": date.today().isoformat()},
        form_page=f"/projects/{placement.id}")
    page = signed_in("jordan@acme.example").get(f"/projects/{placement.id}").get_data(as_text=True)
    assert "<strong>64</strong>" in page and "Counted from the candidates" not in page


def test_erasing_keeps_anonymous_counts(app, signed_in, post_form, placement, add_candidates,
                                        acme_client, admin):
    maria, tom = add_candidates(placement, ["Maria Silva", "Tom Berg"])
    erase = f"/admin/projects/{placement.id}/candidates/{maria}/erase"
    browser = signed_in("ada@firm.example")
    refused = post_form(browser, erase, {"confirm": "erase"})
    assert refused.status_code == 422 and candidate(app, maria).erased_at is None
    assert post_form(browser, erase, {"confirm": "ERASE"}).status_code == 302
    erased = candidate(app, maria)
    assert erased.display_name == "Erased candidate" and erased.cv_filename is None
    assert erased.headline == "" and erased.summary_md == ""
    client = signed_in("jordan@acme.example")
    assert client.get(f"/projects/{placement.id}/candidates/{maria}").status_code == 404
    page = client.get(f"/projects/{placement.id}").get_data(as_text=True)
    presented = page.split('<th scope="row">Presented</th>')[1].split("</tr>")[0]
    assert "<strong>2</strong>" in presented and "Maria" not in page


def test_the_nightly_job_erases_candidates_of_long_closed_projects(app, make, placement,
                                                                    add_candidates):
    from portal.projects.models import Project, ProjectStatus
    from portal.selection.jobs import erase_expired_candidates

    maria, = add_candidates(placement, ["Maria Silva"])
    recent = make.project("Acme Corp", name="Recent role")
    kept, = add_candidates(recent, ["Kept Person"])
    with app.app_context():
        for project_id, days in ((placement.id, 366), (recent.id, 10)):
            project = db.session.get(Project, project_id)
            project.status = ProjectStatus.DONE
            project.started_on = date.today() - timedelta(days=400)
            project.closed_on = date.today() - timedelta(days=days)
        db.session.commit()
        assert erase_expired_candidates() == 1
        assert db.session.get(Candidate, maria).erased_at is not None
        assert db.session.get(Candidate, kept).erased_at is None
        assert erase_expired_candidates() == 0
