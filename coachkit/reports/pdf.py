"""The one path from HTML to PDF bytes, with a fetcher that only serves the app's own static files."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher
from weasyprint.urls import URLFetcherResponse

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()
# Print templates name their assets with this scheme: "coachkit-static:fonts/DejaVuSans.ttf".
SCHEME = "coachkit-static:"


class RefusedURL(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    """Serve ``coachkit-static:`` URLs from the static folder and refuse everything else.

    ``file:``, ``http(s):``, ``data:`` and any other scheme are refused, and so is
    a path that leads out of the static folder.
    """

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not url.startswith(SCHEME):
            raise RefusedURL(f"refused to fetch a {url.split(':', 1)[0]}: URL")
        relative = url[len(SCHEME) :].split("?", 1)[0].lstrip("/")
        path = (STATIC_DIR / relative).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise RefusedURL(f"no static file {relative!r}")
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": mime or "application/octet-stream"}
        )


def render_pdf(html: str) -> bytes:
    """Turn a print template's HTML into PDF bytes (A4 and fonts come from the print CSS)."""
    return HTML(string=html, base_url=SCHEME, url_fetcher=StaticOnlyFetcher()).write_pdf()
