"""The company RSVP form: attendee rows, a council role per row, and a separate PIPA consent box."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, StringField, SubmitField
from wtforms import Form as SubForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.events.consent import CONSENT_LABEL
from app.events.registration import AttendeeData
from app.forms import ChoiceField, Form, strip
from app.models import AttendeeRole, Event, EventKind

# Attendee rows shown when the event has no per-company limit.
DEFAULT_ROWS = 5


class AttendeeRowForm(SubForm):
    """One attendee; a row left entirely blank is ignored."""

    name = StringField(_l("이름"), filters=[strip], validators=[Optional(), Length(max=100)])
    email = StringField(_l("이메일"), filters=[strip], validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("휴대전화"), filters=[strip], validators=[Optional(), Length(max=20)])
    job_title = StringField(_l("직함"), filters=[strip], validators=[Optional(), Length(max=100)])
    # Only rendered (and only read) for council meetings, so it may be absent; a value that is
    # neither choice is a form error. The service checks the role against the event.
    role = ChoiceField(
        _l("구분"),
        enum=AttendeeRole,
        choices=[
            SelectChoice(AttendeeRole.VOTER.value, _l("의결권 대표")),
            SelectChoice(AttendeeRole.OBSERVER.value, _l("참관인")),
        ],
        default=AttendeeRole.OBSERVER.value,
        blank_ok=True,
    )

    @property
    def is_blank(self) -> bool:
        return not any((self.name.data, self.email.data, self.mobile.data, self.job_title.data))


class RsvpForm(Form):
    attendees = FieldList(FormField(AttendeeRowForm))
    # Separate, explicit and never pre-checked (PIPA): see app/events/consent.py for the text.
    consent = BooleanField(CONSENT_LABEL, default=False)
    submit = SubmitField(_l("참가 신청"))


def row_count(event: Event, seats_left: int | None = None) -> int:
    """Attendee rows offered: the seats the company has left (registration.company_seats_left)
    when the event limits seats per company, `seats_per_company` when that is not known
    (a guest), DEFAULT_ROWS without a limit."""
    if event.seats_per_company is None:
        return DEFAULT_ROWS
    return event.seats_per_company if seats_left is None else seats_left


def make_rsvp_form(event: Event, member=None, formdata=None, rows: int | None = None) -> RsvpForm:
    """The form for this event: `rows` rows (default `row_count(event)`); on GET the first
    row is `member` (the caller passes None when the member is already registered)."""
    rows = row_count(event) if rows is None else rows

    class _EventRsvpForm(RsvpForm):
        attendees = FieldList(FormField(AttendeeRowForm), min_entries=rows)

    if formdata is not None:
        return _EventRsvpForm(formdata=formdata)
    first = {}
    if member is not None:
        first = {"name": member.name, "email": member.email, "mobile": member.mobile or "", "job_title": ""}
        if event.kind == EventKind.COUNCIL:
            first["role"] = AttendeeRole.VOTER.value
    return _EventRsvpForm(formdata=None, data={"attendees": [first] if first else []})


def attendees_from(form: RsvpForm, event: Event) -> list[AttendeeData]:
    """Non-blank rows as AttendeeData; the role is read only for council meetings."""
    people = []
    for entry in form.attendees.entries:
        row = entry.form
        if row.is_blank:
            continue
        role = AttendeeRole.ATTENDEE
        if event.kind == EventKind.COUNCIL and row.role.data is not None:
            role = row.role.data
        people.append(
            AttendeeData(
                name=row.name.data or "",
                email=row.email.data or "",
                mobile=row.mobile.data or None,
                job_title=row.job_title.data or None,
                role=role,
            )
        )
    return people


class ReplaceAttendeeForm(Form):
    """Swap one of the company's attendees for a colleague; the council role stays with the place."""

    name = StringField(_l("이름"), filters=[strip], validators=[Length(max=100)])
    email = StringField(_l("이메일"), filters=[strip], validators=[Length(max=254)])
    mobile = StringField(_l("휴대전화"), filters=[strip], validators=[Optional(), Length(max=20)])
    job_title = StringField(_l("직함"), filters=[strip], validators=[Optional(), Length(max=100)])
    # The new attendee's own consent: never pre-checked, recorded again with its version.
    consent = BooleanField(CONSENT_LABEL, default=False)
    submit = SubmitField(_l("참가자 교체"))

    def attendee(self) -> AttendeeData:
        return AttendeeData(
            name=self.name.data or "",
            email=self.email.data or "",
            mobile=self.mobile.data or None,
            job_title=self.job_title.data or None,
        )


class CancelRegistrationForm(Form):
    submit = SubmitField(_l("신청 취소"))
