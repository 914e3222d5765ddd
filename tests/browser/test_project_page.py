"""The project page and the dashboard at 1280 and 390 px: the summary comes first, nothing
scrolls sideways and nothing overlaps."""

import pytest

WIDTHS = {"desktop": 1280, "phone": 390}

# Siblings that must not overlap: main's blocks, the project's head, the cards and their parts.
OVERLAPS = """() => {
  const boxes = (parent) => [...parent.children].map((el) => el.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0);
  const clash = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const found = [];
  for (const parent of document.querySelectorAll(
      "main, main .project-head, main .summary-grid, main .cards, main .project-card, "
      + "main .project-summary, main .ask-box, main .milestones, main .milestone")) {
    const rects = boxes(parent);
    rects.forEach((a, i) => rects.slice(i + 1).forEach((b) => {
      if (clash(a, b)) { found.push(parent.className || parent.tagName); }
    }));
  }
  return found;
}"""

FIRST_AFTER_HEADING = """(selector) => {
  const scope = document.querySelector(selector);
  const heading = scope.querySelector("h1, h2");
  const all = [...scope.querySelectorAll("*")];
  const after = all.slice(all.indexOf(heading) + 1)
    .find((el) => !heading.contains(el) && el.textContent.trim() && el.children.length
          && el.getBoundingClientRect().height > 0 && !el.matches("[data-live-url]"));
  return after ? after.className : null;
}"""


@pytest.fixture(params=sorted(WIDTHS))
def screen(request, new_page):
    width = WIDTHS[request.param]
    return new_page(viewport={"width": width, "height": 900}, is_mobile=width < 600,
                    has_touch=width < 600), width


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERLAPS) == []


def test_the_project_page_opens_with_its_summary_and_fits(screen, sign_in, portal_data):
    page, width = screen
    sign_in(page, portal_data.client.email)
    page.goto(f"/projects/{portal_data.project.id}")
    assert page.evaluate(FIRST_AFTER_HEADING, "main") == "project-summary "
    summary = page.locator("main .project-summary")
    assert summary.is_visible() and "At risk" in summary.inner_text()
    assert "Scanners ordered; the supplier is a week late." in summary.inner_text()
    assert page.get_by_role("heading", name="Ask a question or raise a concern").is_visible()
    ask_top = page.locator("#ask").bounding_box()["y"]
    milestones_top = page.get_by_role("heading", name="Milestones").bounding_box()["y"]
    assert ask_top < milestones_top
    assert page.locator(".milestone.is-current").count() == 1
    _fits(page, width)


def test_the_dashboard_cards_open_with_the_same_summary_and_fit(screen, sign_in, portal_data):
    page, width = screen
    sign_in(page, portal_data.client.email)
    page.goto("/")
    assert page.evaluate(FIRST_AFTER_HEADING, "main .project-card") == "project-summary "
    card = page.locator(".project-card", has_text="Helpdesk cover")
    assert "Blocked" in card.locator(".project-summary").inner_text()
    _fits(page, width)
