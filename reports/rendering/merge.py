"""Joining separately rendered parts of a district report into one PDF with continuous page numbers.

The parts are rendered in parallel (one Celery task per 学区), so none of them knows on which page it will
start. They are rendered without page numbers; after merging, a page-number layer — itself rendered by
WeasyPrint from `@page` counters, so it looks exactly like the single-document reports — is stamped onto
every page but the cover.
"""

import io
from collections.abc import Iterable

from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter

from .fetcher import static_url
from .pdf import render_pdf


def page_number_layer(*, total: int, title: str) -> PdfReader:
    """`total` transparent A4 pages carrying only the running footer with 第 N 页 / 共 M 页."""
    html = render_to_string(
        "reports/pdf/page_numbers.html",
        {"pages": range(total), "title": title, "stylesheet": static_url("reports/print.css")},
    )
    return PdfReader(io.BytesIO(render_pdf(html).pdf))


def merge_pdfs(parts: Iterable[bytes], *, title: str, number_pages: bool = True) -> tuple[bytes, int]:
    """Concatenate PDFs (bytes, in order) and stamp page numbers; returns the PDF and its page count."""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)), import_outline=True)
    total = len(writer.pages)
    if number_pages and total:
        layer = page_number_layer(total=total, title=title)
        for index, page in enumerate(writer.pages):
            if index == 0:
                continue  # the cover carries no number, as in the single-document reports
            page.merge_page(layer.pages[index], over=True)
    writer.add_metadata({"/Title": title, "/Creator": "海淀区中小学校领导体制治理台账"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), total
