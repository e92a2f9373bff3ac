"""Every route of ``app.url_map``, as every role, with generated input: no 5xx, no traceback, and a
refusal changes no row (issue 17).

The world is the demo seed. For each role the test first walks the pages it can reach from the
home page and the area entry points, collecting the links and form actions it meets, so routes
are tried with real ids and real tokens (a networking hub link, a guest's manage link) as well as
with made-up ones. Then, for every rule of the URL map (new routes are covered without editing
this file), Hypothesis draws a URL (a collected one or one built from the rule with nasty path
values) and input: form fields named on the route's own page or any field name the app uses,
with missing values, wrong types, integers beyond any column, control characters, lone
surrogates and overlong text, sent form-encoded or as JSON, with or without the CSRF token.

TESTING propagates exceptions, so a crash fails the example at once. A refusal (any 4xx, or a
POST answered with the form page again, showing its errors) must leave every table as it was, except the door's scan
log, which records refused scans by design. ``FUZZ_EXAMPLES`` sets the examples per route and
role (default 4; GET routes get one less, at least 1); the figures are printed at the end.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import time
import urllib.parse
from collections import Counter, deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.extensions import db, limiter
from app.seed import DEMO_PASSWORD, seed_demo
from tests.helpers import login

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
ROLES = {
    "anonymous": None,
    "member": "ceo@nurimedia.moim.example",
    "staff": "dmc.staff@moim.example",
    "admin": "admin@moim.example",
}
# Refused scans are logged by design (the scan log shows staff what the door refused).
LOGGED_ON_REFUSAL = {"scan_logs"}
# Signing out or switching language would change who the rest of the run is, not what it tests.
SKIPPED_ENDPOINTS = {"static", "auth.logout"}
# Binary downloads are fetched, not parsed for links.
BINARY = re.compile(r"\.(pdf|xlsx|csv|ics|vcf|png|svg)(\?|$)")
CRAWL_LIMIT = 160
ENDING = re.compile(r"remove|deactivate|cancel|withdraw|delete|revoke|retire|undo")
# A form page answered again with its errors: a field marked invalid, an error message, an error flash.
REFUSAL_MARKS = ('aria-invalid="true"', 'class="field-error"', "flash flash-error")
_FORM_RE = re.compile(r"<form\b[^>]*>", re.I)
_ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')
_HREF_RE = re.compile(r'href="(/[^"#]*)"')
_NAME_RE = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"', re.I)
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- the world and its snapshot ------------------------------------------------------------------


def table_digest() -> dict[str, str]:
    """Each table's rows, hashed in a stable order (a fresh connection: what is committed)."""
    digests = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in LOGGED_ON_REFUSAL:
                continue
            order = ", ".join(c.name for c in table.primary_key.columns) or "1"
            rows = conn.execute(select(table).order_by(text(order))).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


# --- what a role can reach -----------------------------------------------------------------------


class Reach:
    """Links and form actions a role met while walking its pages, and the field names of each."""

    def __init__(self) -> None:
        self.urls: dict[str, set[str]] = {}  # endpoint -> concrete paths seen
        self.fields: dict[str, set[str]] = {}  # endpoint -> input names of its forms (and its page)
        self.all_fields: set[str] = set()

    def add(self, adapter, path: str, method: str = "GET") -> str | None:
        try:
            endpoint, _args = adapter.match(urllib.parse.urlsplit(path).path, method=method)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            return None
        self.urls.setdefault(endpoint, set()).add(path)
        return endpoint


def crawl(client, adapter) -> Reach:
    reach = Reach()
    queue = deque(["/", "/events", "/events/past", "/staff/", "/directory/", "/calendar/me"])
    seen: set[str] = set()
    while queue and len(seen) < CRAWL_LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        endpoint = reach.add(adapter, path)
        if endpoint is None or endpoint in SKIPPED_ENDPOINTS:
            continue
        response = client.get(path)
        if response.status_code in (301, 302, 303) and response.location:
            queue.append(urllib.parse.urlsplit(response.location).path)
            continue
        if response.status_code != 200 or BINARY.search(path) or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        names = set(_NAME_RE.findall(html))
        reach.fields.setdefault(endpoint, set()).update(names)
        reach.all_fields.update(names)
        for tag in _FORM_RE.findall(html):
            attrs = dict(_ATTR_RE.findall(tag))
            action = attrs.get("action") or path
            method = attrs.get("method", "get").upper()
            if action.startswith("/"):
                action_endpoint = reach.add(adapter, action, method)
                if action_endpoint:
                    reach.fields.setdefault(action_endpoint, set()).update(names)
        for href in _HREF_RE.findall(html):
            href = href.replace("&amp;", "&")
            if BINARY.search(href):
                reach.add(adapter, href)
            elif href not in seen:
                queue.append(href)
    return reach


# --- generated input -----------------------------------------------------------------------------

BIG = st.sampled_from([2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30])
NASTY_TEXT = st.one_of(
    st.just(""),
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=5),
    st.sampled_from(["\ud800", "a\udfffb", "\r\nX-Injected: 1", "줄\n바꿈", "\u202e", "\x00"]),
    BIG.map(str),
    st.integers(min_value=-5, max_value=5).map(str),
    st.sampled_from(["2026-13-45", "2026-02-30", "9999-12-31T25:61", "1900-01-01", "24:00", "-1", "1e309"]),
    st.sampled_from(["a@b", "x" * 256, "가" * 1001, "<script>alert(1)</script>", "' OR 1=1 --", "on", "true"]),
    st.integers(min_value=256, max_value=6000).map(lambda n: "x" * n),
)
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), BIG, st.floats(allow_nan=False), NASTY_TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
PATH_INT = st.one_of(st.integers(min_value=0, max_value=400), BIG, st.just(-1))
PATH_TEXT = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_", min_size=1, max_size=40),
    st.sampled_from(["dmc", "magok", "gangbuk", "%00", "..", "%ED%A0%80"]),
)


def _quote(value: str) -> str:
    return urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")


def encode_pairs(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs).encode("ascii")


def built_path(rule, draw) -> str:
    """The rule with drawn path values (ints beyond the converter's range included)."""

    def value(match: re.Match) -> str:
        if match.group(1) == "int":
            return str(draw(PATH_INT))
        return urllib.parse.quote(draw(PATH_TEXT), safe="%")

    return _PART_RE.sub(value, rule.rule)


_PART_RE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.statuses: Counter = Counter()
        self.rules: set[str] = set()
        self.refusals_checked = 0
        self.csrf_refused = 0
        self.signed_out_after: list[str] = []  # routes after which the role could not sign in again


# --- one route -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Target:
    rule: object
    method: str
    seen: list[str]  # concrete paths of this rule met while crawling
    names: list[str]  # field names to draw from


def fuzz_one(client, csrf: str, target: Target, tally: Tally, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        method = target.method
        if target.seen and data.draw(st.booleans(), label="known url"):
            path = data.draw(st.sampled_from(target.seen), label="url")
        else:
            path = built_path(target.rule, data.draw)
        fields = data.draw(st.lists(st.sampled_from(target.names), max_size=6, unique=True), label="fields")
        pairs = [(name, data.draw(NASTY_TEXT, label=name)) for name in fields if name != "csrf_token"]
        with_csrf = data.draw(st.integers(0, 4), label="csrf") > 0
        if with_csrf:
            pairs.append(("csrf_token", csrf))
        as_json = method == "POST" and data.draw(st.integers(0, 3), label="json") == 0
        before = table_digest()
        if method == "GET":
            query = encode_pairs(pairs[:3]).decode("ascii")
            response = client.get(f"{path}{'&' if '?' in path else '?'}{query}" if query else path)
        elif as_json:
            body = data.draw(st.dictionaries(st.sampled_from(target.names), JSON_VALUE, max_size=5), label="body")
            headers = {"X-CSRFToken": csrf} if with_csrf else {}
            raw = json.dumps(body, ensure_ascii=True).encode()
            response = client.post(path, data=raw, content_type="application/json", headers=headers)
        else:
            response = client.post(path, data=encode_pairs(pairs), content_type="application/x-www-form-urlencoded")
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        if response.status_code == 400 and "보안 확인에 실패했습니다" in response.get_data(as_text=True):
            tally.csrf_refused += 1
        tally.rules.add(f"{method} {target.rule.rule}")
        assert response.status_code < 500, f"{method} {path} -> {response.status_code}"
        if _is_refusal(method, response):
            tally.refusals_checked += 1
            changed = changed_tables(before, table_digest())
            assert not changed, f"{method} {path} refused ({response.status_code}) but changed {changed}"

    run()


# --- the test ------------------------------------------------------------------------------------


def _is_refusal(method: str, response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    if method != "POST" or response.status_code != 200 or "html" not in response.content_type:
        return False
    html = response.get_data(as_text=True)
    return any(mark in html for mark in REFUSAL_MARKS)


@pytest.fixture
def world(app):
    seed_demo()
    db.session.commit()
    db.session.remove()
    return app


@pytest.mark.parametrize("role", list(ROLES))
def test_no_input_crashes_any_route(world, role, caplog):
    app = world
    caplog.set_level(logging.ERROR)
    client = app.test_client()
    email = ROLES[role]
    if email:
        login(client, email, DEMO_PASSWORD)
    adapter = app.url_map.bind("localhost")
    reach = crawl(client, adapter)
    field_pool = sorted(reach.all_fields | {"csrf_token", "q", "page", "code", "nonce", "event_id", "company_id"})
    token_html = client.get("/auth/login" if not email else "/").get_data(as_text=True)
    match = _CSRF_RE.search(token_html)
    csrf = match.group(1) if match else ""
    tally = Tally()
    started = time.monotonic()

    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED_ENDPOINTS),
        # Routes that end things (removing the member, cancelling an event) go last, so that the
        # role and its objects are still there for the others.
        key=lambda r: (bool(ENDING.search(r.rule)), r.rule, sorted(r.methods)),
    )
    for rule in rules:
        for method in sorted(m for m in rule.methods if m in ("GET", "POST")):
            target = Target(
                rule=rule,
                method=method,
                seen=sorted(reach.urls.get(rule.endpoint, ())),
                names=sorted(reach.fields.get(rule.endpoint, ())) or field_pool,
            )
            examples = EXAMPLES if method == "POST" else max(1, EXAMPLES - 1)
            fuzz_one(client, csrf, target, tally, examples)
        if email and 'action="/auth/logout"' not in client.get("/").get_data(as_text=True):
            # An example signed this client out (a changed e-mail or password, a fresh session):
            # sign in again, past the sign-in rate limit the fuzzing of /auth/login used up.
            limiter.reset()
            try:
                login(client, email, DEMO_PASSWORD)
            except AssertionError:
                tally.signed_out_after.append(rule.rule)

    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, [r.getMessage() for r in tracebacks]
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz[{role}]: {len(tally.rules)} route-methods, {tally.requests} requests "
        f"({EXAMPLES} examples per POST, {max(1, EXAMPLES - 1)} per GET), {tally.refusals_checked} refusals "
        f"checked row by row ({tally.csrf_refused} of them CSRF), "
        f"statuses {dict(sorted(tally.statuses.items()))}, crawled "
        f"{sum(len(v) for v in reach.urls.values())} urls, {elapsed:.1f} s"
        + (f", signed out for good after {tally.signed_out_after[0]}" if tally.signed_out_after else "")
    )
