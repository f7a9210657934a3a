"""The WeasyPrint helper: static files only, system fonts for non-Latin names, paper sizes."""

import io
import subprocess

import pytest
from pypdf import PdfReader

from scorecards.records import pdf


def page_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace normalised (pages keep their \f)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return "\f".join(" ".join(page.split()) for page in text.decode().split("\f"))


def document(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>T</title>'
        f'<link rel="stylesheet" href="/static/css/print.css">{head}</head><body>{body}</body></html>'
    )


def test_the_fetcher_serves_our_static_files():
    fetcher = pdf.url_fetcher()
    response = fetcher.fetch(pdf.BASE_URL + "static/css/print.css")
    assert b"@page" in response.read()
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/static/css/print.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "data:text/css,body{color:red}",
        "ftp://decision-record.invalid/static/css/print.css",
        pdf.BASE_URL + "static/../procurement/settings.py",
        pdf.BASE_URL + "static/%2e%2e/procurement/settings.py",
        pdf.BASE_URL + "media/evidence/1/secret.pdf",
        pdf.BASE_URL + "static/css/does-not-exist.css",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    fetcher = pdf.url_fetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_rendering_never_fetches_a_remote_resource():
    fetcher = pdf.url_fetcher()
    html = document(
        '<img src="https://example.com/pixel.png" alt="">',
        head='<link rel="stylesheet" href="https://example.com/x.css">',
    )
    data = pdf.html_to_pdf(html, fetcher=fetcher)
    assert data.startswith(b"%PDF-")
    assert sorted(fetcher.refused) == ["https://example.com/pixel.png", "https://example.com/x.css"]


def test_non_latin_names_render_with_installed_fonts():
    names = ["雲海コンピュート株式会社", "شركة الحوسبة السحابية", "Železo Hosting s.r.o.", "Société Générale"]
    data = pdf.html_to_pdf(document("".join(f"<p>{name}</p>" for name in names)))
    text = page_text(data)
    for name in ["雲海コンピュート株式会社", "Železo Hosting s.r.o.", "Société Générale"]:
        assert name in text
    # Arabic comes out of pdftotext in visual order; its letters must be there, not boxes.
    assert all(word in text or word[::-1] in text for word in ["الحوسبة", "السحابية"])
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "Noto-Sans-CJK" in fonts or "NotoSansCJK" in fonts
    assert "DejaVu" in fonts


@pytest.mark.parametrize(("size", "points"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_the_page_size_follows_the_root_class(size, points):
    data = pdf.html_to_pdf(document("<p>Paper</p>").replace('lang="en"', f'lang="en" class="page-{size}"'))
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == points


def test_page_size_comes_from_the_query_then_the_setting(settings):
    settings.DECISION_RECORD_PAGE_SIZE = "letter"
    assert pdf.page_size(None) == "letter"
    assert pdf.page_size("A4") == "a4"
    assert pdf.page_size("tabloid") == "letter"
    settings.DECISION_RECORD_PAGE_SIZE = "nonsense"
    assert pdf.page_size(None) == "a4"


def test_custom_metadata_reaches_the_pdf():
    data = pdf.html_to_pdf(
        document("<p>x</p>", head='<meta name="computeregisterrecord" content="DR-000001">')
    )
    assert PdfReader(io.BytesIO(data)).metadata["/computeregisterrecord"] == "DR-000001"


def test_a_weasyprint_failure_becomes_a_render_error(monkeypatch):
    import weasyprint

    def explode(self, *args, **kwargs):
        raise MemoryError("out of memory while laying out")

    monkeypatch.setattr(weasyprint.HTML, "render", explode)
    with pytest.raises(pdf.RenderError, match="MemoryError"):
        pdf.html_to_pdf(document("<p>x</p>"))
