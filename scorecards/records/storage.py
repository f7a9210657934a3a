"""A stored decision record: its number, what its PDF says it is, and how to find it.

- `pdf`: the bytes every download serves, `sha256` their hash. Verification of an uploaded file
  matches its SHA-256 against stored records: equal bytes, genuine record; anything else is not.
- `content`: the canonical JSON snapshot the PDF was rendered from (sorted keys, compact, UTC
  times, decimals as text), and `fingerprint` = SHA-256 of that text. A PDF cannot contain its
  own hash, so every page's footer and the PDF metadata carry the fingerprint of its content
  instead, with the record id: a modified copy still says which record it claims to be.
"""

import hashlib
import re

from ..models import DecisionRecord, DecisionRecordFailure

RECORD_KIND = "decision-record"
PREVIEW_KIND = "draft-preview"
# Names of the PDF metadata entries (WeasyPrint keeps only letters and digits, lower case).
META = {
    "kind": "computeregisterkind",
    "record": "computeregisterrecord",
    "evaluation": "computeregisterevaluation",
    "fingerprint": "computeregisterfingerprint",
}
NUMBER_PATTERN = re.compile(r"DR-\d{6,}")


def record_number(evaluation_id: int) -> str:
    # One record per evaluation, so the evaluation's id names it before the row exists (the
    # number is printed in the PDF, which is rendered before the row is written).
    return f"DR-{evaluation_id:06d}"


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def existing_record(evaluation_id: int) -> DecisionRecord | None:
    return DecisionRecord.objects.defer("pdf", "content").filter(evaluation_id=evaluation_id).first()


def latest_failure(evaluation_id: int) -> DecisionRecordFailure | None:
    return (
        DecisionRecordFailure.objects.filter(evaluation_id=evaluation_id)
        .order_by("-occurred_at", "-pk")
        .first()
    )
