"""The one rounding rule for every figure shown: half up, away from zero for negatives.

62.5% shows as 63%, an NPS of +12.5 as +13 and of −12.5 as −13, a score of 74.5 as 75: as
people round by hand. Python's round() and '%.0f' round half to even (62.5 → 62), so no page,
chart, CSV, PDF or score rounds with them: they all round here. Exact inputs (int, Fraction,
Decimal) round exactly; a float is read as the shortest decimal that gives it back (its repr),
so 29 / 200 = 0.145 is 14.5 per cent and shows as 15%, not 14%.
"""

from decimal import Decimal
from fractions import Fraction

Number = int | float | Fraction | Decimal


def exact(value: Number) -> Fraction:
    """`value` as an exact fraction (a float as the decimal it prints as)."""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def rounded(value: Number, places: int = 0) -> Decimal:
    """`value` to `places` decimals, halves away from zero (2.25 → 2.3, −12.5 → −13)."""
    scaled = exact(value) * 10**places
    magnitude = (2 * abs(scaled.numerator) + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(-magnitude if scaled < 0 else magnitude).scaleb(-places)


def round_half_up(value: Number) -> int:
    """`value` to a whole number, halves away from zero (74.5 → 75, −12.5 → −13)."""
    return int(rounded(value))


def percent(share: Number | None) -> str:
    """A share (0..1) as a whole percentage, '63%'; a dash when there is nothing to measure."""
    return "—" if share is None else f"{round_half_up(exact(share) * 100)}%"


def signed(value: Number | None) -> str:
    """A whole number with its sign, as an NPS is written: '+13', '-13', '+0'; a dash for None."""
    return "—" if value is None else f"{round_half_up(value):+d}"


def decimals(value: Number | None, places: int = 1) -> str:
    """`value` with `places` decimals, '4.3'; a dash for None."""
    return "—" if value is None else f"{rounded(value, places):f}"


def tidy(value: Number) -> str:
    """Whole when it rounds to a whole number at one decimal, else one decimal: '12', '12.3'."""
    shown = rounded(value, 1)
    return f"{shown.to_integral_value():f}" if shown == shown.to_integral_value() else f"{shown:f}"
