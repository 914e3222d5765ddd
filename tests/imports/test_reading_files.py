"""Files as spreadsheets write them: Excel's BOM, CRLF and semicolons, quoted cells; bounded."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.imports import services
from portal.imports.layouts import KINDS
from portal.imports.plans import CREATE


def plan_of(app, data: bytes, **limits):
    with app.app_context():
        return services.plan_import(data, filename="f.csv", **limits)


def test_an_excel_file_with_bom_semicolons_crlf_and_quoted_cells_reads(app, staff):
    data = ("\ufeffAccount ID;Name;Timezone\r\n"
            "A-1;\"Hooli; Inc.\";Europe/Berlin\r\n"
            "A-2;\"The \"\"Best\"\" Co\";UTC\r\n"
            ";;\r\n\r\n").encode()

    plan = plan_of(app, data)

    assert plan.file_problems == []
    assert [(row.external_id, row.label, row.action) for row in plan.rows] == [
        ("A-1", "Hooli; Inc.", CREATE), ("A-2", 'The "Best" Co', CREATE)]


def test_a_comma_file_with_a_line_break_inside_a_quoted_cell_counts_rows_as_excel_does(
        app, staff):
    data = (b"project_id,account_id,name,summary,status\r\n"
            b"P-1,A-1,One,\"two\r\nlines\",on_track\r\n"
            b"P-2,A-1,Two,plain,purple\r\n")

    plan = plan_of(app, data)

    assert [str(p) for p in plan.problems][-1] == (
        "row 3, status: 'purple' is not one of not_started, on_track, at_risk, blocked, done")


def test_the_header_is_checked_before_any_row(app):
    missing = plan_of(app, b"account_id,timezone\nA-1,UTC\n")
    assert missing.file_problems == [
        "A file of accounts needs the column name (the template has every column)."]
    twice = plan_of(app, b"account_id,name,name\nA-1,X,Y\n")
    assert twice.file_problems == ["These columns appear more than once: name."]
    extra = plan_of(app, b"account_id,name,notes\nA-1,X,private\n")
    assert extra.ignored_columns == ["notes"] and extra.file_problems == []


def test_rows_and_cells_are_bounded(app):
    too_many = plan_of(app, b"account_id,name\n" + b"A-1,X\n" * 4, max_rows=3)
    assert too_many.file_problems == [
        "The file has more than 3 rows; an import takes at most 3. Split it into several files."]
    huge_cell = plan_of(app, b"account_id,name\nA-1,\"" + b"x" * 200_000 + b"\"\n")
    assert "cannot be read as CSV" in huge_cell.file_problems[0]
    empty = plan_of(app, b"\xef\xbb\xbf\r\n")
    assert empty.file_problems == [
        "The file is empty: it needs a header line and at least one row."]


CELLS = st.text(max_size=300) | st.sampled_from(
    ["=cmd|' /C calc'!A0", "31/02/2026", "2026-13-01", "0", "-1", "99999999", "on track",
     "x" * 10_000, "\ufeff", "a;b,c", '"quoted"', "\r\n", "Mars/Olympus"])


@settings(max_examples=60, deadline=5000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), cells=st.lists(CELLS, min_size=1, max_size=12),
       delimiter=st.sampled_from([",", ";"]))
def test_any_cells_in_any_layout_become_a_plan_or_problems_never_a_crash(
        app, kind, cells, delimiter):
    header = [column.name for column in kind.columns]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerow((cells * len(header))[: len(header)])
    with app.app_context():
        plan = services.plan_import(out.getvalue().encode(), filename="f.csv")
        assert plan.file_problems or len(plan.rows) == 1
        for problem in plan.problems:
            assert problem.row == 2 and len(str(problem)) < 400
        db.session.rollback()
