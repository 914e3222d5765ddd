"""A PDF's text as pdftotext (poppler) reads it: an extractor independent of the one we render
with, so a figure found here is one a reader would see."""

import shutil
import subprocess

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def pdf_text(pdf: bytes, *, layout: bool = False) -> str:
    """The text of every page; with `layout`, columns kept side by side as on the page."""
    command = [PDFTOTEXT, *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True,  # noqa: S603
                          timeout=60).stdout.decode()
