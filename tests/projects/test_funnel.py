"""Staff record a placement's selection funnel; the client sees the care taken in selection."""

from datetime import date

from portal.auth.models import Role


def _funnel_form(**counts):
    form = {stage: "" for stage in ("sourced", "screened", "interviewed", "presented", "placed")}
    form.update({k: str(v) for k, v in counts.items()})
    form["as_of"] = date.today().isoformat()
    return form


def test_staff_record_the_funnel_and_the_client_sees_it(signed_in, make, post_form):
    make.user("sofia@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Data engineer placement")
    page = f"/projects/{project.id}"
    staff = signed_in("sofia@firm.example")
    response = post_form(staff, f"/staff/projects/{project.id}/funnel",
                         _funnel_form(sourced=64, screened=22, interviewed=9), page)
    assert response.status_code == 302
    post_form(staff, f"/staff/projects/{project.id}/funnel", _funnel_form(presented=3), page)

    client_page = signed_in("jordan@acme.example").get(page).get_data(as_text=True)
    assert "Selection funnel" in client_page
    for stage, count in (("Sourced", 64), ("Screened", 22), ("Interviewed", 9),
                         ("Presented", 3)):
        assert f'<th scope="row">{stage}</th>' in client_page
        assert f"<strong>{count}</strong>" in client_page
    assert "Placed</th>" not in client_page
    assert "Update the selection funnel" not in client_page  # the staff form stays staff-only


def test_a_funnel_that_widens_is_refused(signed_in, make, post_form):
    make.user("sofia@firm.example", role=Role.STAFF)
    project = make.project("Acme Corp")
    response = post_form(signed_in("sofia@firm.example"), f"/staff/projects/{project.id}/funnel",
                         _funnel_form(sourced=10, screened=12), f"/projects/{project.id}")
    assert response.status_code == 422
    assert "More screened than sourced" in response.get_data(as_text=True)


def test_a_project_without_a_funnel_shows_none(signed_in, make):
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp")
    page = signed_in("jordan@acme.example").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Selection funnel" not in page
