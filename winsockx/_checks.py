"""Argument checks shared by the public API: a TypeError or ValueError naming the argument."""

from __future__ import annotations

import math


def check_int(
    value: object,
    name: str,
    low: int | None = None,
    high: int | None = None,
    *,
    what: str = "an int",
) -> int:
    """*value* as an int (bool refused: ``True`` is never a port or a size)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be {what}, not {type(value).__name__}")
    if low is not None and high is not None and not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    if low is not None and high is None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


def check_seconds(value: object, name: str) -> float:
    """*value* as a finite, non-negative number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def check_int_pair(value: object, name: str) -> tuple[int, int]:
    """*value* as a tuple of two ints."""
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise TypeError(f"{name} must be a tuple of two ints, got {value!r}")
    return value[0], value[1]
