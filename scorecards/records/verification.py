"""Verifying a file presented as a decision record: genuine, modified, a draft, or not one of ours."""

import io
import logging
from dataclasses import dataclass, field

from ..models import DecisionRecord
from .storage import META, NUMBER_PATTERN, PREVIEW_KIND, sha256_hex

logger = logging.getLogger(__name__)


@dataclass
class Verification:
    """What can be said about a file presented as a decision record."""

    verdict: str  # genuine | modified | draft | unknown | unreadable | damaged
    sha256: str
    size: int
    record: DecisionRecord | None = None  # the record the file is, or claims to be
    claims: dict = field(default_factory=dict)
    fingerprint_matches: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == "genuine"

    @property
    def headline(self) -> str:
        number = self.record.number if self.record else self.claims.get("record", "")
        return {
            "genuine": f"Genuine: this is decision record {number}, exactly as issued.",
            "modified": f"Not genuine: this file claims to be decision record {number}, "
            "but it is not the file that was issued.",
            "damaged": f"The stored copy of decision record {number} no longer matches its own hash.",
            "draft": "Not a decision record: this is a draft preview, marked DRAFT on every page.",
            "unknown": "Not a decision record of this system.",
            "unreadable": "Not a readable PDF file.",
        }[self.verdict]


def _claims(data: bytes) -> tuple[dict, bool]:
    """The record id, kind, evaluation and fingerprint the file says it carries (metadata, text)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    claims: dict = {}
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        info = reader.metadata or {}
        for key, name in META.items():
            value = info.get(f"/{name}")
            if value:
                claims[key] = str(value)
        if "record" not in claims:
            for page in reader.pages[:2]:
                match = NUMBER_PATTERN.search(page.extract_text() or "")
                if match:
                    claims["record"] = match.group(0)
                    break
        return claims, True
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        logger.info("A file presented for verification is not a readable PDF: %s", error)
        match = NUMBER_PATTERN.search(data.decode("latin-1"))
        if match:
            claims["record"] = match.group(0)
        return claims, False


def decision_record_verify(data: bytes) -> Verification:
    """Is `data` a genuine decision record of this system, and of which evaluation?"""
    digest = sha256_hex(data)
    result = Verification(verdict="unknown", sha256=digest, size=len(data))
    record = DecisionRecord.objects.select_related("evaluation__vendor").filter(sha256=digest).first()
    if record is not None:
        result.record = record
        result.claims = {"record": record.number, "fingerprint": record.fingerprint}
        if sha256_hex(bytes(record.pdf)) != record.sha256 or sha256_hex(record.content) != record.fingerprint:
            result.verdict = "damaged"
            result.notes.append(
                "The database copy was altered after it was issued: restore it from a backup."
            )
        else:
            result.verdict = "genuine"
            result.fingerprint_matches = True
        return result
    claims, readable = _claims(data)
    result.claims = claims
    if not data.startswith(b"%PDF-") or not readable:
        result.verdict = "unreadable"
        return result
    if claims.get("kind") == PREVIEW_KIND:
        result.verdict = "draft"
    claimed = None
    if claims.get("record"):
        claimed = (
            DecisionRecord.objects.defer("pdf")
            .select_related("evaluation__vendor")
            .filter(number=claims["record"])
            .first()
        )
    if claimed is not None:
        result.record = claimed
        if result.verdict != "draft":
            result.verdict = "modified"
        if claims.get("fingerprint"):
            result.fingerprint_matches = claims["fingerprint"] == claimed.fingerprint
            result.notes.append(
                "Its fingerprint matches the record's content, so the text may be the same but the file "
                "was changed or re-saved after it was issued."
                if result.fingerprint_matches
                else "Its fingerprint differs from the record's: the content it was made from is different."
            )
        result.notes.append(f"Download the genuine record {claimed.number} from the system and compare.")
    elif claims.get("record") and result.verdict != "draft":
        result.notes.append(f"No record {claims['record']} has been issued by this system.")
    return result
