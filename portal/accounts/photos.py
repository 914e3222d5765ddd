"""Staff photos: a PNG or JPEG (by its content, not its name) of at most 2 MB, decoded with a
bound on its pixels, turned upright, cropped square and re-encoded here as a small JPEG. What
is stored and served is only ever that JPEG: no byte, no metadata (GPS included) of the upload.
Functions flush; the caller commits.
"""

import base64
import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from portal.accounts.models import StaffPhoto
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 6000 x 4000 and a bit: any camera's photo; a PNG bomb is far over
SIDE = 256  # shown at 40 px; twice that and more for sharp screens
FORMATS = ["PNG", "JPEG"]
_strict_lock = threading.Lock()


class PhotoRejected(ValueError):
    """The upload is not a photo we take; the message says why, and nothing changed."""


@contextmanager
def _truncated_files_fail() -> Iterator[None]:
    """Pillow's switch for truncated files, off while a photo decodes: WeasyPrint turns it on
    for the whole process when imported (portal/pdf.py renders in a child process, so no PDF
    in this one needs it meanwhile)."""
    with _strict_lock:
        kept = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = kept


def _decoded(data: bytes) -> Image.Image:
    """The upload decoded, upright, at most a few times SIDE wide; PhotoRejected otherwise."""
    with warnings.catch_warnings(), _truncated_files_fail():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected(f"The photo is {image.width}×{image.height} pixels; at most "
                                    f"{MAX_PIXELS // 1_000_000} megapixels, please.")
            image.draft("RGB", (SIDE * 2, SIDE * 2))  # a JPEG decodes at a fraction of its size
            upright = ImageOps.exif_transpose(image)
            upright.load()  # every pixel decoded here: a truncated or forged file fails now
            return upright


def prepare_photo(data: bytes) -> bytes:
    """The JPEG we store for an uploaded photo; PhotoRejected with the reason otherwise."""
    if not data:
        raise PhotoRejected("The file is empty.")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected(f"The photo is {len(data) / 1024 / 1024:.1f} MB; at most "
                            f"{MAX_PHOTO_BYTES // 1024 // 1024} MB, please.")
    try:
        image = _decoded(data)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise PhotoRejected(f"The photo has far too many pixels; at most "
                            f"{MAX_PIXELS // 1_000_000} megapixels, please.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise PhotoRejected("That file is not a PNG or JPEG image we can read.") from error
    if image.mode in ("RGBA", "LA", "P", "PA"):
        plate = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        plate.paste(rgba, mask=rgba.getchannel("A"))
        image = plate
    square = ImageOps.fit(image.convert("RGB"), (SIDE, SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def set_photo(user: User, data: bytes) -> None:
    """Store a new photo for the member of staff (its version changes the URL clients load)."""
    image = prepare_photo(data)
    photo = db.session.get(StaffPhoto, user.id) or StaffPhoto(user_id=user.id)
    photo.image, photo.updated_at = image, utcnow()
    db.session.add(photo)
    user.photo_version = hashlib.sha256(image).hexdigest()[:16]
    db.session.flush()


def remove_photo(user: User) -> None:
    """Back to initials."""
    photo = db.session.get(StaffPhoto, user.id)
    if photo is not None:
        db.session.delete(photo)
    user.photo_version = None
    db.session.flush()


def staff_photo(user_id: int) -> tuple[StaffPhoto, str] | None:
    """A member of staff's photo and its version, or None (clients have no photo here)."""
    row = db.session.execute(
        db.select(StaffPhoto, User.photo_version).join(User, User.id == StaffPhoto.user_id)
        .where(StaffPhoto.user_id == user_id, User.role != "client")).first()
    return (row[0], row[1]) if row else None


def photo_data_uri(user: User | None) -> str | None:
    """A member of staff's stored photo inlined as a data: URI (a PDF fetches nothing to show
    it), or None: initials."""
    found = staff_photo(user.id) if user is not None and user.photo_version else None
    if found is None:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(found[0].image).decode("ascii")
