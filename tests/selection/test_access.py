"""Candidates are personal data: only staff and the client organisation they were presented
to see them; everyone else gets a 404, guessed ids and file URLs included."""

import pytest

from portal.auth.models import Role
from tests.selection.conftest import pdf_bytes


def _candidate_urls(app, project_id: int, candidate_id: int) -> list[str]:
    """Every GET URL of the app with a candidate in it, for this candidate."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "candidate_id" in rule.arguments and "GET" in rule.methods:
            args = {"project_id": project_id, "candidate_id": candidate_id}
            urls.append(rule.rule.replace("<int:project_id>", str(project_id))
                        .replace("<int:candidate_id>", str(candidate_id)))
            assert set(rule.arguments) <= set(args), rule.rule
    return urls


def test_every_candidate_url_is_404_to_another_organisation_and_to_the_unpresented(
        app, signed_in, placement, add_candidates, globex_client, acme_client, make):
    presented, = add_candidates(placement, ["Maria Silva"])
    hidden, = add_candidates(placement, ["Not Yet"], present=False)
    urls = _candidate_urls(app, placement.id, presented)
    assert any(url.endswith("/cv") for url in urls) and len(urls) >= 2
    globex = signed_in("gil@globex.example")
    acme = signed_in("jordan@acme.example")
    for url in urls:
        assert globex.get(url).status_code == 404, url
        assert acme.get(url.replace(f"/{presented}", f"/{hidden}")).status_code == 404, url
        assert acme.get(url.replace(f"/{presented}", "/999999")).status_code == 404, url
    assert globex.get(f"/projects/{placement.id}/candidates").status_code == 404
    assert globex.get(f"/projects/{placement.id}/candidates/live").status_code == 404
    # another project of Acme's own does not show this candidate either
    other = make.project("Acme Corp", name="Another role")
    for url in urls:
        assert acme.get(url.replace(f"/projects/{placement.id}/",
                                    f"/projects/{other.id}/")).status_code == 404, url
    for url in urls:
        mine = not url.startswith(("/staff/", "/admin/"))
        assert acme.get(url).status_code == (200 if mine else 404), url


def test_staff_pages_are_404_to_clients(signed_in, placement, add_candidates, acme_client):
    candidate_id, = add_candidates(placement, ["Maria Silva"])
    acme = signed_in("jordan@acme.example")
    for url in (f"/staff/projects/{placement.id}/candidates/new",
                f"/staff/projects/{placement.id}/candidates/{candidate_id}/edit",
                "/admin/candidates/settings",
                f"/admin/projects/{placement.id}/candidates/{candidate_id}/erase"):
        assert acme.get(url).status_code == 404, url


def test_the_cv_is_only_ever_a_download(signed_in, placement, add_candidates, acme_client):
    candidate_id, = add_candidates(placement, ["Maria Silva"])
    response = signed_in("jordan@acme.example").get(
        f"/projects/{placement.id}/candidates/{candidate_id}/cv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    assert response.data == pdf_bytes()


def test_views_and_downloads_are_audited_and_staff_see_the_first_view(
        app, signed_in, placement, add_candidates, acme_client, staff):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    candidate_id, = add_candidates(placement, ["Maria Silva"])
    acme = signed_in("jordan@acme.example")
    acme.get(f"/projects/{placement.id}/candidates/{candidate_id}")
    acme.get(f"/projects/{placement.id}/candidates/{candidate_id}")
    acme.get(f"/projects/{placement.id}/candidates/{candidate_id}/cv")
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("candidate.viewed") == 2
    assert actions.count("candidate.cv_downloaded") == 1
    page = signed_in("priya@firm.example").get(
        f"/projects/{placement.id}/candidates/{candidate_id}").get_data(as_text=True)
    assert "The client first viewed this profile" in page


@pytest.mark.parametrize("role", [Role.STAFF])
def test_staff_see_unpresented_candidates(signed_in, placement, add_candidates, staff, role):
    hidden, = add_candidates(placement, ["Not Yet"], present=False)
    page = signed_in("priya@firm.example").get(f"/projects/{placement.id}/candidates")
    assert page.status_code == 200 and "Not Yet" in page.get_data(as_text=True)
