"""Files a vendor attaches: PDF and common office documents, recognised by their content.

The declared type and the name are not trusted. A PDF starts with "%PDF-"; an Office Open XML
file (docx, xlsx, pptx) is a ZIP holding [Content_Types].xml and its word/, xl/ or ppt/ part; an
OpenDocument file (odt, ods, odp) is a ZIP whose "mimetype" entry names its type. Nothing is
extracted: only the ZIP's directory and that one small entry are read.
"""

import hashlib
import zipfile

from django.conf import settings
from django.template.defaultfilters import filesizeformat

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
ACCEPTED = "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx) or OpenDocument (.odt, .ods, .odp)"


class FileRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _zip_kind(upload) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype in ODF:
                    return mimetype, ODF[mimetype]
            if "[Content_Types].xml" in names:
                for prefix, kind in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError, EOFError):
        return None
    return None


def sniff(upload) -> tuple[str, str]:
    """(content type, extension) of an accepted file, or FileRefused saying why, in a sentence."""
    name = (upload.name or "file")[:80]
    if upload.size is None or upload.size == 0:
        raise FileRefused(f"“{name}” is empty.")
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise FileRefused(
            f"“{name}” is larger than the limit of {filesizeformat(settings.MAX_UPLOAD_BYTES)}."
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind = None
    if head.startswith(b"%PDF-"):
        kind = ("application/pdf", "pdf")
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(upload)
        upload.seek(0)
    if kind is None:
        raise FileRefused(f"“{name}” is not a file type we accept: attach a {ACCEPTED} file.")
    return kind


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
