"""Uploaded files kept between the preview and the confirm, in instance/imports/.

The confirm plans the same bytes again, so the file is kept on the server rather than trusted
back from the browser; only the admin who uploaded it can confirm it, and files not confirmed
within a day are removed the next time anyone uploads.
"""

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

KEPT_SECONDS = 24 * 3600
TOKEN = re.compile(r"[0-9a-f]{32}")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(data: bytes, *, filename: str, user_id: int) -> str:
    """Keep the file for its confirm; the token names it."""
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEPT_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.csv").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"filename": filename,
                                                      "user_id": user_id}))
    return token


def load(token: str, *, user_id: int) -> tuple[bytes, str] | None:
    """The kept file's bytes and name, if the token names one this user uploaded."""
    if not TOKEN.fullmatch(token or ""):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.csv").read_bytes()
    except (OSError, ValueError):
        return None
    return (data, meta["filename"]) if meta.get("user_id") == user_id else None


def discard(token: str) -> None:
    """Remove a kept file once it is imported."""
    if TOKEN.fullmatch(token or ""):
        for suffix in (".csv", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)
