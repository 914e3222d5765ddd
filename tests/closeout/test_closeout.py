"""Closeout as user stories: staff close a finished project out, the client reads it and
downloads its PDF; nothing a document links to is ever fetched from outside our static files."""

import base64
import io
import logging
import re
import select
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.orm import undefer

from portal import ConfigurationError, create_app
from portal.auth.models import Role
from portal.closeout import services as closeout_services
from portal.closeout.models import Closeout
from portal.content import services as content_services
from portal.content.client_figures import SWITCHES, update_client_figures
from portal.db import local_today
from portal.extensions import db
from portal.pdf import (
    FetchRefused,
    PdfRenderFailed,
    RenderLimits,
    fetcher_settings,
    render_isolated,
    render_pdf,
    static_fetcher,
)
from portal.projects import services as project_services
from portal.projects.models import Milestone, Project, ProjectStatus
from portal.pulses import services as pulses
from portal.pulses.models import PulseRequest, Trigger

SUMMARY = "We rebuilt the **customer portal** on time for the spring launch."


def _complete(app, milestone, *, days_ago: int) -> None:
    with app.app_context():
        milestone = db.session.get(Milestone, milestone.id)
        today = local_today(milestone.project.organization.timezone)
        project_services.complete_milestone(milestone, on=today - timedelta(days=days_ago))
        db.session.commit()


@pytest.fixture
def acme(make, app):
    """Acme's finished project: one milestone 5 days late, one 3 days early; staff and clients."""
    staff = make.user("dana@firm.example", role=Role.STAFF, name="Dana Whitfield")
    care = make.user("sam@firm.example", role=Role.STAFF, name="Sam Okafor")
    make.user("jordan@acme.example", organization="Acme Corp")
    make.user("elena@globex.example", organization="Globex")
    project = make.project("Acme Corp", name="Customer portal rebuild", contact=staff)
    discovery = make.milestone(project, title="Discovery", owner=staff, planned_in_days=-20)
    launch = make.milestone(project, title="Launch", owner=staff, planned_in_days=-5)
    _complete(app, discovery, days_ago=15)
    _complete(app, launch, days_ago=8)
    return {"project": project, "staff": staff, "care": care}


def _closeout_form(care, **changes) -> dict:
    return {
        "summary": SUMMARY,
        "outcomes": "Sign-ups doubled against a plan of +50%.",
        "lessons": "Involve support staff from the first week.",
        "care_contact_id": str(care.id),
        "care_reach": "Mon–Fri 9:00–17:00 on the support line",
        "care_next_steps": "Sam calls you in 30 days to review the first month.",
        "publish": "Publish",
    } | changes


def _publish(post_form, browser, project, care, **changes):
    url = f"/staff/projects/{project.id}/closeout"
    return post_form(browser, url, _closeout_form(care, **changes))


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _pdf_link_targets(pdf: bytes) -> list[str]:
    targets = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            targets.append(str(action.get("/URI", "")))
    return targets


def _closeout_row(app, project_id: int) -> Closeout | None:
    with app.app_context():
        db.session().expire_on_commit = False
        return db.session.scalars(
            sql_select(Closeout).where(Closeout.project_id == project_id)
            .options(undefer(Closeout.pdf))
        ).one_or_none()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#7a1f5c").save(buffer, format="PNG")
    return buffer.getvalue()


def test_staff_close_out_a_finished_project_and_the_client_reads_and_downloads_it(
    app, signed_in, post_form, acme, today
):
    project, care = acme["project"], acme["care"]
    with app.app_context():
        content_services.update_settings(
            firm_name="Harbour Partners", brand_color="#7a1f5c", logo=_png(), by=None
        )
        # This firm shows a percentage from 3 deliveries (the default needs 5).
        update_client_figures(min_count=3, by=None, **dict.fromkeys(SWITCHES, True))
        db.session.commit()
    staff = signed_in("dana@firm.example")
    assert "Close out" in staff.get(f"/projects/{project.id}").get_data(as_text=True)
    response = _publish(post_form, staff, project, care)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projects/{project.id}/closeout"

    client = signed_in("jordan@acme.example")
    dashboard = client.get("/").get_data(as_text=True)
    assert f'href="/projects/{project.id}/closeout"' in dashboard
    page = client.get(f"/projects/{project.id}/closeout").get_data(as_text=True)
    assert "<strong>customer portal</strong>" in page and "Sam Okafor" in page
    assert "Sam calls you in 30 days" in page and "support line" in page
    # Timeline and ETA accuracy from the data: two milestones and the project, 2 of 3 kept.
    assert "5 days late" in page and "3 days early" in page
    assert "67%" in page and "(2 of 3)" in page
    assert "<svg" in page and f'href="/projects/{project.id}/closeout.pdf"' in page

    download = client.get(f"/projects/{project.id}/closeout.pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=customer-portal-rebuild-closeout.pdf"
    )
    text = _pdf_text(download.data)
    assert "We rebuilt the customer portal" in text and "Sam Okafor" in text
    assert "67%" in text and "2 of 3" in text and "Page 1 of" in text
    assert "Harbour Partners" in text  # the firm's name in the page header and footer
    assert PdfReader(io.BytesIO(download.data)).pages[0].images, "the logo is in the PDF"

    with app.app_context():
        stored = db.session.get(Project, project.id)
        assert stored.status == ProjectStatus.DONE and stored.closed_on == today
    row = _closeout_row(app, project.id)
    assert row.published_at is not None and row.pdf == download.data
    again = client.get(f"/projects/{project.id}/closeout.pdf")
    assert again.data == download.data
    assert _closeout_row(app, project.id).pdf_rendered_at == row.pdf_rendered_at


def test_preview_shows_the_closeout_and_saves_nothing(app, signed_in, post_form, acme):
    staff = signed_in("dana@firm.example")
    response = _publish(post_form, staff, acme["project"], acme["care"],
                        publish="", preview="Preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview: not saved yet" in page and "<strong>customer portal</strong>" in page
    assert _closeout_row(app, acme["project"].id) is None


def test_an_unfinished_project_cannot_be_closed_out_and_the_text_is_kept(
    app, make, signed_in, post_form, acme
):
    project = make.project("Acme Corp", name="Data migration")
    make.milestone(project, title="Cut-over", planned_in_days=10)
    staff = signed_in("dana@firm.example")
    assert "not finished yet" in staff.get(f"/staff/projects/{project.id}/closeout").get_data(
        as_text=True)
    response = _publish(post_form, staff, project, acme["care"],
                        summary="Half of the data moved, the rest next month.")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Data migration is not finished" in page and "1 of 1 milestones are still open" in page
    assert "Half of the data moved, the rest next month." in page
    with app.app_context():
        assert db.session.scalar(sql_select(func.count()).select_from(Closeout)) == 0
        stored = db.session.get(Project, project.id)
        assert not stored.is_closed and stored.version == project.version + 1  # the milestone
    assert signed_in("jordan@acme.example").get(
        f"/projects/{project.id}/closeout").status_code == 404


def test_a_closeout_without_a_care_contact_or_a_summary_is_refused(signed_in, post_form, acme):
    staff = signed_in("dana@firm.example")
    response = _publish(post_form, staff, acme["project"], acme["care"],
                        care_contact_id="0", summary="  ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose who on staff takes over" in page and "This field is required" in page


def test_another_organisations_client_gets_404_for_the_closeout_and_its_pdf(
    make, signed_in, acme
):
    project = acme["project"]
    make.closeout(project, contact=acme["care"], summary="Acme-only closeout")
    outsider = signed_in("elena@globex.example")
    for url in (f"/projects/{project.id}/closeout", f"/projects/{project.id}/closeout.pdf"):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert b"Acme-only" not in response.data and b"%PDF" not in response.data
    assert outsider.get(f"/staff/projects/{project.id}/closeout").status_code == 404


def test_editing_the_closeout_renders_a_new_pdf(app, signed_in, post_form, acme):
    project, care = acme["project"], acme["care"]
    staff = signed_in("dana@firm.example")
    _publish(post_form, staff, project, care)
    client = signed_in("jordan@acme.example")
    first = client.get(f"/projects/{project.id}/closeout.pdf").data
    assert _closeout_row(app, project.id).pdf == first

    edited = _publish(post_form, staff, project, care,
                      summary="Revised: the portal also serves the mobile app.")
    assert edited.status_code == 302
    row = _closeout_row(app, project.id)
    assert row.pdf is None and row.version == 2  # the stale PDF is gone at once

    second = client.get(f"/projects/{project.id}/closeout.pdf").data
    text = _pdf_text(second)
    assert "Revised: the portal also serves the mobile app." in text
    assert "spring launch" not in text
    assert _closeout_row(app, project.id).pdf == second != first


def test_markdown_scripts_and_javascript_links_are_inert_on_the_page_and_in_the_pdf(
    signed_in, post_form, acme
):
    project = acme["project"]
    hostile = ('<script>alert("owned")</script>\n\n[click me](javascript:alert(1)) and '
               '<a href="javascript:alert(2)">raw</a> and [fine](https://example.com/ok)')
    staff = signed_in("dana@firm.example")
    assert _publish(post_form, staff, project, acme["care"], summary=hostile,
                    lessons=hostile).status_code == 302
    client = signed_in("jordan@acme.example")
    page = client.get(f"/projects/{project.id}/closeout").get_data(as_text=True)
    assert not re.search(r"<script[^>]*>\s*alert", page)
    assert not re.search(r"<a\b[^>]*href=\"javascript:", page, re.IGNORECASE)
    assert "&lt;script&gt;" in page  # shown as the text it is, never run
    assert 'href="https://example.com/ok"' in page

    pdf = client.get(f"/projects/{project.id}/closeout.pdf").data
    targets = _pdf_link_targets(pdf)
    assert "https://example.com/ok" in targets
    assert not [t for t in targets if "javascript" in t.lower()]
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/JS(" not in pdf


@pytest.fixture
def watched_port():
    """A real listening socket on 127.0.0.1: the test asserts it never accepted a connection."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield listener
    listener.close()


def _connections(listener: socket.socket) -> int:
    readable, _, _ = select.select([listener], [], [], 0.2)
    return len(readable)


@pytest.fixture
def fetch_log(caplog) -> Callable[[], list[tuple[str, str]]]:
    """Every URL the PDF fetcher was asked for in the render process, and whether it was served
    or refused, as the renderer reports it to the portal's log."""
    caplog.set_level(logging.DEBUG, logger="portal.pdf")
    pattern = re.compile(r"PDF fetch (served|refused): (.*)")

    def fetches() -> list[tuple[str, str]]:
        found = (pattern.fullmatch(record.getMessage()) for record in caplog.records
                 if record.name == "portal.pdf")
        return [(match.group(2), match.group(1)) for match in found if match]

    return fetches


def hostile_urls(port: int) -> list[str]:
    return ["file:///etc/passwd", f"http://127.0.0.1:{port}/probe",
            "http://169.254.169.254/latest/meta-data"]


def test_a_closeout_linking_to_files_and_internal_addresses_fetches_nothing(
    signed_in, post_form, acme, watched_port, fetch_log
):
    port = watched_port.getsockname()[1]
    markdown = "\n\n".join(
        f"![image]({url}) and [link]({url}) and <img src=\"{url}\">" for url in hostile_urls(port)
    )
    staff = signed_in("dana@firm.example")
    _publish(post_form, staff, acme["project"], acme["care"], summary=markdown, lessons=markdown)
    response = signed_in("jordan@acme.example").get(f"/projects/{acme['project'].id}/closeout.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert _connections(watched_port) == 0
    served = [url for url, outcome in fetch_log() if outcome == "served"]
    assert served and all(
        url.endswith("/static/css/pdf.css") or url.startswith("data:") for url in served
    )


def test_the_pdf_fetcher_refuses_everything_but_our_static_files(app, watched_port, fetch_log):
    port = watched_port.getsockname()[1]
    hostile_html = "".join(
        f'<link rel="stylesheet" href="{url}"><link rel="attachment" href="{url}">'
        f'<img src="{url}" alt="">' for url in hostile_urls(port)
    )
    html = (f'<html><head><link rel="stylesheet" href="/static/css/pdf.css">{hostile_html}'
            '</head><body><h1 class="firm-name">Still renders</h1>'
            '<img src="/static/../../etc/passwd" alt=""></body></html>')
    with app.app_context():
        pdf = render_pdf(html)
        during_render = fetch_log()
        fetcher = static_fetcher(app)
        refused = [*hostile_urls(port), "/static/../../etc/passwd",
                   "/static/%2e%2e/%2e%2e/etc/passwd", "/static/css/../../../etc/passwd",
                   "https://evil.example/static/css/pdf.css", "/etc/passwd",
                   "ftp://127.0.0.1/static/css/pdf.css", "/static/css/missing.css"]
        for url in refused:
            with pytest.raises(FetchRefused):
                fetcher.fetch(url)
        allowed = fetcher.fetch("/static/css/pdf.css")
        same_origin = fetcher.fetch(app.config["BASE_URL"] + "/static/css/pdf.css")
        stylesheet = (Path(app.static_folder) / "css" / "pdf.css").read_bytes()
        assert allowed.read() == stylesheet == same_origin.read()
        assert allowed.content_type == "text/css"
        assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert "Still renders" in _pdf_text(pdf) and "Page 1 of 1" in _pdf_text(pdf)
    assert _connections(watched_port) == 0
    attempted = {url for url, _ in during_render}
    assert set(hostile_urls(port)) <= attempted  # each was asked for, by image, sheet or file
    assert [url for url, outcome in during_render if outcome == "served"] == [
        app.config["BASE_URL"] + "/static/css/pdf.css"
    ]
    assert not PdfReader(io.BytesIO(pdf)).attachments


def test_page_size_comes_from_the_setting(app, make, acme):
    closeout = make.closeout(acme["project"], contact=acme["care"])
    sizes = {}
    for setting in ("A4", "Letter"):
        app.config["PDF_PAGE_SIZE"] = setting
        with app.app_context():  # as a background job would: no request
            pdf = closeout_services.render_closeout_pdf(db.session.get(Closeout, closeout.id))
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        sizes[setting] = (round(float(box.width)), round(float(box.height)))
    assert sizes == {"A4": (595, 842), "Letter": (612, 792)}


def test_an_unknown_page_size_stops_start_up(tmp_path):
    with pytest.raises(ConfigurationError, match="PDF_PAGE_SIZE"):
        create_app({"PDF_PAGE_SIZE": "A3", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    app = create_app({"PDF_PAGE_SIZE": "letter", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert app.config["PDF_PAGE_SIZE"] == "Letter"


def test_a_project_page_links_to_its_published_closeout(make, signed_in, acme):
    project = acme["project"]
    client = signed_in("jordan@acme.example")
    assert "/closeout" not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert client.get(f"/projects/{project.id}/closeout.pdf").status_code == 404
    make.closeout(project, contact=acme["care"])
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert re.search(rf'href="/projects/{project.id}/closeout"', page)
    assert f"/staff/projects/{project.id}/closeout" not in page


def test_the_closeout_shows_what_the_client_told_us_in_pulses(app, make, signed_in):
    staff = make.user("tom@firm.example", role=Role.STAFF, name="Tom Becker")
    jordan = make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Warehouse move", status=ProjectStatus.DONE)
    request = make.pulse(jordan, trigger=Trigger.UPDATE, project=project,
                         now=datetime.now(UTC))
    with app.app_context():
        pulse = db.session.get(PulseRequest, request.id)
        pulses.record_answers(pulse, scores={q.id: 5 for q in pulse.template.questions},
                              comments={})
        db.session.commit()
    make.closeout(project, contact=staff)
    browser = signed_in("jordan@acme.example")
    page = browser.get(f"/projects/{project.id}/closeout").get_data(as_text=True)
    assert "What you told us along the way" in page
    # One answer of each kind: below the default minimum of 5, so no percentage is shown.
    assert "CSAT: the share of answers of 4 or 5" in page
    assert page.count("too few to show (1 so far)") == 3 and "100%" not in page
    pdf = browser.get(f"/projects/{project.id}/closeout.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "What you told us along the way" in text
    assert "too few to show (1 so far)" in text


def test_the_background_render_keeps_the_pdf_until_the_closeout_changes(app, make):
    staff = make.user("tom@firm.example", role=Role.STAFF, name="Tom Becker")
    project = make.project("Acme Corp", name="Warehouse move", status=ProjectStatus.DONE)
    closeout = make.closeout(project, contact=staff)
    with app.app_context():
        loaded = db.session.get(Closeout, closeout.id)
        assert closeout_services.ensure_pdf(loaded) is True
        db.session.commit()
        assert closeout_services.ensure_pdf(loaded) is False  # kept: nothing changed
        closeout_services.edit_closeout(loaded, care_contact=loaded.care_contact,
                                        summary="We delivered it, and more.",
                                        outcomes=loaded.outcomes,
                                        care_next_steps=loaded.care_next_steps)
        db.session.commit()
        assert closeout_services.ensure_pdf(loaded) is True
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(loaded.pdf)).pages)
        assert "and more" in text


def test_a_pdf_past_its_time_limit_is_stopped_and_the_client_is_told_to_come_back(
    app, make, signed_in, acme
):
    make.closeout(acme["project"], contact=acme["care"])
    client = signed_in("jordan@acme.example")
    url = f"/projects/{acme['project'].id}/closeout.pdf"
    app.config["PDF_RENDER_SECONDS"] = 0.001  # no real document renders this fast
    response = client.get(url)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The PDF is not ready yet" in page
    assert f'href="/projects/{acme["project"].id}/closeout"' in page
    assert _closeout_row(app, acme["project"].id).pdf is None  # nothing half-made is kept
    app.config["PDF_RENDER_SECONDS"] = 20
    response = client.get(url)
    assert response.status_code == 200 and "Customer portal rebuild" in _pdf_text(response.data)


def test_a_pathological_document_cannot_hold_the_renderer_or_its_memory(app):
    fetcher = fetcher_settings(app)
    endless = "<table>" + "<tr><td>row</td><td>cell text</td></tr>" * 3000 + "</table>"
    with pytest.raises(PdfRenderFailed, match=r"longer than 0\.3 s"):
        render_isolated(endless, fetcher=fetcher, limits=RenderLimits(seconds=0.3, memory_mb=1024))
    picture = io.BytesIO()  # a translucent image is decoded: 144 MB of pixels, and copies
    Image.new("RGBA", (6000, 6000), (122, 31, 92, 128)).save(picture, format="PNG")
    huge = f'<img src="data:image/png;base64,{base64.b64encode(picture.getvalue()).decode()}">'
    within = RenderLimits(seconds=60, memory_mb=400)
    assert render_isolated("<p>A short one</p>", fetcher=fetcher, limits=within).pdf
    with pytest.raises(PdfRenderFailed, match="needed more than 400 MB"):
        render_isolated(huge, fetcher=fetcher, limits=within)
    roomy = RenderLimits(seconds=60, memory_mb=2048)  # the limit, not the image, stopped it
    assert render_isolated(huge, fetcher=fetcher, limits=roomy).pdf.startswith(b"%PDF")
    rendering = render_isolated("<h1>Still here</h1>", fetcher=fetcher,
                                limits=RenderLimits(seconds=60, memory_mb=1024))
    assert "Still here" in _pdf_text(rendering.pdf)


def test_the_pdfs_milestone_chart_reads_each_day_once(app, signed_in, post_form, make):
    """Project 3 of the demo: milestones 1 and 2 days early and 1 day late. The chart's axis
    in the PDF once read "-2 -2 -2 -1 … -0 -0 0 +0 +0 +1"."""
    staff = make.user("dana@firm.example", role=Role.STAFF, name="Dana Whitfield")
    care = make.user("sam@firm.example", role=Role.STAFF, name="Sam Okafor")
    make.user("jordan@acme.example", organization="Acme Corp")
    project = make.project("Acme Corp", name="Data platform", contact=staff)
    for n, days in enumerate((-1, -2, 1, -1)):
        step = make.milestone(project, title=f"Step {n + 1}", owner=staff, planned_in_days=-20)
        _complete(app, step, days_ago=20 - days)
    assert _publish(post_form, signed_in("dana@firm.example"), project, care).status_code == 302

    pdf = signed_in("jordan@acme.example").get(f"/projects/{project.id}/closeout.pdf").data
    text = _pdf_text(pdf)
    axis = re.search(r"^-2\s+-1\s+0\s+\+1$", text, re.MULTILINE)
    assert axis, text
    assert "-0" not in text and "+0" not in text
    assert text.count("Step 1 (done)") == 1  # the phone's narrower chart is not in the PDF


def test_a_project_delivered_a_day_late_says_so_on_its_page_as_on_its_closeout(
    app, make, signed_in, post_form, acme, today
):
    """The project page once said "The ETA has not changed" beside a closeout "1 day late"."""
    project = make.project("Acme Corp", name="Data migration")
    _complete(app, make.milestone(project, title="Cut-over", planned_in_days=-1), days_ago=0)
    promised = today - timedelta(days=1)
    with app.app_context():  # promised for yesterday, never moved, and the day has passed
        db.session.get(Project, project.id).eta = promised
        db.session.commit()
    assert _publish(post_form, signed_in("dana@firm.example"), project,
                    acme["care"]).status_code == 302

    client = signed_in("jordan@acme.example")
    closeout = client.get(f"/projects/{project.id}/closeout").get_data(as_text=True)
    assert re.search(r"The whole project.*?1 day late", closeout, re.S)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "The ETA has not changed" not in page
    delivered = re.sub(r"<[^>]+>", "", re.search(
        r'<p class="delivery">(.*?)</p>', page, re.S).group(1))
    assert delivered.split() == (
        f"The ETA of {promised:%-d %b %Y} was never moved; the project was delivered on "
        f"{today:%-d %b %Y}, 1 day late.").split()
