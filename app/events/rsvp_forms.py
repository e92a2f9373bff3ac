"""The company RSVP form: attendee rows, a council role per row, and a separate PIPA consent box."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.events.consent import CONSENT_LABEL
from app.events.registration import AttendeeData
from app.models import AttendeeRole, Event, EventKind
from app.forms import strip

# Attendee rows shown when the event has no per-company limit.
DEFAULT_ROWS = 5



class AttendeeRowForm(Form):
    """One attendee; a row left entirely blank is ignored."""

    name = StringField(_l("이름"), filters=[strip], validators=[Optional(), Length(max=100)])
    email = StringField(_l("이메일"), filters=[strip], validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("휴대전화"), filters=[strip], validators=[Optional(), Length(max=20)])
    job_title = StringField(_l("직함"), filters=[strip], validators=[Optional(), Length(max=100)])
    # Only rendered (and only read) for council meetings; the service checks the value.
    role = SelectField(
        _l("구분"),
        choices=[SelectChoice(AttendeeRole.VOTER.value, _l("의결권 대표")),
                 SelectChoice(AttendeeRole.OBSERVER.value, _l("참관인"))],
        default=AttendeeRole.OBSERVER.value,
        validate_choice=False,
    )

    @property
    def is_blank(self) -> bool:
        return not any((self.name.data, self.email.data, self.mobile.data, self.job_title.data))


class RsvpForm(FlaskForm):
    attendees = FieldList(FormField(AttendeeRowForm))
    # Separate, explicit and never pre-checked (PIPA): see app/events/consent.py for the text.
    consent = BooleanField(CONSENT_LABEL, default=False)
    submit = SubmitField(_l("참가 신청"))


def row_count(event: Event) -> int:
    return event.seats_per_company or DEFAULT_ROWS


def make_rsvp_form(event: Event, member=None, formdata=None) -> RsvpForm:
    """The form for this event: `row_count` rows; on GET the first row is the member themself."""
    rows = row_count(event)

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
        if event.kind == EventKind.COUNCIL and row.role.data in (AttendeeRole.VOTER.value, AttendeeRole.OBSERVER.value):
            role = AttendeeRole(row.role.data)
        people.append(AttendeeData(
            name=row.name.data or "", email=row.email.data or "", mobile=row.mobile.data or None,
            job_title=row.job_title.data or None, role=role,
        ))
    return people
