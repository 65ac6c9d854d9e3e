"""The only way the PDF renderer may read anything: the project's own static files, nothing else.

WeasyPrint fetches every stylesheet, image, attachment and SVG reference through its `url_fetcher`
(WeasyPrint ≥ 70 also routes stylesheets and redirects through it). `StaticOnlyURLFetcher` answers only URLs
of the form ``portal-static:<path under STATIC_URL>`` — which the report templates write — by reading the file
from disk through `django.contrib.staticfiles.finders`. Everything else (``file:``, ``http(s):`` to any
host including loopback, ``data:``, ``ftp:``, relative references without a base) is refused without any
I/O, so text a user wrote can never make the renderer read a local file or call a server.
"""

import logging
import posixpath
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("reports.rendering")

SCHEME = "portal-static"
PREFIX = f"{SCHEME}:"
# What a report may embed: its stylesheet and images. Anything else is refused even if it is a static file.
ALLOWED_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class RefusedURLError(ValueError):
    """A URL the renderer may not fetch; WeasyPrint logs it and renders without the resource."""


def static_url(path: str) -> str:
    """The URL a report template uses for a static file (e.g. ``reports/print.css``)."""
    return f"{PREFIX}{path.lstrip('/')}"


def _static_path(url: str) -> str:
    """The static-relative path of a ``portal-static:`` URL, or RefusedURLError for anything suspicious."""
    raw = unquote(url[len(PREFIX) :].split("?", 1)[0].split("#", 1)[0]).lstrip("/")
    if not raw or "\\" in raw or "\x00" in raw or ":" in raw:
        raise RefusedURLError(f"refused static path: {url!r}")
    parts = raw.split("/")
    if any(part in ("", ".", "..") for part in parts) or posixpath.normpath(raw) != raw:
        raise RefusedURLError(f"refused static path: {url!r}")
    if Path(raw).suffix.lower() not in ALLOWED_TYPES:
        raise RefusedURLError(f"refused file type: {url!r}")
    return raw


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the project's static files and refuses every other URL."""

    def __init__(self) -> None:
        # No protocol is allowed for the inherited urllib machinery, and no redirects are followed; `fetch`
        # below never calls it anyway.
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not isinstance(url, str) or not url.startswith(PREFIX):
            self._refuse(url, "scheme")
        try:
            relative = _static_path(url)
        except RefusedURLError:
            self._refuse(url, "path")
        found = finders.find(relative)
        if not found:
            self._refuse(url, "not a static file")
        path = Path(found)
        if not path.is_file():
            self._refuse(url, "not a file")
        content_type = ALLOWED_TYPES[path.suffix.lower()]
        self.served.append(url)
        headers = {"Content-Type": f"{content_type}; charset=utf-8" if content_type == "text/css" else content_type}
        return URLFetcherResponse(url, body=path.read_bytes(), headers=headers)

    def open(self, url, data=None, timeout=None):  # urllib entry point: same policy
        return self.fetch(url if isinstance(url, str) else getattr(url, "full_url", ""))

    def _refuse(self, url, reason: str):
        shown = str(url)[:200]
        self.refused.append(shown)
        logger.warning("PDF renderer refused to fetch %s (%s)", shown, reason)
        raise RefusedURLError(f"refused: {shown} ({reason})")


__all__ = ["PREFIX", "SCHEME", "RefusedURLError", "StaticOnlyURLFetcher", "static_url"]
