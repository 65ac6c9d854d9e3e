"""HTML → PDF with WeasyPrint: one font configuration, the static-only fetcher, and where each anchor landed.

Fonts come from the system (Debian's fonts-noto-cjk) through the stylesheet's `font-family`; WeasyPrint embeds
them as subsets (fast when libharfbuzz-subset is installed). No `@font-face` URL is ever fetched.
"""

import logging
from dataclasses import dataclass, field

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from .fetcher import StaticOnlyURLFetcher

logger = logging.getLogger("reports.rendering")


@dataclass
class RenderedPdf:
    """A rendered PDF, its page count and the 0-based page index of every anchor (element id) in it."""

    pdf: bytes
    page_count: int
    anchors: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def render_pdf(html: str, *, fetcher: StaticOnlyURLFetcher | None = None) -> RenderedPdf:
    """Render `html` (a complete document) to PDF bytes.

    There is deliberately no base URL: a relative reference has nothing to resolve against, and every
    absolute one goes through `StaticOnlyURLFetcher`.
    """
    fetcher = fetcher or StaticOnlyURLFetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(font_config=FontConfiguration())
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    pdf = document.write_pdf()
    if fetcher.refused:
        logger.warning("PDF rendered without %d refused resource(s)", len(fetcher.refused))
    return RenderedPdf(pdf=pdf, page_count=len(document.pages), anchors=anchors, refused=list(fetcher.refused))
