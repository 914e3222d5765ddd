"""The firm's values, recruiting process and branding: read by anyone, edited by admins."""

import io
import os
import re

import pytest
from flask import render_template
from PIL import Image
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.auth.models import Role
from portal.concurrency import DeletedMeanwhile
from portal.content import services
from portal.content.models import FirmSettings, ProcessStep, ValueItem
from portal.devdata import demo
from portal.extensions import db
from tests.conftest import csrf_token, make_app
from tests.support.forms import hidden_fields
from tests.support.rows import count_rows

ADMIN = "admin@firm.example"


@pytest.fixture
def people(make):
    """An admin, a staff member and a client of Acme."""
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    make.user("staff@firm.example", role=Role.STAFF)
    make.user("jordan@acme.example", organization="Acme Corp")


@pytest.fixture
def add(app):
    """Add a value or a process step through the service, as the admin pages do."""

    def add_item(model, title: str, body: str = "Body.", **fields):
        with app.app_context():
            db.session().expire_on_commit = False
            item = services.add_item(model, by=None, title=title, body=body, **fields)
            db.session.commit()
            return item

    return add_item


def _titles(app, model) -> list[str]:
    with app.app_context():
        return [item.title for item in services.ordered_items(model)]


def _png(size=(40, 20), colour=(31, 78, 121)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _noise_png(side: int) -> bytes:
    """A real PNG that cannot compress: random pixels."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def _settings(name="Northwind Partners", colour="#1f4e79", **extra) -> dict:
    return {"firm_name": name, "brand_color": colour, **extra}


def _upload(data: bytes, filename: str) -> tuple:
    return (io.BytesIO(data), filename)


# Public pages


def test_an_anonymous_visitor_reads_the_values_with_how_we_live_them(client, add):
    add(ValueItem, "Tell the truth early", "Bad news does not improve with age.",
        example="We moved the ETA **the same day** and said why.")
    page = client.get("/values")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tell the truth early" in html and "Bad news does not improve with age." in html
    assert "How we live it" in html and "<strong>the same day</strong>" in html


def test_an_anonymous_visitor_reads_the_process_steps_in_order(app, client, add):
    for title in ("Sourcing", "Screening", "Structured interview", "Placement and follow-up"):
        add(ProcessStep, title, f"What happens at *{title.lower()}*.")
    page = client.get("/process")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    positions = [html.index(t) for t in ("Sourcing", "Screening", "Structured interview",
                                         "Placement and follow-up")]
    assert positions == sorted(positions)
    assert "<em>screening</em>" in html


def test_every_page_links_to_values_and_process_signed_in_or_not(client, signed_in, people):
    for browser, path in ((client, "/login"), (signed_in("jordan@acme.example"), "/")):
        html = browser.get(path).get_data(as_text=True)
        assert 'href="/values"' in html and 'href="/process"' in html, path


def test_scripts_in_markdown_fields_are_sanitised_on_the_public_pages(client, add):
    add(ValueItem, "<b>Bold</b> claims", "<script>alert('body')</script> and "
        "[click me](javascript:alert(1))", example='<img src="x" onerror="alert(1)">')
    add(ProcessStep, "Screening", "<iframe src='https://evil.example'></iframe>"
        "[ok](https://example.com)")
    values = client.get("/values").get_data(as_text=True)
    process = client.get("/process").get_data(as_text=True)
    for html in (values, process):
        assert "<script>alert" not in html and 'href="javascript:' not in html
        assert '<img src="x"' not in html and "<iframe" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; claims" in values
    assert 'href="https://example.com" rel="noopener noreferrer nofollow"' in process


# Admin editing


def test_an_admin_adds_a_value_and_a_client_reads_it(app, signed_in, people, post_form):
    browser = signed_in(ADMIN)
    response = post_form(browser, "/admin/content/values/new", {
        "title": "A name, not a queue", "body": "Every step has an owner.",
        "example": "Milestones show the owner's **phone number**.", "save": "Save",
    })
    assert response.status_code == 302
    assert _titles(app, ValueItem) == ["A name, not a queue"]
    html = signed_in("jordan@acme.example").get("/values").get_data(as_text=True)
    assert "A name, not a queue" in html and "<strong>phone number</strong>" in html


def test_a_value_needs_a_title_and_an_example(app, signed_in, people, post_form):
    response = post_form(signed_in(ADMIN), "/admin/content/values/new",
                         {"title": "   ", "body": "Something.", "example": "", "save": "Save"})
    assert response.status_code == 422
    assert "nothing was saved" in response.get_data(as_text=True)
    assert count_rows(app, ValueItem) == 0


def test_an_admin_edits_a_process_step(app, signed_in, people, post_form, add):
    step = add(ProcessStep, "Screening", "A short call.")
    path = f"/admin/content/steps/{step.id}/edit"
    browser = signed_in(ADMIN)
    assert "A short call." in browser.get(path).get_data(as_text=True)
    response = post_form(browser, path, {"title": "Phone screening",
                                         "body": "A 30-minute call.", "save": "Save"})
    assert response.status_code == 302
    html = browser.get("/process").get_data(as_text=True)
    assert "Phone screening" in html and "A 30-minute call." in html
    assert "A short call." not in html


def test_an_admin_reorders_process_steps(app, signed_in, people, post_form, add):
    sourcing, screening, interview = (add(ProcessStep, t) for t in
                                      ("Sourcing", "Screening", "Interview"))
    browser = signed_in(ADMIN)
    move = "/admin/content/steps/{}/move"
    assert post_form(browser, move.format(interview.id), {"direction": "up"},
                     "/admin/content").status_code == 302
    assert _titles(app, ProcessStep) == ["Sourcing", "Interview", "Screening"]
    post_form(browser, move.format(sourcing.id), {"direction": "down"}, "/admin/content")
    assert _titles(app, ProcessStep) == ["Interview", "Sourcing", "Screening"]
    # Already first: nothing moves, nothing breaks.
    post_form(browser, move.format(interview.id), {"direction": "up"}, "/admin/content")
    assert _titles(app, ProcessStep) == ["Interview", "Sourcing", "Screening"]
    assert post_form(browser, move.format(screening.id), {"direction": "sideways"},
                     "/admin/content").status_code == 400


def test_an_admin_deletes_a_value_and_the_rest_keep_their_order(app, signed_in, people,
                                                                 post_form, add):
    first, second, third = (add(ValueItem, t, example="x") for t in ("One", "Two", "Three"))
    browser = signed_in(ADMIN)
    response = post_form(browser, f"/admin/content/values/{second.id}/delete", {},
                         "/admin/content")
    assert response.status_code == 302
    assert _titles(app, ValueItem) == ["One", "Three"]
    post_form(browser, f"/admin/content/values/{third.id}/move", {"direction": "up"},
              "/admin/content")
    assert _titles(app, ValueItem) == ["Three", "One"]
    add(ValueItem, "Four", example="x")
    assert _titles(app, ValueItem) == ["Three", "One", "Four"]


# Two admins at once: one deletes what the other is editing or moving


@pytest.fixture
def second_admin(make):
    make.user("alex@firm.example", role=Role.ADMIN, name="Alex Kim")


def test_a_value_deleted_while_an_admin_edits_it_comes_back_to_be_added_again(
    app, signed_in, people, second_admin, post_form, add
):
    value = add(ValueItem, "Candour", "We say what we see.", example="Early news.")
    path = f"/admin/content/values/{value.id}/edit"
    morgan, alex = signed_in(ADMIN), signed_in("alex@firm.example")
    form = hidden_fields(morgan.get(path).get_data(as_text=True))  # Morgan starts editing
    assert post_form(alex, f"/admin/content/values/{value.id}/delete", {},
                     "/admin/content").status_code == 302

    words = {"title": "Candour", "body": "We say what we see, early.",
             "example": "Bad news first, with a plan.", "save": "Save"}
    response = morgan.post(path, data={**form, **words})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This value was deleted while you were editing it." in page
    assert "Bad news first, with a plan." in page  # nothing she typed is lost
    assert 'action="/admin/content/values/new"' in page
    assert count_rows(app, ValueItem) == 0  # nothing saved until she says so
    again = morgan.post("/admin/content/values/new", data={**hidden_fields(page), **words})
    assert again.status_code == 302
    assert _titles(app, ValueItem) == ["Candour"]


def test_moving_or_deleting_a_step_another_admin_deleted_says_so(
    app, signed_in, people, second_admin, post_form, add
):
    add(ProcessStep, "Sourcing")
    screening = add(ProcessStep, "Screening")
    morgan, alex = signed_in(ADMIN), signed_in("alex@firm.example")
    token = csrf_token(morgan, "/admin/content")  # Morgan has the list open
    assert post_form(alex, f"/admin/content/steps/{screening.id}/delete", {},
                     "/admin/content").status_code == 302

    moved = morgan.post(f"/admin/content/steps/{screening.id}/move",
                        data={"csrf_token": token, "direction": "up"}, follow_redirects=True)
    assert moved.status_code == 200
    assert "That process step was deleted by someone else: nothing moved." in moved.get_data(
        as_text=True)
    deleted = morgan.post(f"/admin/content/steps/{screening.id}/delete",
                          data={"csrf_token": token}, follow_redirects=True)
    assert deleted.status_code == 200
    assert "That process step was already deleted by someone else." in deleted.get_data(
        as_text=True)
    assert _titles(app, ProcessStep) == ["Sourcing"]


@pytest.mark.parametrize("change", ["edit", "move", "delete"])
def test_a_change_reaching_the_database_after_another_admins_delete_is_refused(
    app, add, change
):
    """The narrow race: the request read the value, then another admin's delete committed
    before it took its lock. It is told so (DeletedMeanwhile), never a database error."""
    add(ValueItem, "Care", example="x")
    doomed = add(ValueItem, "Candour", example="x")
    with app.app_context():
        value = db.session.get(ValueItem, doomed.id)  # read, as the view does first
        with db.engine.connect() as other_admin:
            other_admin.execute(ValueItem.__table__.delete().where(ValueItem.id == doomed.id))
            other_admin.commit()
        attempt = {
            "edit": lambda: services.update_item(value, by=None, title="Candour, always"),
            "move": lambda: services.move_item(value, up=True, by=None),
            "delete": lambda: services.delete_item(value, by=None),
        }[change]
        with pytest.raises(DeletedMeanwhile):
            attempt()
        db.session.rollback()
    assert _titles(app, ValueItem) == ["Care"]


def test_preview_shows_the_sanitised_result_and_saves_nothing(app, signed_in, people, post_form,
                                                              add):
    browser = signed_in(ADMIN)
    response = post_form(browser, "/admin/content/values/new", {
        "title": "Candour", "body": "We say it **plainly**. <script>alert(1)</script>",
        "example": "- first\n- second", "preview": "Preview",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview: not saved yet" in html
    assert "<strong>plainly</strong>" in html and "<li>first</li>" in html
    assert "<script>alert(1)" not in html
    assert count_rows(app, ValueItem) == 0
    step = add(ProcessStep, "Screening", "Old text.")
    post_form(browser, f"/admin/content/steps/{step.id}/edit",
              {"title": "Renamed", "body": "New *text*.", "preview": "Preview"})
    assert _titles(app, ProcessStep) == ["Screening"]


def test_staff_and_clients_get_404_on_every_admin_content_page(app, signed_in, people, add):
    value = add(ValueItem, "Candour", example="x")
    step = add(ProcessStep, "Screening")
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/content")]
    assert len(rules) >= 6
    for email in ("staff@firm.example", "jordan@acme.example"):
        browser = signed_in(email)
        token = csrf_token(browser, "/")
        for rule in rules:
            for kind, item in (("values", value), ("steps", step)):
                values = {"kind": kind, "item_id": item.id}
                url = app.url_map.bind("localhost").build(
                    rule.endpoint, {k: values[k] for k in rule.arguments})
                for method in rule.methods - {"HEAD", "OPTIONS"}:
                    data = {"csrf_token": token, "direction": "up", "title": "Hacked",
                            "body": "x", "example": "x", "firm_name": "Hacked",
                            "brand_color": "#000000"}
                    response = browser.open(url, method=method, data=data)
                    assert response.status_code == 404, f"{email} {method} {url}"
    assert _titles(app, ValueItem) == ["Candour"] and _titles(app, ProcessStep) == ["Screening"]
    with app.app_context():
        assert services.get_settings() is None


# Branding


def test_the_firm_name_and_brand_colour_brand_every_page(app, client, signed_in, people,
                                                         post_form):
    assert "Northwind Partners" in client.get("/login").get_data(as_text=True)
    response = post_form(signed_in(ADMIN), "/admin/content/settings",
                         _settings("Harbour & Co", "#F5D90A"))
    assert response.status_code == 302
    for path in ("/login", "/values", "/no/such/page"):
        html = client.get(path).get_data(as_text=True)
        assert "Harbour &amp; Co" in html and "Northwind" not in html, path
        # A light brand colour gets dark header text so the header stays readable.
        assert "--accent: #f5d90a; --accent-ink: #1d2430" in html, path


def test_the_brand_colour_must_be_a_hex_colour(app, signed_in, people, post_form):
    browser = signed_in(ADMIN)
    for bad in ("red", "#12345", "#12345g", "#1f4e79; background: url(x)"):
        response = post_form(browser, "/admin/content/settings", _settings(colour=bad))
        assert response.status_code == 422, bad
        assert "six hex digits" in response.get_data(as_text=True)
    with app.app_context():
        assert services.get_settings() is None


def test_the_database_refuses_a_brand_colour_that_is_not_hex(app):
    with app.app_context():
        for bad in ("#GGGGGG", "#1F4E79", "1f4e79#", "#1f4e7"):
            db.session.add(FirmSettings(id=1, firm_name="Firm", brand_color=bad))
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
        db.session.add(FirmSettings(id=2, firm_name="Second", brand_color="#000000"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_real_png_logo_is_accepted_and_served_to_anyone(app, client, signed_in, people,
                                                          post_form):
    logo = _png()
    response = post_form(signed_in(ADMIN), "/admin/content/settings",
                         _settings(logo=_upload(logo, "logo.png")))
    assert response.status_code == 302
    served = client.get("/branding/logo")
    assert served.status_code == 200 and served.data == logo
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get("/branding/logo", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    html = client.get("/values").get_data(as_text=True)
    assert re.search(r'<img class="brand-logo" src="/branding/logo\?v=\d+"', html)


def test_a_text_file_named_png_is_refused_and_the_old_logo_kept(app, client, signed_in, people,
                                                                 post_form):
    browser = signed_in(ADMIN)
    old = _png()
    post_form(browser, "/admin/content/settings", _settings(logo=_upload(old, "logo.png")))
    forged = b"\x89PNG\r\n\x1a\n but really just some text pretending to be an image"
    for data, name in ((b"hello, I am a text file", "logo.png"), (forged, "logo.png")):
        response = post_form(browser, "/admin/content/settings",
                             _settings("Renamed Firm", logo=_upload(data, name)))
        assert response.status_code == 422
        assert "not a PNG, JPEG, GIF or WebP image" in response.get_data(as_text=True)
    assert client.get("/branding/logo").data == old
    # The refused upload changed nothing else either.
    assert "Renamed Firm" not in client.get("/values").get_data(as_text=True)


def test_an_oversized_logo_is_refused_and_the_old_logo_kept(client, signed_in, people,
                                                            post_form):
    """A real image, refused for its size alone."""
    browser = signed_in(ADMIN)
    old = _png()
    post_form(browser, "/admin/content/settings", _settings(logo=_upload(old, "logo.png")))
    big = _noise_png(500)
    assert len(big) > services.MAX_LOGO_BYTES
    # Encoded in memory: the test client would spool a body this size to a file it never closes.
    fields = _settings(logo=FileStorage(io.BytesIO(big), "big.png", content_type="image/png"),
                       csrf_token=csrf_token(browser, "/admin/content/settings"))
    boundary, body = encode_multipart(fields)
    response = browser.post("/admin/content/settings", data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    assert "the limit is 512 KB" in response.get_data(as_text=True)
    assert client.get("/branding/logo").data == old


def test_a_file_over_the_request_limit_gets_the_same_clear_message(app, client, signed_in,
                                                                    people):
    app.config["MAX_CONTENT_LENGTH"] = 300 * 1024
    browser = signed_in(ADMIN)
    big = FileStorage(io.BytesIO(_noise_png(400)), "huge.png", content_type="image/png")
    fields = _settings(logo=big, csrf_token=csrf_token(browser, "/admin/content/settings"))
    boundary, body = encode_multipart(fields)
    response = browser.post("/admin/content/settings", data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "far over the 512 KB limit" in response.get_data(as_text=True)
    assert client.get("/branding/logo").status_code == 404


def test_an_svg_logo_is_refused(client, signed_in, people, post_form):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = post_form(signed_in(ADMIN), "/admin/content/settings",
                         _settings(logo=_upload(svg, "logo.svg")))
    assert response.status_code == 422
    assert "SVG logos are not accepted" in response.get_data(as_text=True)
    assert client.get("/branding/logo").status_code == 404


def test_an_admin_removes_the_logo(client, signed_in, people, post_form):
    browser = signed_in(ADMIN)
    post_form(browser, "/admin/content/settings", _settings(logo=_upload(_png(), "logo.png")))
    post_form(browser, "/admin/content/settings", _settings(remove_logo="y"))
    assert client.get("/branding/logo").status_code == 404
    assert "brand-logo" not in client.get("/values").get_data(as_text=True)


def test_pages_still_render_with_the_configured_name_when_the_database_is_down(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing-folder' / 'portal.db'}", str(tmp_path))
    response = app.test_client().get("/no/such/page")
    assert response.status_code == 404
    assert "Northwind Partners" in response.get_data(as_text=True)


def test_branding_is_read_once_per_request_however_many_templates_use_it(app):
    statements = []
    with app.test_request_context("/values"):
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            for _ in range(3):
                render_template("content/values.html", items=[])
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "firm_settings" in s]) == 1


# Demo


def test_the_demo_seeds_values_and_process_once_and_keeps_admin_edits(app):
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        values = services.ordered_items(ValueItem)
        steps = services.ordered_items(ProcessStep)
        assert 4 <= len(values) <= 5 and 6 <= len(steps) <= 8
        assert all(v.example.strip() for v in values)
        services.update_item(values[0], by=None, title="Edited by an admin")
        db.session.commit()
        assert demo.load_demo() is False
        db.session.commit()
        assert len(services.ordered_items(ValueItem)) == len(values)
        assert len(services.ordered_items(ProcessStep)) == len(steps)
        assert services.ordered_items(ValueItem)[0].title == "Edited by an admin"
        assert services.get_settings() is None  # the firm name stays the configured one
