"""Staff keep what clients see of them true: name, job title, phone and a photo beside "who to
call". Admins edit anyone's. A photo is taken only as a real PNG or JPEG of at most 2 MB and
is served as a small JPEG the portal made, never as uploaded."""

import io
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.accounts.models import StaffPhoto
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.concurrency import CHANGED_MEANWHILE
from portal.extensions import db
from tests.support.rows import count_rows


def _image(fmt: str = "JPEG", size=(800, 600), colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


def _png_bomb(side: int = 30_000) -> bytes:
    """A tiny PNG that claims side x side pixels of one colour (some 100 KB compressed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * side  # filter byte and a grey row
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


@pytest.fixture
def firm(make):
    priya = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    make.user("admin@firm.example", role=Role.ADMIN, name="Morgan Admin")
    make.user("jordan@acme.example", organization="Acme Corp", name="Jordan Blake")
    project = make.project("Acme Corp", name="Customer portal rebuild", contact=None)
    return {"priya": priya, "project": project}


def _open(browser, path: str) -> dict[str, str]:
    """Open the profile form: the hidden fields a browser would send back with it."""
    page = browser.get(path).get_data(as_text=True)
    return {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
            for name in ("csrf_token", "edit_version")}


def _save(browser, path: str, photo: bytes | None = None, filename: str = "me.jpg",
          opened: dict[str, str] | None = None, **fields):
    """Post the profile form, opened just now unless `opened` says when; encoded in memory
    (the test client's own encoder spools a big body to a temporary file it never closes)."""
    data = {"name": "Priya Nair", "job_title": "Delivery lead", "phone": "+44 20 7946 0000",
            **fields, **(opened or _open(browser, path))}
    if photo is not None:
        data["photo"] = FileStorage(io.BytesIO(photo), filename)
    boundary, body = encode_multipart(data)
    return browser.post(path, data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")


def _priya(app) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        user = db.session.scalars(select(User).where(User.email == "priya@firm.example")).one()
        db.session.commit()
        return user


def _make_contact(app, project, user) -> None:
    from portal.projects.models import Project

    with app.app_context():
        db.session.get(Project, project.id).contact_id = user.id
        db.session.commit()


def test_staff_edit_their_profile_and_clients_see_the_photo_beside_who_to_call(
        app, firm, signed_in):
    _make_contact(app, firm["project"], firm["priya"])
    priya = signed_in("priya@firm.example")
    response = _save(priya, "/staff/profile", _image(size=(1600, 1200)),
                     job_title="Head of delivery")
    assert response.status_code == 302
    user = _priya(app)
    assert user.job_title == "Head of delivery" and user.photo_version

    jordan = signed_in("jordan@acme.example")
    page = jordan.get(f"/projects/{firm['project'].id}").get_data(as_text=True)
    src = f"/people/{user.id}/photo?v={user.photo_version}"
    assert src in page and "Head of delivery" in page
    served = jordan.get(src)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    assert "private" in served.headers["Cache-Control"]
    with Image.open(io.BytesIO(served.data)) as shown:
        assert shown.format == "JPEG" and shown.size == (256, 256)
    assert jordan.get(src, headers={"If-None-Match": f'"{user.photo_version}"'}).status_code == 304
    assert app.test_client().get(src).status_code == 302  # signed out: to the sign-in page


def test_what_is_served_is_never_the_upload(app, firm, signed_in):
    upload = _image(size=(256, 256), exif=b"Exif\x00\x00GPS secret")
    _save(signed_in("priya@firm.example"), "/staff/profile", upload)
    with app.app_context():
        stored = db.session.scalars(select(StaffPhoto.image)).one()
    assert stored != upload and b"GPS secret" not in stored


def test_a_transparent_png_becomes_a_jpeg_on_white(app, firm, signed_in):
    png = _image("PNG", size=(300, 500), colour=(0, 0, 0, 0))
    assert _save(signed_in("priya@firm.example"), "/staff/profile", png,
                 filename="me.png").status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(StaffPhoto.image)).one()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.getpixel((128, 128)) > (250, 250, 250)


@pytest.mark.parametrize("upload, filename, message", [
    (b"GIF89a" + b"\x00" * 100, "me.jpg", "not a PNG or JPEG image"),
    (b"%PDF-1.4 not a photo", "me.png", "not a PNG or JPEG image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "me.jpg", "not a PNG or JPEG image"),
    (_image()[:2000], "me.jpg", "not a PNG or JPEG image"),  # truncated
    (b"", "me.jpg", "The file is empty"),
    (_png_bomb(), "bomb.png", "at most 25 megapixels"),
], ids=["gif", "pdf", "svg", "truncated", "empty", "png-bomb"])
def test_anything_but_a_png_or_jpeg_photo_is_refused_and_nothing_changes(
        app, firm, signed_in, upload, filename, message):
    priya = signed_in("priya@firm.example")
    response = _save(priya, "/staff/profile", upload, filename=filename, job_title="Changed")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert _priya(app).job_title is None  # the other fields were not saved either
    assert count_rows(app, StaffPhoto) == 0


def test_a_photo_over_2_mb_is_refused_and_a_50_mb_one_is_not_even_read(
        app, firm, signed_in):
    priya = signed_in("priya@firm.example")
    noisy = Image.frombytes("RGB", (1500, 1500), bytes(range(256)) * (1500 * 1500 * 3 // 256)
                            + b"\x00" * (1500 * 1500 * 3 % 256))
    out = io.BytesIO()
    noisy.save(out, "PNG", compress_level=0)
    over = out.getvalue()
    assert len(over) > 2 * 1024 * 1024
    response = _save(priya, "/staff/profile", over[:2 * 1024 * 1024 + 10], filename="me.png")
    assert response.status_code in (413, 422)
    assert "2 MB" in response.get_data(as_text=True)

    huge = _save(priya, "/staff/profile", b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024))
    assert huge.status_code == 413
    assert "far over the 2 MB" in huge.get_data(as_text=True)
    assert count_rows(app, StaffPhoto) == 0


def test_admins_edit_anyones_profile_and_it_is_audited(app, firm, signed_in):
    admin = signed_in("admin@firm.example")
    path = f"/admin/people/{firm['priya'].id}"
    assert "Profile of Priya Nair" in admin.get(path).get_data(as_text=True)
    assert _save(admin, path, _image(), phone="+44 20 0000 1111").status_code == 302
    assert _priya(app).phone == "+44 20 0000 1111"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.profile_changed")).one()
        assert event.actor_email == "admin@firm.example"
        assert "phone +44 20 7946 0000" not in event.summary  # it was empty before
        assert "phone — to +44 20 0000 1111" in event.summary and "new photo" in event.summary

    assert _save(admin, path, remove_photo="y").status_code == 302
    assert _priya(app).photo_version is None and count_rows(app, StaffPhoto) == 0


def test_staff_cannot_edit_a_colleagues_profile_and_clients_have_none(app, firm, signed_in):
    priya = signed_in("priya@firm.example")
    admin_id = _user_id(app, "admin@firm.example")
    assert priya.get(f"/admin/people/{admin_id}").status_code == 404
    jordan = signed_in("jordan@acme.example")
    assert jordan.get("/staff/profile").status_code == 404
    admin = signed_in("admin@firm.example")
    assert admin.get(f"/admin/people/{_user_id(app, 'jordan@acme.example')}").status_code == 404
    assert jordan.get(f"/people/{_user_id(app, 'jordan@acme.example')}/photo").status_code == 404


def test_a_new_photo_refreshes_the_clients_live_page(app, firm, signed_in):
    _make_contact(app, firm["project"], firm["priya"])
    from portal.projects.models import Project

    with app.app_context():
        before = db.session.get(Project, firm["project"].id).version
    _save(signed_in("priya@firm.example"), "/staff/profile", _image())
    with app.app_context():
        assert db.session.get(Project, firm["project"].id).version > before


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalars(select(User.id).where(User.email == email)).one()


@pytest.mark.parametrize(("field", "value"), [("name", "N" * 121), ("job_title", "T" * 121),
                                              ("phone", "5" * 41)])
def test_a_profile_value_longer_than_its_column_is_refused_by_the_service_itself(
        app, firm, field, value):
    from portal.accounts.services import ProfileRefused, update_profile

    with app.app_context():
        priya = db.session.get(User, firm["priya"].id)
        admin = db.session.scalars(select(User).where(User.role == Role.ADMIN)).one()
        values = {"name": "Priya Nair", "job_title": None, "phone": None, field: value}
        with pytest.raises(ProfileRefused) as refused:
            update_profile(priya, **values, by=admin)
        db.session.rollback()
    assert refused.value.field == field and "too long" in str(refused.value)
    assert (_priya(app).name, _priya(app).job_title, _priya(app).phone) == ("Priya Nair", None,
                                                                            None)


def _profile_events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.summary).where(
            AuditEvent.action == "user.profile_changed").order_by(AuditEvent.id)))


def test_when_an_admin_saves_first_the_persons_later_save_is_refused_and_shows_both(
        app, firm, signed_in):
    priya, admin = signed_in("priya@firm.example"), signed_in("admin@firm.example")
    own, theirs = "/staff/profile", f"/admin/people/{firm['priya'].id}"
    priya_opened, admin_opened = _open(priya, own), _open(admin, theirs)
    assert _save(admin, theirs, opened=admin_opened, job_title="Head of delivery",
                 phone="").status_code == 302

    refused = _save(priya, own, _image(), opened=priya_opened, job_title="Delivery lead",
                    phone="+44 20 1234 5678")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert CHANGED_MEANWHILE in page and "Head of delivery" in page  # what is there now
    assert 'value="+44 20 1234 5678"' in page and 'value="Delivery lead"' in page  # her words
    assert "The photo you chose was not kept" in page
    user = _priya(app)
    assert (user.job_title, user.phone, user.photo_version) == ("Head of delivery", None, None)
    assert count_rows(app, StaffPhoto) == 0
    assert len(_profile_events(app)) == 1

    # The form handed back carries what she has now seen: sending it again saves her words.
    again = {"csrf_token": priya_opened["csrf_token"], "edit_version": re.search(
        r'name="edit_version"[^>]*value="([^"]*)"', page).group(1)}
    assert _save(priya, own, _image(), opened=again, job_title="Delivery lead",
                 phone="+44 20 1234 5678").status_code == 302
    user = _priya(app)
    assert (user.job_title, user.phone) == ("Delivery lead", "+44 20 1234 5678")
    assert user.photo_version and count_rows(app, StaffPhoto) == 1


def test_when_the_person_saves_first_the_admins_later_save_is_refused_until_reopened(
        app, firm, signed_in):
    priya, admin = signed_in("priya@firm.example"), signed_in("admin@firm.example")
    own, theirs = "/staff/profile", f"/admin/people/{firm['priya'].id}"
    admin_opened = _open(admin, theirs)
    assert _save(priya, own, _image(), job_title="Delivery lead").status_code == 302
    photo = _priya(app).photo_version

    refused = _save(admin, theirs, opened=admin_opened, name="Priya N. Nair",
                    remove_photo="y")
    assert refused.status_code == 409
    assert 'value="Priya N. Nair"' in refused.get_data(as_text=True)
    user = _priya(app)
    assert (user.name, user.photo_version) == ("Priya Nair", photo)

    assert _save(admin, theirs, name="Priya N. Nair").status_code == 302  # reopened, then saved
    assert _priya(app).name == "Priya N. Nair" and _priya(app).photo_version == photo
    assert len(_profile_events(app)) == 2
