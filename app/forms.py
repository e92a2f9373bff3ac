"""Form pieces shared by every area: whitespace trimming, NUL-byte refusal and the confirm step."""

from __future__ import annotations

from flask import abort, request
from flask_wtf import FlaskForm


def strip(value):
    """WTForms filter: surrounding whitespace never counts (a pasted " kim@x.kr ")."""
    return value.strip() if isinstance(value, str) else value


def reject_nul_input() -> None:
    """before_request hook: a NUL byte anywhere in the query string or form data is a 400.

    Browsers never send one and PostgreSQL cannot store one in a text column ("A string
    literal cannot contain NUL (0x00) characters"), so without this each form on each backend
    would have to refuse it itself; one place covers every form, filter and upload name.
    """
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
    for key, upload in request.files.items(multi=True):
        if "\x00" in key or "\x00" in (upload.filename or ""):
            abort(400)


class ConfirmForm(FlaskForm):
    """The explicit second step of a destructive action: a POST carrying its CSRF token.
    The page renders its own button (see templates/_confirm.html)."""
