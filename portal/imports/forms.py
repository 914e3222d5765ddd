"""The upload form and the confirm button of an import."""

from pathlib import PurePath

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm
from portal.imports.reading import MAX_BYTES, MAX_ROWS
from portal.plain_text import CONTROL_CHARACTERS


class UploadForm(PortalForm):
    """A CSV file of one kind of row, previewed before anything is written."""

    file = FileField(
        "CSV file", validators=[FileRequired("Choose a CSV file to preview.")],
        description=f"UTF-8 (Excel: \"CSV UTF-8\"), comma or semicolon, at most "
                    f"{MAX_BYTES // 1024 // 1024} MB and {MAX_ROWS:,} rows.")

    def upload(self) -> tuple[bytes, str]:
        """The file's bytes and its name (bounded: the limit is checked on the bytes)."""
        upload = self.file.data
        name = CONTROL_CHARACTERS.sub("", PurePath(upload.filename or "").name)
        return upload.read(MAX_BYTES + 1), (name or "upload.csv")[:200]


class ConfirmForm(PortalForm):
    """Apply the previewed plan: the kept file and the digest of the plan shown."""

    token = HiddenField(validators=[DataRequired(), Length(max=32)])
    digest = HiddenField(validators=[DataRequired(), Length(max=64)])
