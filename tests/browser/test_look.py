"""The look, seen in a real browser: controls beside their labels, the brand colour where people
click, wide screens used, the staff menu on one row, and a timezone picker that finds zones."""

import pytest

from portal.auth.models import Role
from portal.content import brand
from portal.devdata.demo_content import seed_demo_content
from portal.extensions import db
from tests.browser.support import DESKTOP, PHONE_390, layout_problems

ADMIN = "morgan@firm.example"


@pytest.fixture
def admin(make):
    make.user(ADMIN, role=Role.ADMIN, name="Morgan Reyes")
    return ADMIN


def box(locator) -> dict:
    return locator.bounding_box()


def rgb(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_each_radio_on_the_account_page_sits_left_of_its_words(new_page, sign_in, portal_data,
                                                               viewport):
    page = new_page(viewport=viewport)
    sign_in(page, portal_data.client.email)
    page.goto("/account")
    for label in page.locator("fieldset label.check").all():
        radio, words = box(label.locator("input[type=radio]")), box(label)
        assert radio["width"] < 30, "a radio stretched across the form"
        assert radio["x"] - words["x"] < 2, "the radio is not at the start of its line"
        # On the same line as the first line of its words, not above them.
        assert radio["y"] < words["y"] + 24 and radio["y"] + radio["height"] > words["y"]


def test_the_colour_picker_shows_a_swatch_and_its_value_as_it_changes(page, sign_in, admin):
    sign_in(page, admin)
    page.goto("/admin/content/settings")
    picker = page.locator("input[type=color]")
    swatch = box(picker)
    assert swatch["width"] >= 40 and swatch["height"] >= 36
    value = page.locator("output.colour-value")
    assert value.text_content() == "#1f4e79"
    assert value.is_visible()
    picker.evaluate("el => { el.value = '#c0392b'; el.dispatchEvent(new Event('input')); }")
    assert value.text_content() == "#c0392b"


def test_the_brand_colour_is_on_buttons_links_and_focus_rings(page, app, sign_in, admin):
    colour = "#808080"  # nothing reads on it at AA: the pages use the shade instead
    with app.app_context():
        from portal.content import services
        services.update_settings(firm_name="Grey & Co", brand_color=colour, by=None)
        db.session.commit()
    sign_in(page, admin)
    page.goto("/account")
    accent, link = brand.accent(colour), brand.link_colour(colour)
    button = page.get_by_role("button", name="Save settings")
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == rgb(accent)
    assert button.evaluate("el => getComputedStyle(el).color") == rgb(brand.ink_on(accent))
    footer_link = page.locator("footer a").first
    assert footer_link.evaluate("el => getComputedStyle(el).color") == rgb(link)
    page.locator("#name").focus()
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert ring == rgb(link)


def test_the_staff_menu_fits_one_row_at_1280(page, sign_in, admin):
    sign_in(page, admin)
    page.goto("/staff/health")
    tops = {round(box(item)["y"]) for item in page.locator("header .nav li").all()}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} rows"
    assert page.locator("header .nav li").count() >= 9


def test_the_staff_menu_on_a_phone_shows_every_item_whole(new_page, sign_in, admin):
    page = new_page(viewport=PHONE_390)
    sign_in(page, admin)
    page.goto("/staff/health")
    menu = page.locator("header nav[aria-label=Main]")
    assert menu.evaluate("el => el.scrollWidth <= el.clientWidth"), "the menu scrolls sideways"
    edge = box(menu)["x"] + box(menu)["width"]
    for link in page.locator("header .nav a").all():
        left, width = box(link)["x"], box(link)["width"]
        assert left >= 0 and left + width <= edge + 0.5, link.inner_text()
    assert not layout_problems(page)


@pytest.mark.parametrize("path", ["/values", "/process", "/login", "pulse"])
def test_reading_pages_and_sign_in_use_a_wide_screen(page, app, make, portal_data, path):
    with app.app_context():
        seed_demo_content()
        db.session.commit()
    if path == "pulse":
        from portal.pulses import services as pulses
        from portal.pulses.models import PulseRequest
        request = make.pulse(portal_data.client)
        with app.test_request_context():
            path = "/pulses/" + pulses.answer_token(db.session.get(PulseRequest, request.id))
    page.goto(path)
    main = box(page.locator("main"))
    content = page.locator("main .card, main .split-intro").all()
    right = max(box(card)["x"] + box(card)["width"] for card in content)
    left = min(box(card)["x"] for card in content)
    middle = main["x"] + main["width"] / 2
    assert right > middle + 150, "the content stays in a narrow column on the left"
    assert left < middle - 150
    assert not layout_problems(page)


def test_the_timezone_picker_is_grouped_searchable_and_preselects_the_browsers_zone(
        new_page, sign_in, portal_data):
    page = new_page(timezone_id="Asia/Tokyo")
    sign_in(page, portal_data.client.email)
    page.goto("/account")
    select = page.get_by_label("Show dates and times in")
    assert select.input_value() == "Asia/Tokyo"
    assert page.get_by_text("Your browser is set to Asia/Tokyo").is_visible()
    groups = select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert {"Europe", "America", "Asia", "Other"} <= set(groups)
    page.get_by_role("searchbox", name="Search timezones").fill("buenos")
    assert select.input_value() == "America/Argentina/Buenos_Aires"
    visible = select.locator("option:not([hidden])").evaluate_all("os => os.map(o => o.value)")
    assert "Europe/London" not in visible
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    page.goto("/account")
    assert select.input_value() == "America/Argentina/Buenos_Aires"


def test_a_chosen_zone_is_never_replaced_by_the_browsers(new_page, sign_in, portal_data, app):
    from portal.auth.models import User
    with app.app_context():
        db.session.get(User, portal_data.client.id).timezone = "Europe/Paris"
        db.session.commit()
    page = new_page(timezone_id="Asia/Tokyo")
    sign_in(page, portal_data.client.email)
    page.goto("/account")
    assert page.get_by_label("Show dates and times in").input_value() == "Europe/Paris"
    assert not page.get_by_text("Your browser is set to").is_visible()


def test_the_layout_check_sees_sideways_scrolling_and_overlaps(page):
    page.set_content("""<body style="margin:0"><p style="width:2000px">Too wide</p>
        <p style="position:relative;top:0">First words</p>
        <p style="position:relative;top:-2.2em">Second words</p></body>""")
    problems = layout_problems(page)
    assert any("scrolls sideways" in problem for problem in problems)
    assert any('"First words" and "Second words" overlap' in problem for problem in problems)


@pytest.mark.parametrize("path", ["/admin/content/client-figures", "/admin/health/settings"])
def test_a_group_of_fields_is_framed_by_the_design_not_the_browsers_grey_groove(
        page, sign_in, admin, path):
    sign_in(page, admin)
    page.goto(path)
    groups = page.locator("form fieldset").all()
    assert groups
    for group in groups:
        style = group.evaluate("el => getComputedStyle(el).borderTopStyle")
        assert style != "groove", "a fieldset keeps the browser's default grey border"
        after = group.evaluate("el => el.nextElementSibling && (el.nextElementSibling"
                               ".getBoundingClientRect().top - el.getBoundingClientRect().bottom)")
        assert after is None or after >= 8, "the next control touches the group's frame"
