"""Form pieces shared by every area: whitespace trimming, one-line text, the choice field every
select uses, the refusal of malformed input at the edge and the confirm step."""

from __future__ import annotations

import enum
import re

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto as _FLASK_WTF_AUTO  # "read the request", Flask-WTF's default (pinned 1.x)
from wtforms import SelectField
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import ValidationError

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Nesting deeper than any of our JSON bodies; Python's parser would raise RecursionError
# (not a ValueError, so `get_json(silent=True)` lets it through as a 500) near 1,000 levels.
MAX_JSON_DEPTH = 32


def strip(value):
    """WTForms filter: surrounding whitespace never counts (a pasted " kim@x.kr ")."""
    return value.strip() if isinstance(value, str) else value


def one_line(value):
    """WTForms filter for text shown on one line (a title, a place, a calendar's SUMMARY and
    LOCATION): a run of control characters (a pasted newline, a tab) becomes one space.

    A browser's text input never sends a newline; other clients can, and a newline in a
    one-line iCalendar property used to break the calendar download and the mail attachment.
    """
    if not isinstance(value, str):
        return value
    return _CONTROL_RUN.sub(" ", value).strip()


def _encodable(text: str) -> bool:
    """False for text no database can store: a NUL byte or a lone surrogate (JSON "\\ud800")."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_is_clean(body) -> bool:
    """Every key and string of a parsed JSON body is storable text; nesting is bounded."""
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return False
        elif isinstance(value, dict):
            if depth >= MAX_JSON_DEPTH:
                return False
            for key, item in value.items():
                if not _encodable(key):
                    return False
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_JSON_DEPTH:
                return False
            stack.extend((item, depth + 1) for item in value)
    return True


def reject_malformed_input() -> None:
    """before_request hook: input no view could store or show is a 400 page, before any view.

    Refused: a NUL byte anywhere in the query string, form data, upload names or a JSON body
    (PostgreSQL cannot store one in a text column: "A string literal cannot contain NUL (0x00)
    characters"); a query string that is not UTF-8 (Werkzeug raises UnicodeDecodeError when
    `request.args` is first read); lone surrogates, which JSON can carry ("\\ud800") but no
    UTF-8 database or template can encode; JSON nested deeper than MAX_JSON_DEPTH. Browsers
    never send any of these, so one place covers every form, filter, upload and API instead of
    each view on each backend. A NUL byte in a path is left to the view (a 404 with its words).
    """
    try:
        sources = (request.args, request.form)
    except UnicodeDecodeError:
        abort(400)
    for values in sources:
        for key, value in values.items(multi=True):
            if not (_encodable(key) and _encodable(value)):
                abort(400)
    for key, upload in request.files.items(multi=True):
        if not (_encodable(key) and _encodable(upload.filename or "")):
            abort(400)
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            abort(400)
        if body is not None and not _json_is_clean(body):
            abort(400)


# The name the factory registers (kept: the NUL refusal was the first of these checks).
reject_nul_input = reject_malformed_input


# --- choices ------------------------------------------------------------------------------

CHOICE_REQUIRED = _l("목록에서 하나를 선택해 주세요.")
CHOICE_UNKNOWN = _l("목록에 없는 값입니다. 목록에서 다시 선택해 주세요.")


def enum_coerce(enum_cls: type[enum.Enum]):
    """A `coerce` for an enum-backed select: the member, or ValueError for any other value."""

    def coerce(value):
        if isinstance(value, enum_cls):
            return value
        return enum_cls(value)

    coerce.__name__ = f"{enum_cls.__name__}_coerce"
    return coerce


class ChoiceField(SelectField):
    """The select every form uses: a submitted value must be one of the field's choices.

    A missing, empty or unknown value is a form error, whatever the other validators say
    (WTForms' `Optional()` clears earlier errors when the value is missing, which let a walk-in
    form without `role` reach the service as None: "None is not a valid AttendeeRole", a 500).
    Coercion failures of any kind (ValueError, TypeError, LookupError) are the same error, so a
    coerce such as `routing.db_id` also keeps out-of-range ids away from the database.

    ``enum``: the choices default to the enum's members (value, label) and `data` is a member.
    ``blank_ok``: an absent or empty value is allowed and gives None (a select shown only for
    some events). An empty string that is itself one of the choices ("반복 안 함") is a value.
    ``validate_choice=False``: the choices are only a hint (the service or the view checks the
    value, e.g. against the current database); the value must still coerce.
    ``required_message`` / ``unknown_message``: the field's own words for the two errors.
    """

    def __init__(
        self,
        label=None,
        validators=None,
        coerce=str,
        choices=None,
        *,
        enum: type[enum.Enum] | None = None,
        blank_ok: bool = False,
        validate_choice: bool = True,
        required_message=None,
        unknown_message=None,
        **kwargs,
    ):
        if enum is not None:
            coerce = enum_coerce(enum)
            if choices is None:
                choices = [SelectChoice(m.value, getattr(m, "label", m.value)) for m in enum]
        super().__init__(label, validators, coerce=coerce, choices=choices, validate_choice=validate_choice, **kwargs)
        self.blank_ok = blank_ok
        self.required_message = required_message
        self.unknown_message = unknown_message
        self._submitted = False
        self._problem: str | None = None

    def _coerced(self, value):
        try:
            return self.coerce(value)
        except (ValueError, TypeError, LookupError):
            return _NO_VALUE

    def _choice_values(self) -> list:
        return [c.value for c in (self._choices_from_input(self.choices) or [])]

    def iter_choices(self):
        choices = self._choices_from_input(self.choices) or []
        return [
            Choice(value=c.value, label=c.label, selected=self._coerced(c.value) == self.data, render_kw=c.render_kw)
            for c in choices
        ]

    def process_formdata(self, valuelist):
        self._submitted = True
        self._problem = None
        self.data = None
        raw = valuelist[0] if valuelist else None
        if raw is None or (raw.strip() == "" and "" not in [str(v) for v in self._choice_values()]):
            if not self.blank_ok:
                self._problem = "missing"
            return
        value = self._coerced(raw)
        if value is _NO_VALUE:
            self._problem = "unknown"
            return
        self.data = value

    def pre_validate(self, form):
        pass  # everything is decided in post_validate, which no validator can skip

    def post_validate(self, form, validation_stopped):
        if not self._submitted:
            return
        problem = self._problem
        if problem is None and self.data is not None and self.validate_choice:
            if not any(self._coerced(v) == self.data for v in self._choice_values()):
                problem = "unknown"
        if problem is None:
            return
        self.data = None
        if self.errors:
            return  # InputRequired and the like already said it
        if problem == "missing":
            raise ValidationError(self.required_message or CHOICE_REQUIRED)
        raise ValidationError(self.unknown_message or CHOICE_UNKNOWN)


_NO_VALUE = object()


class Form(FlaskForm):
    """The base of every form: input comes from a form post (or upload), never from a JSON body.

    Flask-WTF would read a JSON body as form data, passing numbers, lists, objects and null to
    fields that expect text (a crash in every filter and choice field), and a JSON array or string
    body to ImmutableMultiDict (another). No form here is posted as JSON (the JSON endpoints read
    their body themselves), so a JSON body is no data: the form answers with its errors.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _FLASK_WTF_AUTO and request.is_json and not request.form and not request.files:
                return None
            return super().wrap_formdata(form, formdata)


class ConfirmForm(Form):
    """The explicit second step of a destructive action: a POST carrying its CSRF token.
    The page renders its own button (see templates/_confirm.html)."""
