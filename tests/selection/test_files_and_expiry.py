"""The CV rules (a PDF by its content, at most 10 MB) and the expiry of a presentation."""

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.selection.models import MAX_CV_BYTES, RejectionReason, Shortlist
from tests.selection.conftest import candidate, pdf_bytes


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(browser, project_id: int, candidate_id: int, data: bytes, name: str):
    path = f"/staff/projects/{project_id}/candidates/{candidate_id}/edit"
    page = browser.get(path).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    # Encoded in memory: the test client's own encoder spools a big body to a temporary file
    # it never closes (a ResourceWarning, an error here).
    boundary, body = encode_multipart({
        "csrf_token": token, "display_name": "Maria Silva", "sourced_on": "2026-01-05",
        "cv": FileStorage(io.BytesIO(data), name)})
    return browser.post(path, data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")


def test_a_png_named_pdf_is_refused_and_nothing_changes(app, signed_in, placement,
                                                         add_candidates, staff):
    maria, = add_candidates(placement, ["Maria Silva"], present=False)
    before = candidate(app, maria)
    response = _upload(signed_in("priya@firm.example"), placement.id, maria, _png(), "cv.pdf")
    assert response.status_code == 422
    assert "not a PDF" in response.get_data(as_text=True)
    after = candidate(app, maria)
    assert (after.cv_filename, after.cv_size) == (before.cv_filename, before.cv_size)


def test_a_pdf_header_on_garbage_is_refused(app, signed_in, placement, add_candidates, staff):
    maria, = add_candidates(placement, ["Maria Silva"], present=False)
    response = _upload(signed_in("priya@firm.example"), placement.id, maria,
                       b"%PDF-1.7\n" + b"\x00garbage" * 100, "cv.pdf")
    assert response.status_code == 422 and "cannot be read" in response.get_data(as_text=True)


def test_ten_megabytes_are_taken_and_one_byte_more_is_refused(app, signed_in, placement,
                                                               add_candidates, staff):
    maria, = add_candidates(placement, ["Maria Silva"], present=False)
    browser = signed_in("priya@firm.example")
    base = pdf_bytes()
    exactly = base + b"\n%" + b"x" * (MAX_CV_BYTES - len(base) - 2)
    assert len(exactly) == MAX_CV_BYTES
    response = _upload(browser, placement.id, maria, exactly, "Maria Silva CV.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert candidate(app, maria).cv_size == MAX_CV_BYTES
    response = _upload(browser, placement.id, maria, exactly + b"x", "bigger.pdf")
    assert response.status_code == 422
    assert "over 10 MB" in response.get_data(as_text=True)
    assert candidate(app, maria).cv_size == MAX_CV_BYTES


def test_a_body_far_over_the_limit_is_a_clear_413(signed_in, placement, add_candidates, staff):
    maria, = add_candidates(placement, ["Maria Silva"], present=False)
    response = _upload(signed_in("priya@firm.example"), placement.id, maria,
                       b"%PDF-" + b"x" * (MAX_CV_BYTES + 512 * 1024), "huge.pdf")
    assert response.status_code == 413
    assert "10 MB limit for a CV" in response.get_data(as_text=True)


def test_the_download_name_is_safe(app, signed_in, placement, add_candidates, staff):
    maria, = add_candidates(placement, ["Maria Silva"], present=False)
    _upload(signed_in("priya@firm.example"), placement.id, maria, pdf_bytes(),
            '../../"evil"\r\nname.pdf')
    name = candidate(app, maria).cv_filename
    assert name.endswith(".pdf") and "/" not in name and '"' not in name and "\n" not in name


def _expire(app, project_id: int) -> None:
    with app.app_context():
        for shortlist in db.session.scalars(select(Shortlist).where(
                Shortlist.project_id == project_id)):
            shortlist.presented_at -= timedelta(days=31)
            shortlist.expires_at -= timedelta(days=30, seconds=1)
        db.session.commit()


def test_after_the_expiry_the_client_sees_expired_and_the_cv_is_404(
        app, signed_in, post_form, placement, add_candidates, acme_client, staff):
    maria, = add_candidates(placement, ["Maria Silva"])
    client = signed_in("jordan@acme.example")
    profile = f"/projects/{placement.id}/candidates/{maria}"
    assert client.get(profile + "/cv").status_code == 200
    _expire(app, placement.id)
    page = client.get(profile)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "ask us to re-present" in text
    assert "Leeds" not in text and "pipelines" not in text
    list_page = client.get(f"/projects/{placement.id}/candidates").get_data(as_text=True)
    assert "ask us to re-present" in list_page and "Leeds" not in list_page
    assert client.get(profile + "/cv").status_code == 404
    response = post_form(client, profile + "/decision", {"kind": "invite", "reason_id": 0},
                         form_page=f"/projects/{placement.id}/candidates")
    assert response.status_code == 422 and candidate(app, maria).decisions == []
    # staff still see it all, and can present it again: the client sees it again
    staff_browser = signed_in("priya@firm.example")
    assert staff_browser.get(profile + "/cv").status_code == 200
    post_form(staff_browser, f"/staff/projects/{placement.id}/candidate-shortlists",
              {"candidate_ids": [maria]}, form_page=f"/projects/{placement.id}/candidates")
    assert client.get(profile + "/cv").status_code == 200


def test_an_admin_takes_reasons_off_the_list_but_never_the_last_one(
        app, signed_in, post_form, admin):
    browser = signed_in("ada@firm.example")
    settings = "/admin/candidates/settings"
    with app.app_context():
        reasons = db.session.execute(select(RejectionReason.id, RejectionReason.label)
                                     .where(RejectionReason.retired_at.is_(None))).all()
    assert len(reasons) >= 2
    *retired, (last_id, last_label) = reasons
    for reason_id, label in retired:
        assert post_form(browser, f"/admin/candidates/reasons/{reason_id}/retire", {},
                         form_page=settings).status_code == 302
        assert f"“{label}” is off the list." in browser.get(settings).get_data(as_text=True)
    assert post_form(browser, f"/admin/candidates/reasons/{last_id}/retire", {},
                     form_page=settings).status_code == 302
    page = browser.get(settings).get_data(as_text=True)
    assert "Keep at least one reason on the list." in page and "off the list." not in page
    with app.app_context():
        assert db.session.get(RejectionReason, last_id).retired_at is None
        assert db.session.scalar(select(RejectionReason.label).where(
            RejectionReason.retired_at.is_(None))) == last_label


def test_the_expiry_follows_the_admins_setting(app, signed_in, post_form, placement,
                                               add_candidates, admin):
    browser = signed_in("ada@firm.example")
    assert post_form(browser, "/admin/candidates/settings",
                     {"expiry_days": 7, "retention_days": 365}).status_code == 302
    refused = post_form(browser, "/admin/candidates/settings",
                        {"expiry_days": 0, "retention_days": 365})
    assert refused.status_code == 422
    maria, = add_candidates(placement, ["Maria Silva"])
    with app.app_context():
        shortlist = db.session.query(Shortlist).one()
        assert shortlist.expires_at - shortlist.presented_at == timedelta(days=7)
