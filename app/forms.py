"""Form pieces shared by every area: whitespace trimming and the confirm step."""
from __future__ import annotations

from flask_wtf import FlaskForm


def strip(value):
    """WTForms filter: surrounding whitespace never counts (a pasted " kim@x.kr ")."""
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(FlaskForm):
    """The explicit second step of a destructive action: a POST carrying its CSRF token.
    The page renders its own button (see templates/_confirm.html)."""
