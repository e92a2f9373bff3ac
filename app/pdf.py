"""Printed documents: HTML (Jinja templates under templates/pdf/) rendered to PDF by WeasyPrint, in memory.

Every PDF embeds the vendored NanumSquare font (app/static/fonts, loaded by `@font-face` in
templates/pdf/_base_pdf.html): machines without Korean system fonts would otherwise print
names as empty boxes. Documents may load only files under app/static and data: URIs, so a
name typed by a user can never make the renderer read another file or fetch a URL.

Large documents can be rendered in chunks (page-aligned HTML documents) by a small pool of
processes and joined with pypdf (`render_pdf_chunks`): WeasyPrint is single-threaded, and a
single document of thousands of pages also grows past a few hundred MB.
"""

from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Relative URLs in PDF templates (url(fonts/NanumSquareR.ttf)) resolve against app/static/.
BASE_URL = STATIC_DIR.as_uri() + "/"

_local = threading.local()
_gc_lock = threading.Lock()
_gc_renders = 0
_gc_saved: tuple[int, ...] = gc.get_threshold()


@contextlib.contextmanager
def _relaxed_gc():
    """Fewer cyclic collections while a render runs.

    WeasyPrint allocates hundreds of thousands of small objects that live until the document
    is written; at the default generation-0 threshold (700) the collector scans them again and
    again, about a quarter of the render time. Raised during any render, restored after the last.
    """
    global _gc_renders, _gc_saved
    with _gc_lock:
        if _gc_renders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(50_000, 20, 100)
        _gc_renders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_renders -= 1
            if _gc_renders == 0:
                gc.set_threshold(*_gc_saved)


def _font_config():
    """One FontConfiguration per thread: it keeps the @font-face fonts it has loaded (so only
    the first render pays for reading the 700 KB font files), and Fontconfig objects are not
    safe to share between threads."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def _url_fetcher():
    fetcher = getattr(_local, "url_fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        class StaticOnlyFetcher(URLFetcher):
            """data: URIs and files under app/static only."""

            def fetch(self, url, headers=None):
                if url.startswith("file:"):
                    path = Path(url2pathname(urlsplit(url).path)).resolve()
                    if not path.is_relative_to(STATIC_DIR):
                        raise ValueError(f"not a static file: {url}")
                return super().fetch(url, headers)

        fetcher = _local.url_fetcher = StaticOnlyFetcher(allowed_protocols={"file", "data"})
    return fetcher


def render_pdf(html: str) -> bytes:
    """One HTML document as PDF bytes.

    No image cache is shared between renders on purpose: WeasyPrint keys it by URL, and
    documents carry unique data: URIs (QR codes), so a shared cache would only grow.
    """
    from weasyprint import HTML

    with _relaxed_gc():
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=_url_fetcher())
        data = document.write_pdf(font_config=_font_config())
    del document
    if len(html) > LARGE_DOCUMENT_CHARS:
        _release_memory()
    return data


# A document this large (a 2,000-person attendance report is about 1 MB of HTML) leaves hundreds
# of MB of freed layout objects in the process; hand them back before the next request.
LARGE_DOCUMENT_CHARS = 200_000


def _release_memory() -> None:
    """Collect WeasyPrint's cycles and return freed heap pages to the system (glibc only).

    Without this a web worker that rendered a large report keeps its peak size, and the next
    large render starts from there (measured: 317-333 MB kept, a second render peaking at 400 MB).
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused, just not returned
        pass


def join_pdfs(parts: list[bytes]) -> bytes:
    """PDF documents one after another, as one document (pages in order)."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def default_workers() -> int:
    """Processes for chunked rendering: one per core, at most 2 (the production host has 2)."""
    return max(1, min(2, os.cpu_count() or 1))


# A chunk: its HTML, or a picklable function that makes it (so that costly parts of the
# HTML, such as QR images, are made in the rendering process too).
Chunk = str | Callable[[], str]


def render_chunk(chunk: Chunk) -> bytes:
    return render_pdf(chunk() if callable(chunk) else chunk)


def _pool_context():
    """The "forkserver" start method, with WeasyPrint imported once in the server.

    Forking a web worker itself is unsafe (its threads, database connections and locks), and
    "spawn" makes every pool process import WeasyPrint again (~0.7 s of CPU each time). The
    fork server is a clean single-threaded process started on the first large render; it
    imports WeasyPrint once, and pool processes forked from it start at once.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", "app.pdf"])
    return context


def render_pdf_chunks(
    chunks: Iterable[Chunk], workers: int = 1, progress: Callable[[int], None] | None = None
) -> bytes:
    """Render page-aligned HTML documents and join them, in order, into one PDF.

    With ``workers > 1`` a pool of that many processes (see `_pool_context`) renders the
    chunks while this one goes on making the next; the children need only WeasyPrint and
    what a chunk function imports, not the app. (As with any spawn or forkserver pool, a
    script that gets here must guard its own code with ``if __name__ == "__main__"``.)

    ``progress``, when given, is called in this thread with the number of chunks rendered so
    far (in order) each time that number grows: a job's progress bar (app/jobs).
    """
    if workers <= 1:
        parts = []
        for chunk in chunks:
            parts.append(render_chunk(chunk))
            if progress is not None:
                progress(len(parts))
        return join_pdfs(parts)
    context = _pool_context()
    futures: list[Future] = []
    reported = 0

    def report_finished() -> None:
        nonlocal reported
        if progress is None:
            return
        done = reported
        while done < len(futures) and futures[done].done():
            done += 1
        if done > reported:
            reported = done
            progress(done)

    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk in chunks:
            futures.append(pool.submit(render_chunk, chunk))
            report_finished()
        parts = []
        for future in futures:
            parts.append(future.result())
            if len(parts) > reported:
                report_finished()
    return join_pdfs(parts)
