"""The browser tab's icon: the firm's logo on a white plate, or its initial on the brand colour.

Drawn with Pillow and re-encoded as a fresh ICO (16, 32 and 48 px), never the uploaded bytes.
"""

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

SIZE = 64
SIZES = [(16, 16), (32, 32), (48, 48)]
PLATE = (255, 255, 255, 255)


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _plate(fill: tuple) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A transparent square with a rounded plate in `fill`."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), radius=SIZE // 6, fill=fill)
    return image, draw


def _from_logo(logo: bytes) -> Image.Image:
    """The logo scaled to fit inside a white plate with a small margin."""
    image, _ = _plate(PLATE)
    with Image.open(io.BytesIO(logo)) as source:
        source.seek(0)  # the first frame of an animated GIF or WebP
        mark = source.convert("RGBA")
    inner = SIZE - 8
    mark.thumbnail((inner, inner), Image.Resampling.LANCZOS)
    image.alpha_composite(mark, ((SIZE - mark.width) // 2, (SIZE - mark.height) // 2))
    return image


def _default_mark(initial: str, colour: str, ink: str) -> Image.Image:
    """The firm's initial in its ink on a plate of its brand colour."""
    image, draw = _plate((*_hex_rgb(colour), 255))
    font = ImageFont.load_default(size=SIZE * 5 // 8)
    draw.text((SIZE / 2, SIZE / 2), initial, font=font, fill=(*_hex_rgb(ink), 255), anchor="mm")
    return image


_drawn: dict[str, bytes] = {}  # by branding version: a new logo or colour makes a new one


def render(version: str, *, load_logo: Callable[[], bytes | None], initial: str, colour: str,
           ink: str) -> bytes:
    """ICO bytes for this branding version, drawn once per process."""
    if version not in _drawn:
        logo = load_logo()
        image = _from_logo(logo) if logo else _default_mark(initial, colour, ink)
        buffer = io.BytesIO()
        image.save(buffer, format="ICO", sizes=SIZES)
        if len(_drawn) > 16:
            _drawn.clear()
        _drawn[version] = buffer.getvalue()
    return _drawn[version]
