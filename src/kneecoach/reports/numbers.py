"""Numbers for people: fixed digits, a real minus sign, a dash where there is none.

Imports nothing heavy: the command line formats its tables with it.
"""

from __future__ import annotations

import math

#: What a report shows where a value is missing.
DASH = "—"


def number(value: object) -> float | None:
    """``value`` as a finite float, or None (null, NaN, infinite, a bool or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def fmt(value: object, digits: int = 1, unit: str = "") -> str:
    """A number for people: fixed digits, a real minus sign, "—" for null/NaN."""
    x = number(value)
    if x is None:
        return DASH
    text = f"{x:.{digits}f}".replace("-", "−")
    if text in ("−0", "−0.0", "−0.00"):
        text = text[1:]
    return f"{text}{unit}" if unit in ("°", "%", "") else f"{text} {unit}"
