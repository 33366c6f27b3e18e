"""The printable annual report: the report's own HTML, laid out for A4 by WeasyPrint.

WeasyPrint is pure Python over Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0), which it
loads when a PDF is first made; it fetches nothing (the HTML carries its styles and charts).
"""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF needs Pango

    return HTML(string=html, base_url=None, url_fetcher=_no_fetching).write_pdf()


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"the report fetches nothing ({url[:80]})")
