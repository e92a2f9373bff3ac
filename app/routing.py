"""URL and query-string parsing shared by all views: bounded ids and page numbers."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2**31 - 1
MAX_PAGE = 100_000


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` route parts that fit a database integer: a larger number is a 404,
    never an overflow inside the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def page_arg(args, name: str = "page") -> int:
    """A 1-based page number from the query string; anything malformed is page 1."""
    try:
        page = int(args.get(name, 1))
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), MAX_PAGE)
