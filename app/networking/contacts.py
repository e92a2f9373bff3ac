"""Contacts exchanged at an event by scanning badges (명함 교환): the exchange, the contact list, exports.

An attendee's phone scans the contact QR on another attendee's badge ("MOIMC:" + 26 base32
characters, app/events/tickets.py). Anything else is refused before any lookup, a ticket code
with its own message: the exchange never reads, stores or returns a ticket code. The badge's
owner is found by the SHA-256 of the contact code, at the scanner's own event only; both must
have given the networking consent. One exchange writes two Contact rows, one per side, so each
keeps the other's card; the note and rating belong to the row's owner alone.

Services take plain arguments and never commit (the view commits once).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from app.database import begin_write
from app.events.registration import ACTIVE
from app.events.tickets import normalize_code, normalize_contact_code
from app.exports import xlsx_bytes
from app.extensions import db
from app.i18n import format_kst_date, to_kst
from app.models import Company, CompanyProfile, Contact, NetworkingTag, ProfileSide, Registration, profile_tags
from app.networking.access import Attendee
from app.tokens import hash_token

NOTE_MAX = 1000
RECENT_ON_HUB = 3
PROFILE_SUMMARY_CHARS = 160

# Answers of an exchange (the JSON `result`), with the colour the page shows them in.
EXCHANGED = "exchanged"
ALREADY_EXCHANGED = "already_exchanged"
TICKET_CODE = "ticket_code"
NOT_CONTACT_CODE = "not_contact_code"
UNKNOWN_CODE = "unknown_code"
OTHER_EVENT = "other_event"
ONESELF = "oneself"
NOT_CONSENTED = "not_consented"

_TONES = {EXCHANGED: "ok", ALREADY_EXCHANGED: "warn", ONESELF: "warn"}


def _message(result: str) -> str:
    messages = {
        EXCHANGED: _("명함을 교환했습니다"),
        ALREADY_EXCHANGED: _("이미 교환한 명함입니다"),
        TICKET_CODE: _("입장용 QR입니다. 명함 교환 QR을 찍어 주세요"),
        NOT_CONTACT_CODE: _("명함 교환 QR이 아닙니다. 명찰의 '명함 교환' QR을 찍어 주세요"),
        UNKNOWN_CODE: _("등록되지 않은 명함 교환 QR입니다. 명찰이 다시 발급되었을 수 있습니다."),
        OTHER_EVENT: _("다른 행사의 명찰입니다. 이 행사의 참가자와만 명함을 교환할 수 있습니다."),
        ONESELF: _("본인의 명찰입니다"),
        NOT_CONSENTED: _("상대방이 명함 교환에 동의하지 않았습니다"),
    }
    return messages[result]


class ContactInputError(ValueError):
    """A note, rating or code that is not acceptable; the message is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclasses.dataclass(frozen=True)
class ExchangeAnswer:
    result: str
    contact: Contact | None = None  # the scanner's own row, when there is a card to show

    @property
    def tone(self) -> str:
        return _TONES.get(self.result, "error")

    @property
    def message(self) -> str:
        return _message(self.result)

    @property
    def wrote(self) -> bool:
        return self.result == EXCHANGED


# --- input -----------------------------------------------------------------------------------


def clean_note(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ContactInputError(_("메모는 글자로 써 주세요."))
    value = value.replace("\r\n", "\n").strip()
    if len(value) > NOTE_MAX:
        raise ContactInputError(_("메모는 %(max)d자까지 쓸 수 있습니다.", max=NOTE_MAX))
    return value


def clean_rating(value) -> int | None:
    """1 to 5, or None for no rating; from a form ("", "3") or JSON (null, 3, "3")."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) == 1:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ContactInputError(_("관심도는 1에서 5 사이로 골라 주세요."))
    return value


# --- the exchange ----------------------------------------------------------------------------


def classify_code(raw) -> str | None:
    """The contact code in what was scanned or typed; None when the text is not one (a ticket
    code is not). Nothing is looked up."""
    if not isinstance(raw, str):
        raise ContactInputError(_("명함 교환 QR의 내용이 필요합니다."))
    return normalize_contact_code(raw)


def exchange(scanner: Registration, raw, *, note=None, rating=None, now: dt.datetime | None = None) -> ExchangeAnswer:
    """Record that ``scanner`` scanned the badge whose contact QR read ``raw``.

    Checks, in order: the note and rating (ContactInputError), the text is a contact code (a
    ticket code gets its own refusal; neither is looked up), the badge belongs to an active
    registration of the same event, not the scanner's own, whose owner consented. Then both
    Contact rows, unless the scanner already has the other's card: scanning again changes
    nothing. The scanner's own consent is the caller's check (the page is 403 without it).
    """
    note = clean_note(note)
    rating = clean_rating(rating)
    code = classify_code(raw)
    if code is None:
        return ExchangeAnswer(TICKET_CODE if normalize_code(raw) is not None else NOT_CONTACT_CODE)
    begin_write()
    other = db.session.scalars(select(Registration).where(Registration.contact_hash == hash_token(code))).first()
    if other is None or other.status not in ACTIVE:
        return ExchangeAnswer(UNKNOWN_CODE)
    if other.event_id != scanner.event_id:
        return ExchangeAnswer(OTHER_EVENT)
    if other.id == scanner.id:
        return ExchangeAnswer(ONESELF)
    # Both rows are locked (PostgreSQL; SQLite is already the writer): two phones scanning each
    # other at the same moment write one pair, and a consent withdrawn meanwhile is seen.
    locked = db.session.scalars(
        select(Registration)
        .where(Registration.id.in_((scanner.id, other.id)))
        .order_by(Registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    other = next(r for r in locked if r.id == other.id)
    if other.networking_consent_at is None:
        return ExchangeAnswer(NOT_CONSENTED)
    rows = db.session.scalars(
        select(Contact).where(
            Contact.owner_registration_id.in_((scanner.id, other.id)),
            Contact.other_registration_id.in_((scanner.id, other.id)),
        )
    ).all()
    mine = next((c for c in rows if c.owner_registration_id == scanner.id), None)
    if mine is not None:
        return ExchangeAnswer(ALREADY_EXCHANGED, mine)
    mine = Contact(
        event_id=scanner.event_id,
        owner_registration_id=scanner.id,
        other_registration_id=other.id,
        scanned_by_owner=True,
        note=note,
        rating=rating,
    )
    if now is not None:
        mine.created_at = mine.updated_at = now
    db.session.add(mine)
    if not any(c.owner_registration_id == other.id for c in rows):
        theirs = Contact(
            event_id=scanner.event_id,
            owner_registration_id=other.id,
            other_registration_id=scanner.id,
            scanned_by_owner=False,
        )
        if now is not None:
            theirs.created_at = theirs.updated_at = now
        db.session.add(theirs)
    db.session.flush()
    mine.other = other
    return ExchangeAnswer(EXCHANGED, mine)


def own_contact(owner: Registration, contact_id: int) -> Contact | None:
    """One of the owner's own contacts; another person's row is None (the view's 404)."""
    return db.session.scalars(
        select(Contact)
        .options(joinedload(Contact.other))
        .where(Contact.id == contact_id, Contact.owner_registration_id == owner.id)
    ).first()


def update_note(contact: Contact, note, rating) -> None:
    """The owner's note and rating on their own card (ContactInputError: nothing changes)."""
    note = clean_note(note)
    rating = clean_rating(rating)
    contact.note = note
    contact.rating = rating


def card_json(contact: Contact) -> dict:
    """What the exchange page shows of the other person: name, company, job title, and the
    scanner's own note and rating. Never a code, an e-mail or a mobile number."""
    other = contact.other
    return {
        "id": contact.id,
        "name": other.name,
        "company": other.company_name,
        "job_title": other.job_title or "",
        "note": contact.note or "",
        "rating": contact.rating,
    }


# --- the list ----------------------------------------------------------------------------------


@dataclasses.dataclass
class ContactCard:
    """One contact as the contacts page and the exports show it."""

    contact: Contact
    person: Registration  # the other side
    profile: CompanyProfile | None = None  # only a discoverable one
    offer_tags: list[NetworkingTag] = dataclasses.field(default_factory=list)
    seek_tags: list[NetworkingTag] = dataclasses.field(default_factory=list)

    @property
    def company_name(self) -> str:
        return self.person.company_name

    @property
    def offers_summary(self) -> str:
        return _summary(self.profile.offers if self.profile else "")

    @property
    def seeks_summary(self) -> str:
        return _summary(self.profile.seeks if self.profile else "")


def _summary(text: str, limit: int = PROFILE_SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def contact_cards(owner: Registration) -> list[ContactCard]:
    """The owner's contacts, newest first, in two queries whatever their number: the contacts
    with the other person, their company and its profile; the tags of the discoverable profiles."""
    other = aliased(Registration)
    rows = db.session.execute(
        select(Contact, other, CompanyProfile)
        .join(other, other.id == Contact.other_registration_id)
        .outerjoin(Company, Company.id == other.company_id)
        .outerjoin(
            CompanyProfile,
            (CompanyProfile.company_id == Company.id) & CompanyProfile.is_discoverable.is_(True),
        )
        .options(joinedload(other.company))
        .where(Contact.owner_registration_id == owner.id)
        .order_by(Contact.created_at.desc(), Contact.id.desc())
    ).all()
    cards = [ContactCard(contact=c, person=person, profile=profile) for c, person, profile in rows]
    company_ids = {card.profile.company_id for card in cards if card.profile is not None}
    if company_ids:
        tags: dict[tuple[int, ProfileSide], list[NetworkingTag]] = {}
        for company_id, side, tag in db.session.execute(
            select(profile_tags.c.company_id, profile_tags.c.side, NetworkingTag)
            .join(NetworkingTag, NetworkingTag.id == profile_tags.c.tag_id)
            .where(profile_tags.c.company_id.in_(company_ids))
            .order_by(NetworkingTag.sort_order, NetworkingTag.label_ko)
        ):
            tags.setdefault((company_id, ProfileSide(side)), []).append(tag)
        for card in cards:
            if card.profile is not None:
                card.offer_tags = tags.get((card.profile.company_id, ProfileSide.OFFER), [])
                card.seek_tags = tags.get((card.profile.company_id, ProfileSide.SEEK), [])
    return cards


def contacts_panel(attendee: Attendee) -> dict:
    """Template context for the hub's contacts part: how many, and the last few (two queries)."""
    owner_id = attendee.registration.id
    count = db.session.scalar(select(func.count(Contact.id)).where(Contact.owner_registration_id == owner_id)) or 0
    other = aliased(Registration)
    recent = []
    if count:
        recent = db.session.execute(
            select(Contact, other)
            .join(other, other.id == Contact.other_registration_id)
            .options(joinedload(other.company))
            .where(Contact.owner_registration_id == owner_id)
            .order_by(Contact.created_at.desc(), Contact.id.desc())
            .limit(RECENT_ON_HUB)
        ).all()
    return {"contacts_count": count, "recent_contacts": [(c, person) for c, person in recent]}


# --- exports -------------------------------------------------------------------------------------


def _rating_stars(rating: int | None) -> str:
    return "★" * rating + "☆" * (5 - rating) if rating else ""


def _vcard_text(value: str) -> str:
    """A vCard text value (RFC 6350 3.4 / RFC 2426 4): backslash, comma, semicolon, newline escaped."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets folded (CRLF + space), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def contacts_vcard(cards: list[ContactCard], event_title: str, event_start: dt.datetime) -> bytes:
    """One .vcf file (vCard 3.0, UTF-8) with every contact: name, company, job title, e-mail,
    mobile, and a note saying where they met with the owner's own rating and note."""
    when = format_kst_date(event_start)
    lines: list[str] = []
    for card in cards:
        person = card.person
        note_parts = [_("%(event)s (%(date)s)에서 명함 교환", event=event_title, date=when)]
        if card.contact.rating:
            note_parts.append(_("관심도 %(stars)s", stars=_rating_stars(card.contact.rating)))
        if card.contact.note:
            note_parts.append(card.contact.note)
        entry = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{_vcard_text(person.name)};;;;",
            f"FN:{_vcard_text(person.name)}",
        ]
        if person.company_name:
            entry.append(f"ORG:{_vcard_text(person.company_name)}")
        if person.job_title:
            entry.append(f"TITLE:{_vcard_text(person.job_title)}")
        if person.email:
            entry.append(f"EMAIL;TYPE=INTERNET:{_vcard_text(person.email)}")
        if person.mobile:
            entry.append(f"TEL;TYPE=CELL:{_vcard_text(person.mobile)}")
        entry.append(f"NOTE:{_vcard_text(chr(10).join(note_parts))}")
        entry.append("END:VCARD")
        lines += [_fold(line) for line in entry]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8") if lines else b""


def contacts_xlsx(cards: list[ContactCard], event_title: str) -> bytes:
    header = [
        _("이름"),
        _("직함"),
        _("회사"),
        _("이메일"),
        _("휴대전화"),
        _("교환 일시"),
        _("관심도 (1-5)"),
        _("내 메모"),
        _("기업 분야"),
        _("제공"),
        _("희망"),
        _("행사"),
    ]
    rows = [
        [
            card.person.name,
            card.person.job_title or "",
            card.person.company_name,
            card.person.email,
            card.person.mobile or "",
            to_kst(card.contact.created_at).replace(tzinfo=None),
            card.contact.rating,
            card.contact.note or "",
            card.profile.fields if card.profile else "",
            card.profile.offers if card.profile else "",
            card.profile.seeks if card.profile else "",
            event_title,
        ]
        for card in cards
    ]
    return xlsx_bytes(
        _("명함"),
        header,
        rows,
        [12, 14, 22, 26, 15, 17, 11, 40, 20, 40, 40, 28],
        datetime_columns=["F"],
        autofilter=True,
    )
