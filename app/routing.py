"""Request input parsing shared by all views: one bounded-int rule for paths, query strings,
form fields and JSON bodies, and page numbers.

A number no database integer column holds must never reach a query: SQLite's driver raises
"Python int too large to convert to SQLite INTEGER" and PostgreSQL "integer out of range",
both 500s. Every integer that comes from a client goes through `bounded_int()` (or the route
converter, which applies the same bounds to `<int:...>` path parts).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2**31 - 1
MAX_PAGE = 100_000
# Digits of MAX_DB_INT: a longer text is out of range without parsing it.
_MAX_DIGITS = len(str(MAX_DB_INT))


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` route parts that fit a database integer: a larger number is a 404,
    never an overflow inside the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def bounded_int(value, *, minimum: int = 0, maximum: int = MAX_DB_INT) -> int:
    """An integer from client input, within [minimum, maximum]; ValueError otherwise.

    Accepts an int (not a bool: JSON `true` is no number) or a text of ASCII digits with an
    optional leading minus and surrounding spaces. Refused: floats, "1e3", "1_000", full-width
    digits and anything beyond the bounds (by default what a database integer holds).
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits or len(digits) > _MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
            raise ValueError(value)
        number = int(text)
    else:
        raise ValueError(value)
    if not minimum <= number <= maximum:
        raise ValueError(value)
    return number


def db_id(value) -> int:
    """A row id from client input (1 .. MAX_DB_INT); ValueError otherwise. Usable as a
    WTForms `coerce`, where the ValueError becomes the field's "not a valid choice"."""
    return bounded_int(value, minimum=1)


def int_arg(args, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_DB_INT) -> int | None:
    """An integer from the query string (or any MultiDict); `default` when absent or malformed.

    Filters and pagers ignore what they cannot use instead of failing, so a bad value is
    never an error, and never reaches the database out of range.
    """
    value = args.get(name)
    if value is None:
        return default
    try:
        return bounded_int(value, minimum=minimum, maximum=maximum)
    except ValueError:
        return default


def page_arg(args, name: str = "page") -> int:
    """A 1-based page number from the query string; anything malformed is page 1, a larger
    number than MAX_PAGE is the last page asked for (views clamp to their real last page)."""
    value = args.get(name)
    if value is None:
        return 1
    try:
        page = bounded_int(value, minimum=-MAX_DB_INT)
    except ValueError:
        # Out of the database range but well-formed digits: a very large page.
        text = value.strip() if isinstance(value, str) else ""
        return MAX_PAGE if text.isascii() and text.isdigit() else 1
    return min(max(page, 1), MAX_PAGE)


def json_int(body: dict, key: str, *, minimum: int = 1, maximum: int = MAX_DB_INT) -> int | None:
    """An integer member of a JSON body: None when absent (or null), ValueError when it is not
    an integer within bounds (a JSON number only: "12" or 12.0 are refused)."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return bounded_int(value, minimum=minimum, maximum=maximum)
