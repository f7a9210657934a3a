"""The audit trail: one explicit function that every service calls inside its transaction.

    audit.record(actor=user, action="vendor.update", obj=vendor, before=old, after=new)

Appends are serialised (an advisory lock on PostgreSQL; IMMEDIATE transactions on SQLite)
so two writers never read the same chain head.
"""

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .middleware import current_request_context
from .models import AuditEvent

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


def compute_hash(canonical: str) -> str:
    key = settings.AUDIT_HMAC_KEY
    if key:
        return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
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
        object_id = object_id or obj.pk
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
            "occurred_at": timezone.now(),
            "actor_id": actor.pk if authenticated else None,
            "actor_name": actor_display(actor),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id or ""),
            "object_label": str(object_label)[:300],
            "changes": to_jsonable(changes),
            "request_id": context.request_id if context else "",
            "client_ip": context.client_ip if context else None,
            "prev_hash": prev_hash,
        }
        canonical = canonical_json(fields)
        return AuditEvent.objects.create(**fields, canonical=canonical, hash=compute_hash(canonical))
