"""The one place that calls WeasyPrint: an HTML string in, PDF bytes out.

Rendering never touches the network. The URL fetcher serves our own static files (the print
stylesheet) from disk and refuses every other URL, whatever its scheme: a vendor name or a
rationale cannot make the server fetch anything. Fonts come from the system through fontconfig
(Debian's fonts-dejavu-core, fonts-noto-core and fonts-noto-cjk cover Latin, Arabic and Japanese);
the font configuration and the image cache are built once per process and reused.
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# The address every relative URL of a PDF's HTML resolves against. `.invalid` is reserved
# (RFC 2606): nothing can ever answer there, and the fetcher below never asks anyway.
BASE_URL = "https://decision-record.invalid/"
PAGE_SIZES = {"a4": "A4", "letter": "Letter"}

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_shared: dict = {}


class RenderError(Exception):
    """WeasyPrint could not produce the PDF."""


class LibrariesMissing(RenderError):
    """WeasyPrint cannot load its system libraries (Pango, HarfBuzz): nothing can be rendered."""


MISSING_LIBRARIES = (
    "PDFs cannot be rendered on this server: WeasyPrint could not load its system libraries ({error}). "
    "Install them (on Debian or Ubuntu: `.ci/system-packages run` as root, or "
    "`sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`), then retry."
)


def _weasyprint():
    """WeasyPrint's module, imported on first use so the site runs (and says why) without Pango."""
    try:
        import weasyprint
    except OSError as error:  # cffi's "cannot load library 'libpango-1.0-0'"
        raise LibrariesMissing(MISSING_LIBRARIES.format(error=error)) from error
    return weasyprint


def page_size(value: str | None = None) -> str:
    """ "a4" or "letter" from a query parameter, else the DECISION_RECORD_PAGE_SIZE setting."""
    for candidate in (value, getattr(settings, "DECISION_RECORD_PAGE_SIZE", "a4")):
        key = (candidate or "").strip().lower()
        if key in PAGE_SIZES:
            return key
    return "a4"


def static_path(url: str):
    """The file on disk behind one of our static URLs, or None for anything else."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    relative = PurePosixPath(path[len(prefix) :])
    if relative.is_absolute() or any(part in ("", ".", "..") for part in relative.parts):
        return None
    found = finders.find(str(relative))
    if found is None and settings.STATIC_ROOT:
        candidate = settings.STATIC_ROOT / str(relative)
        found = str(candidate) if candidate.is_file() else None
    return found


def _fetcher_class():
    _weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves files under STATIC_URL from disk; refuses everything else."""

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=[], allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = static_path(url)
            if path is None:
                self.refused.append(url)
                logger.warning("PDF rendering refused to fetch %s: only our static files are served", url)
                raise ValueError(f"refused: {url} is not one of our static files")
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = "text/css" if path.endswith(".css") else ""
            headers = {"Content-Type": f"{content_type}; charset=utf-8"} if content_type else {}
            return URLFetcherResponse(url, body, headers)

    return StaticOnlyFetcher


def url_fetcher():
    """A fresh fetcher (it keeps the list of URLs it refused, for tests and logs)."""
    with _lock:
        if "fetcher_class" not in _shared:
            _shared["fetcher_class"] = _fetcher_class()
    return _shared["fetcher_class"]()


def _font_config():
    with _lock:
        if "fonts" not in _shared:
            _weasyprint()
            from weasyprint.text.fonts import FontConfiguration

            _shared["fonts"] = FontConfiguration()
            _shared["image_cache"] = {}
        return _shared["fonts"], _shared["image_cache"]


@dataclass(frozen=True)
class Rendered:
    data: bytes
    page_count: int


def render(html: str, *, fetcher=None) -> Rendered:
    """Render `html` (a complete document) to PDF; RenderError when WeasyPrint fails
    (LibrariesMissing, with what to install, when it cannot even load).

    Custom <meta name=... content=...> elements go into the PDF's document information, so a
    file can say which record it claims to be even after its bytes were changed.
    """
    HTML = _weasyprint().HTML
    font_config, image_cache = _font_config()
    try:
        options = {"cache": image_cache, "custom_metadata": True}
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or url_fetcher()).render(
            font_config=font_config, **options
        )
        return Rendered(document.write_pdf(**options), len(document.pages))
    except Exception as error:
        raise RenderError(f"{type(error).__name__}: {error}") from error


def html_to_pdf(html: str, *, fetcher=None) -> bytes:
    return render(html, fetcher=fetcher).data
