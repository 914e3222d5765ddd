"""Reading the database from a test, independently of the code under test."""

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db


def count_rows(app: Flask, model, *where) -> int:
    """How many rows of `model` (matching `where`) the database holds now."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))
