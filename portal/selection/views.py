"""Candidates and shortlists: staff add and present them, the client reviews and decides."""

from flask import Blueprint

from portal.selection import models  # noqa: F401 (the models join the metadata with the views)

bp = Blueprint("selection", __name__)
