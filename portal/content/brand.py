"""The brand colour made readable: WCAG 2 contrast, the ink on it, and shades for pages.

Text on the brand colour (header, buttons) is white or dark, whichever contrasts more; when
neither reaches WCAG AA (4.5:1) the pages use the nearest darker shade of the brand colour on
which white does, and the admin choosing the colour is told. Links and focus rings sit on the
light page background, so they use the brand colour darkened until it reaches AA there.
"""

from functools import lru_cache

AA = 4.5
LIGHT, DARK = "#ffffff", "#1d2430"
PAGE_BACKGROUND = "#f5f7fa"  # --bg in portal.css: the darkest light surface links sit on
SHADE_STEP = 0.04  # how much black each darkening step mixes in


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink_on(background: str) -> str:
    """White or dark text, whichever contrasts more with the background."""
    return LIGHT if contrast(background, LIGHT) >= contrast(background, DARK) else DARK


def best_contrast(background: str) -> float:
    """The contrast of the better of the two inks on this background."""
    return contrast(background, ink_on(background))


def _shade(colour: str, amount: float) -> str:
    """The colour with `amount` (0 to 1) of black mixed in."""
    channels = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * (1 - amount)):02x}" for c in channels)


def _darken_until(colour: str, good_enough) -> str:
    """The lightest shade of the colour (the colour itself first) that passes the test."""
    steps = int(1 / SHADE_STEP)
    for step in range(steps + 1):
        shade = _shade(colour, min(1.0, step * SHADE_STEP))
        if good_enough(shade):
            return shade
    return "#000000"


@lru_cache(maxsize=64)
def accent(colour: str) -> str:
    """The colour for the header and buttons: the brand colour when its text can reach AA,
    else the nearest darker shade on which white text does."""
    return _darken_until(colour, lambda shade: best_contrast(shade) >= AA)


@lru_cache(maxsize=64)
def link_colour(colour: str) -> str:
    """The brand colour for links and focus rings: darkened until it reaches AA on the page."""
    return _darken_until(colour, lambda shade: contrast(shade, PAGE_BACKGROUND) >= AA)


def contrast_warning(colour: str) -> str | None:
    """What an admin choosing this colour should know when no text on it reaches AA."""
    ratio = best_contrast(colour)
    if ratio >= AA:
        return None
    return (f"Text on {colour} reaches only {ratio:.1f}:1 in the best case, below the "
            f"{AA}:1 that WCAG AA asks for. Pages use the nearest readable shade, "
            f"{accent(colour)}, for the header and buttons; pick a darker or lighter colour "
            "to have yours used as it is.")
