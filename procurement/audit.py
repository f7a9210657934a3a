"""The audit trail: one explicit function that every service calls inside its transaction.

    audit.record(actor=user, action="vendor.update", obj=vendor, before=old, after=new)

Appends are serialised (an advisory lock on PostgreSQL; IMMEDIATE transactions on SQLite)
so two writers never read the same chain head.

`verify_chain()` walks the whole chain in constant memory and recomputes every hash from the
stored canonical text; `head()` is the anchor to keep outside the table (checkpoint files,
decision records).
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .middleware import current_request_context
from .models import AuditEvent, AuditVerification

logger = logging.getLogger("procurement.audit")

# The columns an event's hash covers, in the order the canonical text lists them (sorted).
CHAINED_FIELDS = (
    "action",
    "actor_id",
    "actor_name",
    "changes",
    "client_ip",
    "object_id",
    "object_label",
    "object_type",
    "occurred_at",
    "prev_hash",
    "request_id",
    "sequence",
)


class ChainedFieldsMismatch(RuntimeError):
    """record() built an event whose fields are not exactly CHAINED_FIELDS (a programming error)."""


# Any fixed 64-bit number: the key of the advisory lock that serialises appends.
_CHAIN_LOCK_KEY = 7_402_118_313


def to_jsonable(value: Any) -> Any:
    """A JSON value with one stable spelling for each Python value we store."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # Floats never hold money here; keep their repr stable anyway.
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or ""
    return str(value)


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(to_jsonable(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hasher() -> Callable[[str], str]:
    key = settings.AUDIT_HMAC_KEY
    if key:
        key_bytes = key.encode()
        return lambda text: hmac.new(key_bytes, text.encode(), hashlib.sha256).hexdigest()
    return lambda text: hashlib.sha256(text.encode()).hexdigest()


def compute_hash(canonical: str) -> str:
    """SHA-256 of the canonical text, or HMAC-SHA256 under AUDIT_HMAC_KEY when one is set."""
    return _hasher()(canonical)


def _event_time() -> dt.datetime:
    # Milliseconds, not microseconds: Django's JSON serialiser (dumpdata) keeps only
    # milliseconds, and a restored event must still agree with the text that was hashed.
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _normalised_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


# Object types -----------------------------------------------------------------------------
# An event names its object by the model's label ("vendors.vendor"). A model that moves to
# another app keeps its past events (hashed, never rewritten) by listing its former labels in
# `audit_former_types`; history and filters then read both.


def object_types(label: str) -> list[str]:
    """The label, and the labels the same model's events were recorded under before it moved."""
    model = model_for_type(label)
    return [label, *getattr(model, "audit_former_types", ())] if model else [label]


def model_for_type(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        pass
    for model in apps.get_models():
        if object_type in getattr(model, "audit_former_types", ()):
            return model
    return None


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited values of `fields` of `obj`, JSON-ready (foreign keys as ids)."""
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = sorted((obj.pk and getattr(obj, name).values_list("pk", flat=True)) or [])
        elif field.is_relation:
            value = getattr(obj, field.attname)
        else:
            value = getattr(obj, name)
        result[name] = to_jsonable(value)
    return result


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list]:
    """{field: [before, after]} for every field whose value differs."""
    before = to_jsonable(before or {})
    after = to_jsonable(after or {})
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _lock_chain_head() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: the IMMEDIATE transaction mode already holds the database write lock.


def actor_display(actor) -> str:
    if actor is None:
        return ""
    if not getattr(actor, "is_authenticated", False):
        # Someone without an account, acting through a credential of their own (a vendor contact
        # on the questionnaire portal): named in the event, never linked to a user.
        return str(getattr(actor, "audit_label", ""))
    full_name = actor.get_full_name()
    return f"{full_name} ({actor.get_username()})" if full_name else actor.get_username()


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id not in ("", None) else obj.pk
        object_label = object_label or str(obj)
    if changes is None:
        changes = diff(before, after)
    context = current_request_context()
    with transaction.atomic():
        _lock_chain_head()
        head = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
        sequence = head.sequence + 1 if head else 1
        prev_hash = head.hash if head else AuditEvent.GENESIS_HASH
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        fields = {
            "sequence": sequence,
            "occurred_at": _event_time(),
            "actor_id": actor.pk if authenticated else None,
            "actor_name": actor_display(actor)[:300],
            "action": action,
            "object_type": object_type,
            "object_id": "" if object_id is None else str(object_id),
            "object_label": str(object_label)[:300],
            "changes": to_jsonable(changes),
            "request_id": context.request_id if context else "",
            "client_ip": _normalised_ip(context.client_ip) if context else None,
            "prev_hash": prev_hash,
        }
        if tuple(sorted(fields)) != CHAINED_FIELDS:
            # A real check, not an assert (python -O drops those): an event hashed over other
            # fields than verify_chain() reads would break the chain for good.
            raise ChainedFieldsMismatch(
                f"audit event fields {sorted(fields)} are not the chained fields {list(CHAINED_FIELDS)}"
            )
        canonical = canonical_json(fields)
        return AuditEvent.objects.create(**fields, canonical=canonical, hash=compute_hash(canonical))


# Verification ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A chain head kept outside the table: proof of how far the chain reached, and with what."""

    sequence: int
    hash: str

    def to_json(self) -> str:
        return json.dumps({"sequence": self.sequence, "hash": self.hash}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Checkpoint":
        try:
            data = json.loads(text)
            sequence, digest = data["sequence"], data["hash"]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError('a checkpoint is JSON like {"sequence": 42, "hash": "<64 hex>"}') from exc
        if (
            type(sequence) is not int
            or sequence < 0
            or not isinstance(digest, str)
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise ValueError("a checkpoint needs a non-negative integer sequence and a 64-hex-digit hash")
        return cls(sequence=sequence, hash=digest)


GENESIS = Checkpoint(sequence=0, hash=AuditEvent.GENESIS_HASH)


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    ok: bool
    event_count: int
    head: Checkpoint
    first_bad_sequence: int | None = None
    problem: str = ""
    checkpoint: Checkpoint | None = None
    duration_ms: int = 0

    def summary(self) -> str:
        if self.ok:
            return f"{self.event_count} events verified; head #{self.head.sequence} {self.head.hash}"
        return f"broken at sequence {self.first_bad_sequence}: {self.problem}"


def head() -> Checkpoint:
    """The newest event's sequence and hash (sequence 0 and the genesis hash when empty)."""
    row = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return Checkpoint(*row) if row else GENESIS


def _short(digest: str) -> str:
    return f"{digest[:12]}…"


def _same_ip(stored: str | None, hashed: Any) -> bool:
    if stored is None or hashed is None:
        return stored is None and hashed is None
    try:
        return ipaddress.ip_address(stored) == ipaddress.ip_address(hashed)
    except ValueError:
        return False


def _column_disagreement(columns: Mapping[str, Any], hashed: Mapping[str, Any]) -> str | None:
    """The first column whose stored value is not the value the canonical text records."""
    for name in CHAINED_FIELDS:
        stored, expected = columns[name], hashed[name]
        if name == "occurred_at":
            same = to_jsonable(stored) == expected
        elif name == "client_ip":
            same = _same_ip(stored, expected)
        elif name == "changes":
            # Compared as JSON text with sorted keys: jsonb may reorder keys, but 1, 1.0 and
            # true must stay different values.
            same = json.dumps(stored, sort_keys=True) == json.dumps(expected, sort_keys=True)
        else:
            same = type(stored) is type(expected) and stored == expected
        if not same:
            return name
    return None


def _columns_text(columns: Mapping[str, Any]) -> str:
    # The columns spelled the way record() spelled them. Only `occurred_at` needs converting;
    # `changes` is dumped as read, so 1, 1.0 and true stay different.
    return json.dumps(
        {**columns, "occurred_at": to_jsonable(columns["occurred_at"])},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _event_problem(
    columns: Mapping[str, Any], canonical: str, stored_hash: str, hasher: Callable[[str], str]
) -> str | None:
    if hasher(canonical) != stored_hash:
        return (
            "its stored hash does not match its canonical text (the text or the hash was edited, "
            "or AUDIT_HMAC_KEY differs from the key it was written with)"
        )
    if _columns_text(columns) == canonical:
        return None  # every column spelled exactly as it was hashed: the common, fast case
    try:
        hashed = json.loads(canonical)
    except ValueError:
        return "its canonical text is not valid JSON"
    if not isinstance(hashed, dict) or tuple(sorted(hashed)) != CHAINED_FIELDS:
        return "its canonical text does not list exactly the chained fields"
    if hashed["sequence"] != columns["sequence"]:
        return (
            f"it is stored as #{columns['sequence']} but was hashed as #{hashed['sequence']} "
            "(events renumbered or swapped)"
        )
    column = _column_disagreement(columns, hashed)
    if column:
        return f"its {column} column disagrees with the canonical text that was hashed (edited in place)"
    return None


def verify_chain(*, checkpoint: Checkpoint | None = None, chunk_size: int = 2000) -> VerificationResult:
    """Walk every event in sequence order and prove the chain whole.

    For each event: the sequence follows the previous one, the hash recomputed from the stored
    canonical text matches, every column agrees with that text, and the previous-hash link
    points at the event before. Stops at the first bad event. Rows are streamed
    (`iterator(chunk_size=...)`), so memory stays flat however long the chain.
    A checkpoint from outside the table also catches a deleted tail and a rewritten chain.
    """
    started = time.monotonic()
    hasher = _hasher()
    expected_sequence, previous_hash, count = 1, AuditEvent.GENESIS_HASH, 0
    last = GENESIS
    checkpoint_seen = checkpoint is None or checkpoint.sequence == 0

    def result(ok: bool, bad: int | None = None, problem: str = "") -> VerificationResult:
        return VerificationResult(
            ok=ok,
            event_count=count,
            head=last if ok else head(),
            first_bad_sequence=bad,
            problem=problem,
            checkpoint=checkpoint,
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    if checkpoint is not None and checkpoint.sequence == 0 and checkpoint.hash != AuditEvent.GENESIS_HASH:
        return result(False, 0, "the checkpoint at sequence 0 must carry the genesis hash")
    rows = (
        AuditEvent.objects.order_by("sequence")
        .values_list(*CHAINED_FIELDS, "canonical", "hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        columns = dict(zip(CHAINED_FIELDS, row, strict=False))
        canonical, stored_hash = row[-2], row[-1]
        sequence = columns["sequence"]
        if sequence != expected_sequence:
            if sequence > expected_sequence:
                missing = (
                    f"#{expected_sequence}"
                    if sequence == expected_sequence + 1
                    else f"#{expected_sequence}–#{sequence - 1}"
                )
                return result(
                    False,
                    expected_sequence,
                    f"event {missing} is missing: the chain jumps from #{expected_sequence - 1} "
                    f"to #{sequence} (deleted)",
                )
            return result(False, sequence, f"sequence #{sequence} is out of order")
        problem = _event_problem(columns, canonical, stored_hash, hasher)
        if problem is None and columns["prev_hash"] != previous_hash:
            problem = (
                f"its previous-hash link {_short(columns['prev_hash'])} is not the hash of "
                f"#{sequence - 1} ({_short(previous_hash)}): an event was inserted, replaced or moved"
            )
        if problem is None and checkpoint is not None and sequence == checkpoint.sequence:
            checkpoint_seen = True
            if stored_hash != checkpoint.hash:
                problem = (
                    f"its hash {_short(stored_hash)} differs from the checkpoint's "
                    f"{_short(checkpoint.hash)}: the chain was rewritten up to here"
                )
        if problem:
            return result(False, sequence, problem)
        count += 1
        expected_sequence, previous_hash = sequence + 1, stored_hash
        last = Checkpoint(sequence, stored_hash)
    if not checkpoint_seen:
        return result(
            False,
            last.sequence + 1,
            f"the chain ends at #{last.sequence} but the checkpoint anchors #{checkpoint.sequence}: "
            "the newest events were deleted",
        )
    return result(True)


def record_verification(
    result: VerificationResult, *, source: str, requested_by: str = ""
) -> AuditVerification:
    """Keep the outcome of a verification so the audit log page can show it.

    The outcome is logged too: with logs shipped off the machine, every verified head is
    anchored outside the database, and a broken chain raises an error an alert can watch for.
    """
    if result.ok:
        logger.info(
            "audit chain intact: %d events, head #%d %s",
            result.event_count,
            result.head.sequence,
            result.head.hash,
        )
    else:
        logger.error("audit chain broken at sequence %s: %s", result.first_bad_sequence, result.problem)
    return AuditVerification.objects.create(
        verified_at=timezone.now(),
        ok=result.ok,
        event_count=result.event_count,
        head_sequence=result.head.sequence,
        head_hash=result.head.hash,
        first_bad_sequence=result.first_bad_sequence,
        problem=result.problem,
        checkpoint_sequence=result.checkpoint.sequence if result.checkpoint else None,
        duration_ms=result.duration_ms,
        source=source,
        requested_by=requested_by[:300],
    )
