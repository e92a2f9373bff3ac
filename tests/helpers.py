"""Helpers every test area shares: signing in, posting forms with their CSRF token, reading mail
from the real SMTP server, reading PDFs back, and scratch databases on SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from flask import has_app_context
from pypdf import PdfReader
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import OutboxMessage
from tests.factories import PASSWORD

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Redis for the job queue, shared rate limits and scale-out tests (this machine and CI run one).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ON_POSTGRES = PG_URL.startswith("postgresql")
MM = 72 / 25.4  # PDF points per millimetre


# --- forms and signing in ----------------------------------------------------------------


_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/auth/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = PASSWORD) -> None:
    """Sign in as `email` (signing out whoever was signed in on this client first)."""
    if 'action="/auth/logout"' in client.get("/").get_data(as_text=True):
        post_form(client, "/auth/logout", {}, token_from="/")
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, f"login as {email} failed"


# --- mail -------------------------------------------------------------------------------------


def wait_for_mail(mailbox, count: int = 1, timeout: float = 2.0):
    """Messages received so far, polling until at least `count` arrived (aiosmtpd is async)."""
    deadline = time.monotonic() + timeout
    while len(mailbox) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return list(mailbox)


def no_mail_sent_or_queued(mailbox, wait: float = 0.3) -> bool:
    """True when nothing arrives within a short wait and the outbox holds no unsent message.

    The empty mailbox alone would also pass when mail was queued but never delivered (no
    delivery after the commit, SMTP down, worker mode). The outbox is counted on a connection
    of its own, so the test's session and its transaction are left as they are.
    """
    time.sleep(wait)
    with db.engine.connect() as conn:
        unsent = conn.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
    return len(mailbox) == 0 and unsent == 0


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, path_prefix: str) -> tuple[str, str]:
    """The absolute link to `path_prefix`<token> in a mail, and its token."""
    match = re.search(r"(http://localhost" + re.escape(path_prefix) + r"([A-Za-z0-9_\-]+))", body_of(message))
    assert match, f"no {path_prefix} link in mail:\n{body_of(message)}"
    return match.group(1), match.group(2)


def signed_in_as(client) -> str | None:
    """The e-mail shown on the logout button of the home page, or None when signed out."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'action="/auth/logout".*?title="([^"]+)"', html, re.S)
    return match.group(1) if match else None


def post_form(client, path: str, data: dict, token_from: str | None = None, **kw):
    """POST a form the way a browser does: with the CSRF token of the page it came from."""
    data = dict(data, csrf_token=csrf_token(client, token_from or path))
    return client.post(path, data=data, **kw)


def see_committed() -> None:
    """End the test's own read transaction, so that what requests committed becomes visible.

    SQLite (WAL, explicit BEGIN) reads from a snapshot taken when the transaction began;
    loaded objects are expired and reload on next access.
    """
    db.session.rollback()


# --- PDFs ---------------------------------------------------------------------------------------


def pdf_pages(data: bytes):
    return PdfReader(io.BytesIO(data)).pages


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pdf_pages(data))


def page_size_mm(page) -> tuple[float, float]:
    box = page.mediabox
    return round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)


def base_fonts(data: bytes) -> set[str]:
    """Every font a page uses, by BaseFont without the subset prefix (ABCDEF+NanumSquare -> NanumSquare)."""
    names = set()
    for page in pdf_pages(data):
        fonts = page["/Resources"].get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
            for descendant in font.get("/DescendantFonts") or []:
                names.add(str(descendant.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def order_in(text: str, names: list[str]) -> list[str]:
    """The names in the order they first appear in the text."""
    positions = {name: text.find(name) for name in names}
    missing = [n for n, p in positions.items() if p < 0]
    assert not missing, f"not in the PDF: {missing}"
    return sorted(names, key=positions.get)


def decode_qr_codes(data: bytes, scale: float = 3) -> list:
    """Every QR code on every page (pypdfium2 renders, zxing-cpp decodes)."""
    import pypdfium2 as pdfium
    import zxingcpp

    found = []
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            image = document[index].render(scale=scale).to_pil()
            found += [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    finally:
        document.close()
    return found


# --- scratch databases ---------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(tmp_path: Path, name: str = "scratch") -> Iterator[str]:
    """An empty database of the suite's kind for one test: a SQLite file under tmp_path, or a
    fresh PostgreSQL database beside TEST_DATABASE_URL, dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    database = f"moim_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(PG_URL).set(database=database).render_as_string(hide_password=False)
    finally:
        if has_app_context():
            db.session.remove()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def redis_or_skip():
    """A connected Redis client; Redis unreachable: the test is skipped, except on CI (a failure)."""
    import pytest
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable on CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    return client


def run_together(count: int, work) -> tuple[list, list[BaseException]]:
    """Run `work(n)` for n in range(count), each in its own thread, released together (a barrier);
    returns what each returned (None where it raised) and what was raised."""
    import threading

    barrier = threading.Barrier(count)
    results, errors = [None] * count, []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def at_once(app, threads: int, work) -> tuple[list, list[BaseException]]:
    """run_together for `work()` inside an app context and database session of its own per thread,
    committing what it did (rolled back when it raises). For races against a real database: use an
    app whose pool holds a connection per thread (tests/conftest.py app_for_races)."""

    def one(_n: int):
        with app.app_context():
            try:
                value = work()
                db.session.commit()
                return value
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return run_together(threads, one)
