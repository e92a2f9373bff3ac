"""Name badges with the ticket QR code, as PDF: staff batches (A6 4-up or 90x60 mm inserts) and single badges.

On an event with networking a badge also carries a second, smaller QR labelled 명함 교환: the
contact code (app/events/tickets.py), which another attendee's phone scans to exchange contacts.
It never equals the door code, so the door answers it as an unknown code.

Services only: no request, no commit. The caller commits after `ensure_tickets` (inside
`badge_pdf`) may have issued codes to old rows, and after `mark_printed`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.events.tickets import code_from_salt, contact_code, ensure_tickets, issue_ticket, ticket_key
from app.exports import clean_filename
from app.extensions import db
from app.i18n import format_kst_date
from app.mail import queue_template
from app.models import Company, Event, Registration, RegistrationStatus
from app.models.company import company_sort_name
from app.models.registration import ROLE_TAG_LABELS
from app.pdf import default_workers, render_pdf, render_pdf_chunks
from app.qr import qr_data_uri, qr_placeholder, with_qr_images

LAYOUTS = ("a6", "insert")
SORTS = ("company", "name")
BADGES_PER_PAGE = {"a6": 4, "insert": 8}

# Badges per rendered chunk: bounds a process's memory (a single WeasyPrint document of
# 2,000 badges passes 300 MB) and lets the pool share the work. See benchmarks/badges.py.
CHUNK_BADGES = 200
# Below this the pool saves little (about a second at most), and a web process that never
# prints a large batch never starts the fork server and its workers.
POOL_MIN_BADGES = 400

GUEST_CLUSTER = ROLE_TAG_LABELS["guest"]


class BadgeOptionError(ValueError):
    """A badge option that is not one of ours; the message is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclasses.dataclass(frozen=True)
class BadgeOptions:
    layout: str = "a6"
    sort: str = "company"
    unprinted: bool = False
    company_id: int | None = None

    def as_args(self) -> dict:
        """Query-string arguments that give these options back (defaults left out)."""
        args: dict = {}
        if self.layout != "a6":
            args["layout"] = self.layout
        if self.sort != "company":
            args["sort"] = self.sort
        if self.unprinted:
            args["unprinted"] = 1
        if self.company_id is not None:
            args["company_id"] = self.company_id
        return args


_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"", "0", "false", "off", "no"}


def parse_badge_options(args: Mapping[str, str]) -> BadgeOptions:
    """Options from query-string style values; raises BadgeOptionError on anything unknown."""
    layout = (args.get("layout") or "a6").strip().lower()
    if layout not in LAYOUTS:
        raise BadgeOptionError(_("명찰 양식(layout)은 a6 또는 insert 중 하나여야 합니다."))
    sort = (args.get("sort") or "company").strip().lower()
    if sort not in SORTS:
        raise BadgeOptionError(_("정렬 기준(sort)은 company(기업명순) 또는 name(이름순) 중 하나여야 합니다."))
    unprinted_raw = (args.get("unprinted") or "").strip().lower()
    if unprinted_raw not in _TRUE | _FALSE:
        raise BadgeOptionError(_("미인쇄 필터(unprinted) 값은 1 또는 0이어야 합니다."))
    company_raw = (args.get("company_id") or "").strip()
    company_id = None
    if company_raw:
        if not company_raw.isascii() or not company_raw.isdigit() or len(company_raw) > 9 or int(company_raw) < 1:
            raise BadgeOptionError(_("기업 번호(company_id)가 올바르지 않습니다."))
        company_id = int(company_raw)
    return BadgeOptions(layout=layout, sort=sort, unprinted=unprinted_raw in _TRUE, company_id=company_id)


# --- selecting ---------------------------------------------------------------------------


def _badge_filter(event_id: int, options: BadgeOptions):
    conditions = [Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED]
    if options.unprinted:
        conditions.append(Registration.badge_printed_at.is_(None))
    if options.company_id is not None:
        conditions.append(Registration.company_id == options.company_id)
    return conditions


def _company_sort_key(registration: Registration) -> str:
    if registration.company is not None:
        return registration.company.sort_name
    return company_sort_name(registration.guest_company_name or "")


def _sort_key_company(r: Registration):
    # Two firms with the same sort name stay apart (company id, guest firm name).
    return (_company_sort_key(r), r.company_id or 0, r.guest_company_name or "", r.name.casefold(), r.id)


def _sort_key_name(r: Registration):
    return (r.name.casefold(), _company_sort_key(r), r.id)


def select_badges(event: Event, options: BadgeOptions) -> list[Registration]:
    """The confirmed registrations whose badges the options ask for, in print order.

    One query (company and cluster joined in). Sorted here rather than in SQL: code-point
    order of Hangul syllables is 가나다 order on every database, whatever its collation.
    """
    rows = db.session.scalars(
        select(Registration)
        .where(*_badge_filter(event.id, options))
        .options(joinedload(Registration.company).joinedload(Company.cluster))
    ).all()
    return sorted(rows, key=_sort_key_name if options.sort == "name" else _sort_key_company)


def count_badges(event: Event, options: BadgeOptions) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(*_badge_filter(event.id, options))) or 0


@dataclasses.dataclass(frozen=True)
class CompanyChoice:
    id: int
    name: str
    confirmed: int
    unprinted: int


def badge_companies(event: Event) -> list[CompanyChoice]:
    """Companies with confirmed registrations at the event (가나다), with their badge counts; one query."""
    unprinted = func.count(Registration.id).filter(Registration.badge_printed_at.is_(None))
    rows = db.session.execute(
        select(Company.id, Company.name, Company.sort_name, func.count(Registration.id), unprinted)
        .join(Registration, Registration.company_id == Company.id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Company.id, Company.name, Company.sort_name)
    ).all()
    rows = sorted(rows, key=lambda row: (row[2], row[0]))
    return [CompanyChoice(id=row[0], name=row[1], confirmed=row[3], unprinted=row[4]) for row in rows]


def mark_printed(registrations: Sequence[Registration], now: dt.datetime) -> None:
    """Staff printed these badges (the 'not yet printed' filter leaves them out from now on).

    A few UPDATE ... WHERE id IN (...) statements, not one per badge.
    """
    mark_printed_ids([r.id for r in registrations], now)


def mark_printed_ids(ids: Sequence[int], now: dt.datetime) -> None:
    """`mark_printed` by registration ids (a job keeps the ids, not the loaded rows)."""
    for start in range(0, len(ids), 500):
        db.session.execute(
            update(Registration)
            .where(Registration.id.in_(ids[start : start + 500]))
            .values(badge_printed_at=now)
            .execution_options(synchronize_session="evaluate")
        )


# --- rendering ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Badge:
    """What one printed badge shows."""

    registration_id: int
    name: str
    name_size: int  # 1 (largest) to 4: long names get a smaller type size to fit one line
    company: str
    cluster: str
    role: str  # a role tag (models.registration.role_tag), also a CSS class
    role_label: str
    code: str
    qr: str  # image URL: a PNG data URI, or a placeholder for one (see with_qr_images)
    # The contact-exchange QR (명함 교환) on events with networking, as an image URL like `qr`.
    contact_qr: str | None = None


def _display_width(text: str) -> float:
    """Width in ems, roughly: Hangul and other wide characters 1, Latin letters about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


# Largest name widths (ems) that still fit one line at size 1, 2 and 3 of each layout.
_NAME_FITS = {"a6": (6.0, 9.0, 13.0), "insert": (5.0, 7.0, 10.0)}


def _name_size(name: str, layout: str) -> int:
    width = _display_width(name)
    for size, limit in enumerate(_NAME_FITS[layout], start=1):
        if width <= limit:
            return size
    return 4


def build_badge(
    registration: Registration, layout: str, key: bytes, *, qr_image: bool = True, contact: bool = False
) -> Badge:
    company = registration.company
    if company is not None:
        cluster = company.cluster.name if company.cluster is not None else ""
    else:
        cluster = str(GUEST_CLUSTER)
    role = registration.role_tag
    code = code_from_salt(registration.ticket_salt, key)
    image = qr_data_uri if qr_image else qr_placeholder
    contact_qr = image(contact_code(registration, key)) if contact else None
    return Badge(
        registration_id=registration.id,
        name=registration.name,
        name_size=_name_size(registration.name, layout),
        company=registration.company_name,
        cluster=cluster,
        role=role,
        role_label=registration.role_label,
        code=code,
        qr=image(code),
        contact_qr=contact_qr,
    )


def _event_context(event: Event) -> dict:
    return {"event_title": event.title, "event_date": format_kst_date(event.starts_at)}


def _render_sheets(badges: list[Badge], layout: str, context: dict) -> str:
    per_page = BADGES_PER_PAGE[layout]
    pages = [badges[i : i + per_page] for i in range(0, len(badges), per_page)]
    return render_template("pdf/badges.html", layout=layout, pages=pages, **context)


def badge_pdf(
    event: Event,
    registrations: Sequence[Registration],
    layout: str,
    *,
    workers: int | None = None,
    chunk_badges: int | None = None,
    pool_min_badges: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The badges of ``registrations`` (in that order) on A4 sheets, as PDF bytes.

    Registrations without a ticket code get one (the caller commits). Batches are rendered in
    page-aligned chunks of about CHUNK_BADGES; from POOL_MIN_BADGES on by a pool of ``workers``
    processes (PDF_WORKERS, else one per core up to 2) while this process builds the next
    chunk's HTML. The QR images are made where a chunk is rendered. ``progress`` is called
    with the number of badges rendered so far, chunk by chunk (a job's progress bar).
    """
    if layout not in LAYOUTS:
        raise BadgeOptionError(_("명찰 양식(layout)은 a6 또는 insert 중 하나여야 합니다."))
    if not registrations:
        raise ValueError("no badges to render")
    ensure_tickets(registrations)
    key = ticket_key()
    contact = event.networking_enabled
    context = _event_context(event)
    if workers is None:
        workers = current_app.config.get("PDF_WORKERS") or default_workers()
    if len(registrations) < (POOL_MIN_BADGES if pool_min_badges is None else pool_min_badges):
        workers = 1
    step = _chunk_size(len(registrations), BADGES_PER_PAGE[layout], chunk_badges or CHUNK_BADGES, workers)

    def chunks():
        for start in range(0, len(registrations), step):
            badges = [
                build_badge(r, layout, key, qr_image=False, contact=contact)
                for r in registrations[start : start + step]
            ]
            # The QR images are made where the chunk is rendered (in the pool, for large batches).
            yield functools.partial(with_qr_images, _render_sheets(badges, layout, context))

    total = len(registrations)
    chunk_progress = None if progress is None else (lambda chunks_done: progress(min(chunks_done * step, total)))
    return render_pdf_chunks(chunks(), workers=min(workers, -(-total // step)), progress=chunk_progress)


def _chunk_size(total: int, per_page: int, target: int, workers: int) -> int:
    """Badges per chunk: whole pages, at most about ``target``, and with a pool a number of
    chunks that is a multiple of the workers, so that none of them idles at the end."""
    rounds = -(-total // (target * workers))
    size = -(-total // (rounds * workers))
    return max(per_page, -(-size // per_page) * per_page)


def single_badge_pdf(registration: Registration) -> bytes:
    """One registration's badge on one A6 page (for the attendee to print at home)."""
    ensure_tickets([registration])
    badge = build_badge(registration, "a6", ticket_key(), contact=registration.event.networking_enabled)
    html = render_template("pdf/badges.html", layout="single", pages=[[badge]], **_event_context(registration.event))
    return render_pdf(html)


def batch_filename(event: Event) -> tuple[str, str]:
    """(Korean file name, ASCII fallback) of a batch PDF."""
    return (clean_filename(f"명찰_{event.title_ko}") or "명찰") + ".pdf", f"badges-event-{event.id}.pdf"


def single_filename(registration: Registration) -> tuple[str, str]:
    name = clean_filename(f"명찰_{registration.name}_{registration.event.title_ko}") or "명찰"
    return name + ".pdf", f"badge-{registration.id}.pdf"


# --- reissuing ---------------------------------------------------------------------------


def reissue_ticket(registration: Registration) -> None:
    """A new code for a lost or copied badge: the old QR and the old badge link stop working
    at once, and the new badge counts as not printed yet. The caller commits."""
    issue_ticket(registration)
    registration.badge_printed_at = None


def queue_reissued_mail(event: Event, registration: Registration, badge_link: str | None) -> None:
    """Tell the attendee their badge changed, with the link to the new one, in their language."""
    queue_template(registration.email, "badge_reissued", event=event, registration=registration, badge_link=badge_link)
