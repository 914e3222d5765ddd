"""The firm's brand colour on every button, link and focus ring, always readable (WCAG AA),
and a favicon drawn from the logo or the firm's initial."""

import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from portal.auth.models import Role
from portal.content import brand

ADMIN = "admin@firm.example"
colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


def wcag_contrast(first: str, second: str) -> float:
    """The WCAG 2.1 contrast ratio, written out from the spec, independently of the portal."""

    def relative_luminance(colour: str) -> float:
        def linear(byte: int) -> float:
            c = byte / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def admin(make, signed_in):
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    return signed_in(ADMIN)


def _png(colour=(200, 30, 30), size=(60, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _save(post_form, admin, colour="#1f4e79", **extra):
    return post_form(admin, "/admin/content/settings",
                     {"firm_name": "Harbour & Co", "brand_color": colour, **extra})


# Contrast, against the WCAG formula


def test_the_contrast_ratio_is_the_wcag_one_at_known_points():
    assert wcag_contrast("#000000", "#ffffff") == pytest.approx(21)
    assert brand.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert brand.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert brand.contrast("#1f4e79", "#ffffff") == pytest.approx(
        wcag_contrast("#1f4e79", "#ffffff"), abs=0.005)


@given(colours)
def test_text_on_any_brand_colour_reaches_aa_and_links_too(colour):
    accent = brand.accent(colour)
    assert wcag_contrast(accent, brand.ink_on(accent)) >= 4.5
    link = brand.link_colour(colour)
    assert wcag_contrast(link, brand.PAGE_BACKGROUND) >= 4.5
    assert wcag_contrast(link, "#ffffff") >= 4.5


@given(colours)
def test_a_brand_colour_that_reaches_aa_is_used_as_it_is_and_others_are_only_darkened(colour):
    readable = max(wcag_contrast(colour, "#ffffff"), wcag_contrast(colour, brand.DARK)) >= 4.5
    accent = brand.accent(colour)
    assert (accent == colour) == readable
    assert (brand.contrast_warning(colour) is None) == readable
    for ours, theirs in zip((accent[1:3], accent[3:5], accent[5:]),
                            (colour[1:3], colour[3:5], colour[5:]), strict=True):
        assert int(ours, 16) <= int(theirs, 16)


def test_light_text_on_dark_colours_and_dark_text_on_light_ones():
    assert brand.ink_on("#1f4e79") == "#ffffff"
    assert brand.ink_on("#f5d90a") == brand.DARK
    assert brand.accent("#f5d90a") == "#f5d90a"  # yellow keeps its colour, with dark text
    assert brand.link_colour("#f5d90a") != "#f5d90a"  # but yellow links would be unreadable


# The admin choosing a colour


def test_an_admin_choosing_a_colour_no_text_can_read_on_is_warned(app, admin, client, post_form):
    grey = "#808080"
    assert max(wcag_contrast(grey, "#ffffff"), wcag_contrast(grey, brand.DARK)) < 4.5
    response = _save(post_form, admin, grey)
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "below the 4.5:1 that WCAG AA asks for" in page
    shade = brand.accent(grey)
    assert wcag_contrast(shade, "#ffffff") >= 4.5
    assert f"--accent: {shade}; --accent-ink: #ffffff" in client.get("/login").get_data(
        as_text=True)
    # The settings page keeps saying so while the colour stays.
    settings = admin.get("/admin/content/settings").get_data(as_text=True)
    assert "below the 4.5:1 that WCAG AA asks for" in settings


def test_a_readable_colour_saves_without_a_warning(app, admin, post_form):
    response = _save(post_form, admin, "#1f4e79")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Firm settings saved" in page and "WCAG AA asks for" not in page


def test_the_settings_page_shows_the_colour_with_its_value(admin):
    html = admin.get("/admin/content/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*type="color"[^>]*value="#1f4e79"', html)
    assert re.search(r'<output class="colour-value" for="brand_color"[^>]*>#1f4e79</output>', html)
    assert "js/forms.js" in html
    ratio = wcag_contrast("#1f4e79", "#ffffff")
    assert f"reaches {ratio:.1f}:1 (WCAG AA asks for 4.5:1)" in html


# The favicon


def _icon(response) -> Image.Image:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/vnd.microsoft.icon"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= set(image.info["sizes"])
    return image


def test_every_page_links_a_favicon_that_answers_200_signed_in_or_not(app, client, admin):
    for browser, path in ((client, "/login"), (client, "/values"), (client, "/no/such/page"),
                          (admin, "/"), (admin, "/admin/content")):
        html = browser.get(path).get_data(as_text=True)
        link = re.search(r'<link rel="icon" href="([^"]+)"', html)
        assert link, path
        _icon(browser.get(link.group(1).replace("&amp;", "&")))
    _icon(client.get("/favicon.ico"))


def test_without_a_logo_the_favicon_is_the_firms_initial_on_its_colour(client):
    icon = _icon(client.get("/favicon.ico"))
    icon.size = (32, 32)
    pixels = icon.convert("RGBA")
    assert pixels.getpixel((4, 16))[:3] == (0x1f, 0x4e, 0x79)  # the default brand colour
    light = [p for p in pixels.get_flattened_data() if p[0] > 200 and p[1] > 200 and p[2] > 200]
    assert light, "the initial is drawn in light ink"


def test_the_favicon_is_the_uploaded_logo_re_encoded_on_a_white_plate(client, admin, post_form):
    logo = _png()
    _save(post_form, admin, logo=(io.BytesIO(logo), "logo.png"))
    response = client.get("/favicon.ico")
    assert logo not in response.data  # re-encoded, never the uploaded bytes
    icon = _icon(response)
    icon.size = (48, 48)
    pixels = icon.convert("RGBA")
    assert pixels.getpixel((24, 24))[:3] == pytest.approx((200, 30, 30), abs=3)
    assert pixels.getpixel((24, 4))[:3] == (255, 255, 255)  # the plate around a wide logo


def test_the_favicon_is_cached_and_changes_when_the_logo_does(client, admin, post_form):
    href = re.search(r'<link rel="icon" href="([^"]+)"',
                     client.get("/login").get_data(as_text=True)).group(1)
    first = client.get(href)
    assert first.cache_control.public and first.cache_control.max_age == 365 * 24 * 3600
    assert client.get("/favicon.ico").cache_control.max_age == 3600
    assert client.get("/favicon.ico",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _save(post_form, admin, logo=(io.BytesIO(_png()), "logo.png"))
    new_href = re.search(r'<link rel="icon" href="([^"]+)"',
                         client.get("/login").get_data(as_text=True)).group(1)
    assert new_href != href
    assert client.get(new_href).data != first.data


def test_the_logo_sits_on_a_neutral_plate_in_the_header(client, admin, post_form):
    _save(post_form, admin, "#1f4e79", logo=(io.BytesIO(_png((31, 78, 121))), "logo.png"))
    html = client.get("/values").get_data(as_text=True)
    assert re.search(r'<span class="logo-plate"><img class="brand-logo" src="/branding/logo', html)
    css = (Path(__file__).resolve().parents[2] / "portal/static/css/portal.css").read_text()
    plate = re.search(r"\.logo-plate \{([^}]*)\}", css).group(1)
    assert "background: #fff" in plate  # a logo in the brand colour stays visible
