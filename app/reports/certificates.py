"""Certificates of attendance (참가확인서): who may have one, the verification code, and the PDF.

The code is stateless: ``<registration id>-<tag>``, the tag being 128 bits of
HMAC(server key, "certificate v1" + registration id + check-in id + check-in time). Nothing is
stored, so a certificate costs no migration and every download prints the same code; yet
undoing the check-in deletes its CheckIn row, and the code stops verifying at once (a new
check-in later has another id and time, so the old paper stays dead). A cancelled
registration's certificate does not verify either. The key is the ticket key
(``app.events.tickets.ticket_key``) under its own label, so no code of one kind is a code of
another.

Services only: no request, no commit. Absolute verification URLs are built by the caller
(``verify_url``: code -> URL) and passed in.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
from collections.abc import Callable, Sequence

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.events.tickets import ticket_key
from app.exports import clean_filename
from app.extensions import db
from app.i18n import format_kst_date, format_kst_range
from app.models import CheckIn, Event, Registration, RegistrationStatus, utcnow
from app.models.company import company_sort_name
from app.pdf import default_workers, render_pdf_chunks
from app.qr import qr_data_uri

VerifyUrl = Callable[[str], str]

_CODE_RE = re.compile(r"^([0-9]{1,9})-([A-Z2-7]{26})$")
# Certificates per rendered chunk, and the batch size from which a process pool renders them.
CHUNK_PAGES = 100
POOL_MIN_PAGES = 300


def _key() -> bytes:
    return hmac.new(ticket_key(), b"certificate of attendance v1", hashlib.sha256).digest()


def _tag(registration_id: int, checkin: CheckIn) -> str:
    message = f"{registration_id}:{checkin.id}:{checkin.checked_in_at.isoformat()}".encode()
    digest = hmac.new(_key(), message, hashlib.sha256).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=")


def certificate_code(registration: Registration, checkin: CheckIn) -> str:
    return f"{registration.id}-{_tag(registration.id, checkin)}"


def normalize_code(raw: str | None) -> str | None:
    """A typed or scanned code in its canonical form, or None when it cannot be one of ours.

    People add spaces, dashes inside the tag and lower case; those are dropped, not refused.
    """
    if not raw or len(raw) > 100:
        return None
    cleaned = "".join(ch for ch in raw.strip().upper() if ch not in " \t\r\n")
    head, sep, tail = cleaned.partition("-")
    code = f"{head}{sep}{tail.replace('-', '')}"
    return code if _CODE_RE.match(code) else None


def serial_number(registration: Registration) -> str:
    """The printed 발급번호: the event's year and the registration, e.g. MOIM-2026-000123."""
    return f"MOIM-{registration.event.starts_at.year}-{registration.id:06d}"


def checkin_of(registration: Registration) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.registration_id == registration.id))


def has_certificate(registration: Registration, checkin: CheckIn | None) -> bool:
    return checkin is not None and registration.status != RegistrationStatus.CANCELLED


def checked_in_ids(registration_ids: Sequence[int]) -> set[int]:
    """Which of these registrations have a certificate (one query; for links on attendee pages)."""
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(select(CheckIn.registration_id).where(CheckIn.registration_id.in_(list(registration_ids))))
    )


def verify(raw_code: str | None) -> Registration | None:
    """The registration a genuine certificate code belongs to, or None (garbled, unknown, revoked)."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    registration_id, tag = code.split("-", 1)
    row = db.session.execute(
        select(Registration, CheckIn)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.id == int(registration_id))
        .options(joinedload(Registration.event).joinedload(Event.host_cluster), joinedload(Registration.company))
    ).first()
    if row is None:
        return None
    registration, checkin = row
    if not has_certificate(registration, checkin):
        return None
    if not hmac.compare_digest(_tag(registration.id, checkin).encode(), tag.encode()):
        return None
    return registration


def mask_name(name: str) -> str:
    """A name with its middle hidden: 김민수 -> 김*수, 이솔 -> 이*, John Smith -> J********h."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- the document --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Certificate:
    """What one printed certificate shows."""

    registration_id: int
    serial: str
    name: str
    company: str
    event_title: str
    event_kind: str
    when: str
    venue: str
    host_cluster: str
    issuer: str
    issued_on: str
    code: str
    url: str
    qr: str


def issuer_name(event: Event) -> str:
    """Who issues it: the host cluster's team of the agency (CERTIFICATE_ISSUER overrides)."""
    configured = current_app.config.get("CERTIFICATE_ISSUER")
    if configured:
        return configured
    return f"서울 산업 클러스터 {event.host_cluster.name_ko} 클러스터팀"


def build_certificate(registration: Registration, checkin: CheckIn, verify_url: VerifyUrl) -> Certificate:
    event = registration.event
    code = certificate_code(registration, checkin)
    url = verify_url(code)
    venue = event.venue_name + (f" ({event.venue_address})" if event.venue_address else "")
    return Certificate(
        registration_id=registration.id,
        serial=serial_number(registration),
        name=registration.name,
        company=registration.company_name,
        event_title=event.title_ko,
        event_kind=event.kind.label,
        when=format_kst_range(event.starts_at, event.ends_at, "ko"),
        venue=venue,
        host_cluster=event.host_cluster.name_ko,
        issuer=issuer_name(event),
        issued_on=format_kst_date(utcnow(), "ko"),
        code=code,
        url=url,
        qr=qr_data_uri(url),
    )


def _render(certificates: list[Certificate]) -> str:
    with force_locale("ko"):
        return render_template("pdf/certificate.html", certificates=certificates)


def certificates_pdf(
    pairs: Sequence[tuple[Registration, CheckIn]],
    verify_url: VerifyUrl,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One A4 page per certificate, in the given order, as PDF bytes (chunked for large batches).

    ``progress`` is called with the number of certificates (pages) rendered so far."""
    if not pairs:
        raise ValueError("no certificates to render")
    if workers is None:
        workers = current_app.config.get("PDF_WORKERS") or default_workers()
    if len(pairs) < POOL_MIN_PAGES:
        workers = 1

    def chunks():
        for start in range(0, len(pairs), CHUNK_PAGES):
            yield _render([build_certificate(r, c, verify_url) for r, c in pairs[start : start + CHUNK_PAGES]])

    total = len(pairs)
    chunk_progress = None if progress is None else (lambda chunks_done: progress(min(chunks_done * CHUNK_PAGES, total)))
    return render_pdf_chunks(chunks(), workers=workers, progress=chunk_progress)


def event_certificates(event: Event, company_id: int | None = None) -> list[tuple[Registration, CheckIn]]:
    """Every checked-in, not cancelled registration of the event (optionally one company's), in
    가나다 order of company and then name; one query."""
    query = (
        select(Registration, CheckIn)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED)
        .options(joinedload(Registration.company), joinedload(Registration.event).joinedload(Event.host_cluster))
    )
    if company_id is not None:
        query = query.where(Registration.company_id == company_id)
    rows = [(r, c) for r, c in db.session.execute(query).all()]

    def key(pair):
        r = pair[0]
        company = r.company.sort_name if r.company is not None else company_sort_name(r.guest_company_name or "")
        return (r.company_id is None, company, r.company_id or 0, r.name, r.id)

    return sorted(rows, key=key)


def single_filename(registration: Registration) -> tuple[str, str]:
    name = clean_filename(f"참가확인서_{registration.name}_{registration.event.title_ko}") or "참가확인서"
    return name + ".pdf", f"certificate-{registration.id}.pdf"


def batch_filename(event: Event) -> tuple[str, str]:
    return (
        clean_filename(f"참가확인서_{event.title_ko}") or "참가확인서"
    ) + ".pdf", f"certificates-event-{event.id}.pdf"
