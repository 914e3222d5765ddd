"""The closeout PDF is kept until anything it shows changes: each input changed in turn (the
closeout's text, the project, a milestone, the ETA history, the care contact, a pulse answer,
the firm's name, colour and logo, the client's timezone, the care contact's photo) gives a new
PDF, read back with pdftotext, pdfimages and pdftoppm."""

import io
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.auth.models import Role
from portal.closeout import services as closeout_services
from portal.closeout.models import Closeout
from portal.content import services as content_services
from portal.content.client_figures import SWITCHES, update_client_figures
from portal.extensions import db
from portal.projects import services as project_services
from portal.projects.models import EtaChange, Milestone, Project, ProjectStatus
from portal.pulses import services as pulses
from portal.pulses.models import PulseAnswer, PulseRequest, Scale, Trigger


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, lines joined by spaces."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf,  # noqa: S607 (Debian's poppler)
                          capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode().split())


def _png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def closed_out(app, make):
    """A closed-out project in Pago Pago (UTC−11) with two milestones, one kept 7 days ahead,
    and one pulse answered about it: CSAT 5."""
    make.organization("Acme Corp", timezone="Pacific/Pago_Pago")
    staff = make.user("dana@firm.example", role=Role.STAFF, name="Dana Whitfield")
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Customer portal rebuild", contact=staff,
                           status=ProjectStatus.DONE)
    request = make.pulse(jordan, trigger=Trigger.UPDATE, project=project, now=datetime.now(UTC))
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, scores={q.id: 5 if q.scale == Scale.CSAT else 9
                                             for q in pulse.template.questions}, comments={})
        db.session.commit()
    for title, planned in (("Discovery", -20), ("Launch", -5)):
        milestone = make.milestone(project, title=title, owner=staff, planned_in_days=planned)
        with app.app_context():
            milestone = db.session.get(Milestone, milestone.id)
            project_services.complete_milestone(milestone,
                                                on=milestone.planned_on - timedelta(days=3))
            db.session.commit()
    make.closeout(project, contact=staff, summary="We rebuilt the customer portal.")
    return project.id


def test_each_thing_the_pdf_shows_renders_a_new_pdf_and_nothing_else_does(
        app, closed_out, signed_in):
    with app.app_context():  # figures from a single answer or three deliveries are shown
        update_client_figures(min_count=1, by=None, **dict.fromkeys(SWITCHES, True))
        db.session.commit()
    browser = signed_in("jordan@acme.example")
    url = f"/projects/{closed_out}/closeout.pdf"
    shown = browser.get(url).data
    text = _pdf_text(shown)
    assert "We rebuilt the customer portal" in text and "(3 of 3)" in text
    assert browser.get(url).data == shown  # nothing changed: the kept PDF

    def after(change) -> str:
        """Make a change, download again: a new PDF (and its text) is expected."""
        nonlocal shown
        with app.app_context():
            change(db.session.scalar(select(Project).where(Project.id == closed_out)))
            db.session.commit()
        response = browser.get(url)
        assert response.mimetype == "application/pdf", response.status_code
        new = response.data
        assert new != shown, f"the kept PDF survived: {change.__doc__}"
        assert _kept(app, closed_out) == new  # and kept until the next change
        shown = new
        return _pdf_text(new)

    def edit_text(project):
        """the closeout's text"""
        closeout = project.closeout
        closeout_services.edit_closeout(closeout, care_contact=closeout.care_contact,
                                        summary="We rebuilt the customer portal, and more.",
                                        outcomes=closeout.outcomes,
                                        care_next_steps=closeout.care_next_steps)

    assert "and more" in after(edit_text)

    def rename(project):
        """the project's name"""
        project.name = "Portal, phase one"

    assert "Portal, phase one" in after(rename)

    def retitle(project):
        """a milestone"""
        project.milestones[0].title = "Research and interviews"

    assert "Research and interviews" in after(retitle)

    def move_late(project):
        """the ETA history: Launch moved 10 days before delivery to a date it then missed"""
        launch = project.milestones[1]
        db.session.add(EtaChange(project=project, milestone=launch, reason="Scope cut.",
                                 old_eta=launch.planned_on,
                                 new_eta=launch.completed_on - timedelta(days=2),
                                 changed_at=datetime.combine(
                                     launch.completed_on - timedelta(days=10),
                                     datetime.min.time(), tzinfo=UTC)))

    assert "(2 of 3)" in after(move_late)

    def care_contact(project):
        """the client-care contact's phone number"""
        project.closeout.care_contact.phone = "+44 20 7946 0999"

    assert "+44 20 7946 0999" in after(care_contact)

    def change_answer(project):
        """a pulse answer (CSAT 5 → 1)"""
        answer = db.session.scalar(select(PulseAnswer).where(PulseAnswer.scale == Scale.CSAT))
        answer.score = 1

    text = after(change_answer)
    assert "0% CSAT" in text and "0 of 1 answer" in text and "100%" not in text.split("told us")[1]

    def firm_name(project):
        """the firm's name"""
        content_services.update_settings(firm_name="Harbour Partners", brand_color="#1f4e79",
                                         by=None)

    assert "Harbour Partners" in after(firm_name)

    def colour(project):
        """the brand colour"""
        content_services.update_settings(firm_name="Harbour Partners", brand_color="#7a1f5c",
                                         by=None)

    assert "Harbour Partners" in after(colour)

    def logo(project):
        """the logo"""
        content_services.update_settings(firm_name="Harbour Partners", brand_color="#7a1f5c",
                                         logo=_png("#7a1f5c"), by=None)

    after(logo)

    def new_logo(project):
        """another logo, of the same size"""
        content_services.update_settings(firm_name="Harbour Partners", brand_color="#7a1f5c",
                                         logo=_png("#1f4e79"), by=None)

    after(new_logo)
    published = _published_on(app, closed_out, "Pacific/Pago_Pago")

    def timezone(project):
        """the client's timezone: 25 hours east, so the published date is another day"""
        db.session.get(Organization, project.organization_id).timezone = "Pacific/Kiritimati"

    text = after(timezone)
    assert f"published {_published_on(app, closed_out, 'Pacific/Kiritimati')}" in text
    assert f"published {published}" not in text


def _kept(app, project_id: int) -> bytes | None:
    with app.app_context():
        return db.session.scalar(select(Closeout.pdf).where(Closeout.project_id == project_id))


def _published_on(app, project_id: int, zone: str) -> str:
    """The closeout's publishing date in a timezone, as the PDF writes it ('3 Mar 2026')."""
    from zoneinfo import ZoneInfo

    with app.app_context():
        at = db.session.scalar(select(Closeout.published_at)
                               .where(Closeout.project_id == project_id))
    return f"{at.astimezone(ZoneInfo(zone)):%-d %b %Y}"


def _photo(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def _images(pdf: bytes, tmp_path) -> list[str]:
    """The images in the PDF as pdfimages lists them: one line per image (width, height...)."""
    path = tmp_path / "closeout.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdfimages", "-list", str(path)],  # noqa: S603,S607 (poppler)
                            capture_output=True, check=True, timeout=60).stdout.decode()
    return listed.splitlines()[2:]  # after the header and its underline


def _page_colours(pdf: bytes, tmp_path) -> set[tuple[int, int, int]]:
    """The colours of the PDF's pages drawn by pdftoppm at 50 dpi, roughly (to 1/8)."""
    path = tmp_path / "closeout.pdf"
    path.write_bytes(pdf)
    for old in tmp_path.glob("page*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path),  # noqa: S603,S607
                    str(tmp_path / "page")], check=True, timeout=60)
    found = set()
    for drawn in tmp_path.glob("page*.png"):
        page = Image.open(drawn).convert("RGB")
        colours = page.getcolors(page.width * page.height)
        found |= {(r // 32, g // 32, b // 32) for _, (r, g, b) in colours}
    return found


def test_the_care_contacts_photo_is_in_the_pdf_and_a_new_photo_renders_a_new_pdf(
        app, closed_out, signed_in, tmp_path):
    from portal.accounts import photos
    from portal.auth.models import User

    browser = signed_in("jordan@acme.example")
    url = f"/projects/{closed_out}/closeout.pdf"
    initials = browser.get(url).data
    assert _images(initials, tmp_path) == []  # no photo yet: initials, as on the page
    assert "DW" in _pdf_text(initials)

    def photo(colour: str | None) -> bytes:
        with app.app_context():
            dana = db.session.scalar(select(User).where(User.email == "dana@firm.example"))
            photos.set_photo(dana, _photo(colour)) if colour else photos.remove_photo(dana)
            db.session.commit()
        return browser.get(url).data

    red = photo("#c81e1e")
    assert red != initials
    [image] = _images(red, tmp_path)
    assert image.split()[3:5] == [str(photos.SIDE), str(photos.SIDE)]  # the stored 256 px JPEG
    assert "DW" not in _pdf_text(red)
    assert (200 // 32, 30 // 32, 30 // 32) in _page_colours(red, tmp_path)
    blue = photo("#1e3cc8")
    assert blue != red and len(_images(blue, tmp_path)) == 1
    assert (200 // 32, 30 // 32, 30 // 32) not in _page_colours(blue, tmp_path)
    assert (30 // 32, 60 // 32, 200 // 32) in _page_colours(blue, tmp_path)
    assert browser.get(url).data == blue  # kept until the photo changes again
    back = photo(None)
    assert _images(back, tmp_path) == [] and "DW" in _pdf_text(back)
    page = browser.get(f"/projects/{closed_out}/closeout").get_data(as_text=True)
    assert 'class="avatar"' in page
