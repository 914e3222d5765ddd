"""Static files with fingerprinted URLs: `?v=<content hash>` and a year-long, immutable cache.

url_for("static", filename=...) gains `v`, a hash of the file's bytes, computed once per file
per process. A response for a URL carrying the current hash may be cached for a year by
browsers and a front proxy; a changed file gets a new URL, so nobody sees a stale one. Without
`v` (or with an old one) the response keeps Flask's default: revalidate.
"""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, request

ONE_YEAR = 365 * 24 * 3600


@cache
def fingerprint(path: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256; None when there is no such file."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def register(app: Flask) -> None:
    """Add `v` to static URLs and long cache headers to the responses that carry it."""
    root = Path(app.static_folder)

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = fingerprint(str(root / values["filename"]))
            if version:
                values["v"] = version

    @app.after_request
    def cache_fingerprinted(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            version = request.args.get("v")
            if version and version == fingerprint(str(root / request.view_args["filename"])):
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
        return response
