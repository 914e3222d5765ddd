"""Closeout PDF render time in a running process, against WeasyPrint alone on the same HTML.

A scratch SQLite database gets one finished project (milestones, ETA history) and a published
closeout whose text fills 3 pages (and then 20, the worst case). "Portal" is what a request or
a job runs: services.render_closeout_pdf (gather the report, render the template, then
WeasyPrint with the restricted fetcher in a child process forked with time and memory limits,
the PDF sent back through a pipe). "WeasyPrint alone" renders the HTML that produced, in this
process, with the stylesheet given as a file URL and WeasyPrint's default fetcher: no portal
code at all. Peak memory is this process's; each render's child is apart and short-lived.
"""

import io
import resource
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

PARAGRAPH = ("We replaced the **core switches** at both sites, moved 140 users to the new "
             "wireless network and retired the old firewall. Each step was agreed with your IT "
             "lead a week ahead and done outside office hours; nothing was lost. ")


def _closeout_text(paragraphs: int) -> dict[str, str]:
    body = "\n\n".join(PARAGRAPH * 3 for _ in range(paragraphs))
    return {"summary": body, "outcomes": "- Faster network\n- " + body,
            "lessons": body, "care_next_steps": "A call in a month; then every quarter."}


def _setup(app, paragraphs: int):
    from portal.accounts.services import create_organization
    from portal.auth.models import Role
    from portal.auth.services import create_user
    from portal.closeout import services as closeout_services
    from portal.extensions import db
    from portal.projects import services as projects

    org = create_organization(name=f"PDF client {paragraphs}")
    staff = create_user(email=f"pdf{paragraphs}@firm.example", name="Priya Nair", role=Role.STAFF)
    project = projects.create_project(org, name="Network refresh", contact=staff,
                                      started_on=date.today() - timedelta(days=120))
    for i in range(6):
        milestone = projects.add_milestone(project, title=f"Site {i + 1}", owner=staff,
                                           planned_on=date.today() - timedelta(days=100 - 15 * i))
        milestone.completed_on = milestone.planned_on + timedelta(days=i % 3)
    closeout = closeout_services.publish_closeout(project, care_contact=staff,
                                                  **_closeout_text(paragraphs))
    db.session.commit()
    return closeout


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _alone(html: str, static_folder: str) -> bytes:
    from weasyprint import HTML

    css = Path(static_folder, "css", "pdf.css").as_uri()
    return HTML(string=html.replace('href="/static/css/pdf.css"', f'href="{css}"'),
                base_url=static_folder).write_pdf()


def bench(rounds: int = 6) -> dict:
    """Median and p95 of both renders of the 3-page closeout, pages, peak RSS, 20-page time."""
    import flask_migrate
    from flask import render_template

    from portal import create_app
    from portal.closeout.report import closeout_report
    from portal.closeout.services import render_closeout_pdf

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/pdf.db", "SECRET_KEY": "bench"},
                         instance_path=folder)
        with app.app_context():
            flask_migrate.upgrade()
            closeout, worst = _setup(app, 2), _setup(app, 40)
            html = render_template("pdf/closeout.html", **closeout_report(closeout, for_pdf=True))
            render_closeout_pdf(closeout), _alone(html, app.static_folder)  # warm up fonts
            portal, alone = [], []
            for _ in range(rounds):
                started = time.perf_counter()
                pdf = render_closeout_pdf(closeout)
                portal.append(time.perf_counter() - started)
                started = time.perf_counter()
                _alone(html, app.static_folder)
                alone.append(time.perf_counter() - started)
            started = time.perf_counter()
            worst_pdf = render_closeout_pdf(worst)
            worst_seconds = time.perf_counter() - started
    return {
        "portal_median": statistics.median(portal), "alone_median": statistics.median(alone),
        "portal_p95": sorted(portal)[-1] if rounds < 20 else statistics.quantiles(portal, n=20)[18],
        "pages": _pages(pdf), "worst_pages": _pages(worst_pdf), "worst_seconds": worst_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rounds": rounds,
    }
