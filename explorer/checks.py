"""Argument checks shared by the public API: each raises before any work starts.

Messages name the argument, the value given and what was expected.
"""

from __future__ import annotations


def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` if it is an int (not a bool) in ``[low, high)``, else raise."""
    if value.__class__ is not int:
        if isinstance(value, bool) or not _is_integer(value) or hasattr(value, "mask"):
            raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
        try:
            value = type(value).__index__(value)  # numpy integers are accepted as the ints they are
        except TypeError:  # e.g. an array of several values
            raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})") from None
    if (low is not None and value < low) or (high is not None and value >= high):
        raise ValueError(f"{name} must be {_range_text(low, high)}, got {value!r}")
    return value


def check_real(
    name: str, value: object, *, low: float | None = None, high: float | None = None, high_open: bool = False
) -> float:
    """Return ``value`` as a float if it is a real number (not a bool) in ``[low, high]`` (``high)`` with
    ``high_open``), else raise; NaN is refused."""
    if (
        isinstance(value, (bool, str, bytes))
        or not hasattr(type(value), "__float__")
        or hasattr(value, "mask")
        or getattr(getattr(value, "dtype", None), "kind", "f") == "b"
        or getattr(value, "ndim", 0) != 0
    ):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    number = float(value)
    too_high = high is not None and (number >= high if high_open else number > high)
    if number != number or (low is not None and number < low) or too_high:
        low_text = "-inf" if low is None else f"{low:g}"
        high_text = "inf" if high is None else f"{high:g}"
        raise ValueError(
            f"{name} must be a real number in [{low_text}, {high_text}{')' if high_open else ']'}, "
            f"got {value!r}"
        )
    return number


def check_sizes(name: str, sizes: object) -> tuple[int, ...]:
    """Return ``sizes`` as a non-empty tuple of ints >= 1 (agent counts, step counts), else raise."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"{name} must be a tuple of positive ints, got {sizes!r}")
    values = tuple(check_int(f"{name}[...]", n, low=1) for n in sizes)
    if not values:
        raise ValueError(f"{name} must hold at least one size, got {sizes!r}")
    return values


def check_choice(name: str, value: object, choices: tuple) -> object:
    """Return ``value`` if it is one of ``choices``, else raise naming them."""
    if not any(_same(value, choice) for choice in choices):
        raise ValueError(f"{name} must be one of {choices!r}, got {value!r}")
    return value


def _same(value: object, choice: object) -> bool:
    # ``in`` would take True for 1 and raise on arrays ("truth value ... ambiguous")
    if isinstance(value, bool) != isinstance(choice, bool):
        return False
    try:
        return bool(value == choice)
    except (TypeError, ValueError):
        return False


def check_instance(name: str, value: object, cls: type, expected: str) -> None:
    """Raise a TypeError unless ``value`` is an instance of ``cls``."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")


def _is_integer(value: object) -> bool:
    # numpy's integer scalars implement __index__; floats and strings do not.
    return hasattr(type(value), "__index__")


def _range_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"an int in [{low}, {high - 1}]"
    if low is not None:
        return f"an int >= {low}"
    return f"an int < {high}"
