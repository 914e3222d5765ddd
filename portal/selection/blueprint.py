"""The selection pages' blueprint: each sub-feature's views module adds its routes to it."""

from flask import Blueprint

bp = Blueprint("selection", __name__)
