"""HTTP behaviour shared by every .ics response: ETag/Last-Modified, 304, caching headers, no cookies.

A feed is polled by calendar clients every hour or so, mostly unchanged. The caller gives a
cheap `etag_basis` (e.g. event count and latest change from one aggregate query) and a `build`
callable; the ETag comes from the basis, never from the body, so a 304 costs one small query and
never builds the calendar. Built bodies of unchanged feeds are kept in a small per-process LRU
keyed by the ETag, so repeated full downloads do not rebuild either.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

import icalendar
from flask import Response, current_app, request
from flask.globals import request_ctx
from flask.sessions import NullSession, SecureCookieSession
from werkzeug.http import is_resource_modified

from app import ics

CONTENT_TYPE = "text/calendar; charset=utf-8"
MAX_AGE = 900  # seconds; calendar clients poll hourly (REFRESH-INTERVAL), proxies may keep 15 min

# Full bodies kept per process; a 1,000-event feed is about 1 MB.
BODY_CACHE_ENTRIES = 32
BODY_CACHE_BYTES = 64 * 1024 * 1024


class Uncacheable(bytes):
    """What `build` returns for a body that must not be kept under this ETag: it was built
    from newer data than the basis (a commit came between the fingerprint and the build)."""


class _DiscardedSession(NullSession):
    """The session of a feed response: readable and writable, never saved.

    Flask skips saving a null session, so no Set-Cookie can come from the session, whatever
    an extension (Flask-Login's session protection, a remember-cookie refresh) writes into it.
    """

    __setitem__ = SecureCookieSession.__setitem__
    __delitem__ = SecureCookieSession.__delitem__
    clear = SecureCookieSession.clear
    pop = SecureCookieSession.pop
    popitem = SecureCookieSession.popitem
    update = SecureCookieSession.update
    setdefault = SecureCookieSession.setdefault


def detach_session() -> None:
    """Make this request's session unsaveable (feeds must never set a cookie).

    Feed URLs are fetched by calendar servers and shared caches; a Set-Cookie on them would
    either leak a session into a cache or make the response uncacheable. Call before anything
    that may touch `current_user`.
    """
    # Flask 3.1 keeps the opened session in `_session` (the `session` property has no setter);
    # tests/calendar/test_feed_http.py fails if a Flask upgrade moves it.
    request_ctx._session = _DiscardedSession()


class _BodyCache:
    """A small LRU of built calendar bodies, bounded by entries and bytes; thread-safe."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = body
            self._bytes += len(body)
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


body_cache = _BodyCache(BODY_CACHE_ENTRIES, BODY_CACHE_BYTES)


def _builder_digest() -> str:
    """Changes whenever the builder's output may change: its source or the icalendar version."""
    global _BUILDER_DIGEST
    if _BUILDER_DIGEST is None:
        source = Path(ics.__file__).read_bytes()
        _BUILDER_DIGEST = hashlib.sha256(source + icalendar.__version__.encode()).hexdigest()[:16]
    return _BUILDER_DIGEST


_BUILDER_DIGEST: str | None = None


def feed_etag(etag_basis: str) -> str:
    """The strong ETag value (unquoted) of a calendar whose content is determined by the basis.

    Besides the basis, the builder's version and the settings written into every file (links,
    UID domain, organizer) go in, so a deploy that changes any of them changes every ETag.
    """
    config = current_app.config
    material = "\x1f".join(
        (
            _builder_digest(),
            config["PUBLIC_BASE_URL"],
            config["ICAL_UID_DOMAIN"],
            config["MAIL_DEFAULT_SENDER"],
            etag_basis,
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def feed_response(
    build: Callable[[], bytes],
    *,
    etag_basis: str,
    last_modified: dt.datetime | None,
    private: bool,
    filename: str,
    cache: bool | None = None,
) -> Response:
    """A calendar response: 304 when the client's copy is current, else the (cached) body.

    `etag_basis` must change whenever the built bytes would (include the feed's identity:
    token, cluster, filter). `last_modified` is the latest change (aware); sent with second
    precision. If-None-Match wins over If-Modified-Since when both are sent. HEAD gets the
    same headers without the body (Flask runs the GET view; Werkzeug drops the body).
    `private` feeds (personal tokens, drafts) get `Cache-Control: private` and
    `X-Robots-Tag: noindex`. `cache` (default: public feeds only) keeps built bodies in
    memory by ETag, unless `build` returns them as `Uncacheable`.
    """
    detach_session()
    etag = feed_etag(etag_basis)
    if last_modified is not None:
        last_modified = last_modified.astimezone(dt.UTC).replace(microsecond=0)

    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304)
        _common_headers(response, etag, last_modified, private)
        return response

    use_cache = (not private) if cache is None else cache
    body = body_cache.get(etag) if use_cache else None
    if body is None:
        body = build()
        if use_cache and not isinstance(body, Uncacheable):
            body_cache.put(etag, body)
    response = Response(bytes(body), status=200, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    _common_headers(response, etag, last_modified, private)
    return response


def _common_headers(response: Response, etag: str, last_modified: dt.datetime | None, private: bool) -> None:
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = f"{'private' if private else 'public'}, max-age={MAX_AGE}"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
