"""The shared PDF renderer (app/pdf.py): vendored Korean font only, static files only, chunks joined in order."""

from __future__ import annotations

import gc

import pytest
from flask import render_template_string

from app import pdf
from tests.helpers import base_fonts, pdf_pages, pdf_text

DOCUMENT = """{% extends "pdf/_base_pdf.html" %}{% block title %}참가확인서{% endblock %}
{% block body %}<h1>참가확인서</h1><p>{{ who }} · (주)누리미디어 · 2026년 12월 3일 (목)</p>{% endblock %}"""


def test_base_template_embeds_only_nanum_square(app):
    with app.test_request_context():
        html = render_template_string(DOCUMENT, who="홍길동")
    data = pdf.render_pdf(html)
    assert "홍길동" in pdf_text(data) and "참가확인서" in pdf_text(data)
    assert base_fonts(data) == {"NanumSquare", "NanumSquare-Bold"}
    width, height = (float(v) * 25.4 / 72 for v in pdf_pages(data)[0].mediabox[2:])
    assert (round(width), round(height)) == (210, 297)


def test_only_static_files_and_data_uris_may_be_loaded():
    fetcher = pdf._url_fetcher()
    response = fetcher(pdf.BASE_URL + "fonts/NanumSquareR.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"
    response.close()
    for url in ("file:///etc/hostname", pdf.BASE_URL + "../../config.py", "http://127.0.0.1:9/x.png"):
        with pytest.raises(ValueError):
            fetcher(url)


def test_an_image_outside_static_is_not_embedded():
    leaked = pdf.render_pdf('<img src="file:///etc/hostname"><p>x</p>')
    assert not pdf_pages(leaked)[0]["/Resources"].get("/XObject")
    allowed = pdf.render_pdf(
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklE'
        'QVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="><p>x</p>'
    )
    assert pdf_pages(allowed)[0]["/Resources"].get("/XObject")


def test_chunks_are_joined_in_order_and_may_be_functions(app):
    with app.test_request_context():
        pages = [render_template_string(DOCUMENT, who=f"사람{i}") for i in range(3)]
    data = pdf.render_pdf_chunks([pages[0], lambda: pages[1], pages[2]], workers=1)
    texts = [p.extract_text() for p in pdf_pages(data)]
    assert [next(f"사람{i}" for i in range(3) if f"사람{i}" in t) for t in texts] == ["사람0", "사람1", "사람2"]


def test_collector_settings_are_restored_after_rendering():
    before = gc.get_threshold()
    pdf.render_pdf("<p>x</p>")
    assert gc.get_threshold() == before
