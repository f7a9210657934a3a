"""Draft previews: a DRAFT-marked PDF of an evaluation not yet decided, cached and never stored."""

import logging
import threading

from django.conf import settings
from django.core.cache import cache

from procurement import audit

from ..models import Evaluation
from . import pdf
from .content import build_document, load_evaluation
from .issuing import RecordError

logger = logging.getLogger(__name__)


class RenderersBusy(RecordError):
    """Every preview renderer of this process is busy: ask the reader to come back shortly."""


PREVIEW_CACHE_SECONDS = 60 * 60
_preview_renderers: threading.BoundedSemaphore | None = None
_preview_renderers_lock = threading.Lock()


def preview_renderers() -> threading.BoundedSemaphore:
    global _preview_renderers
    with _preview_renderers_lock:
        if _preview_renderers is None:
            limit = max(1, settings.DECISION_RECORD_MAX_CONCURRENT_RENDERS)
            _preview_renderers = threading.BoundedSemaphore(limit)
        return _preview_renderers


def decision_record_preview(evaluation_id: int, *, page_size: str | None = None) -> bytes:
    """A DRAFT-marked PDF of an evaluation not yet decided; never stored as a record.

    Rendering takes a second or more, and any reader may ask: one preview is kept per content
    fingerprint and page size in Django's cache (a changed evaluation has another fingerprint, so
    a stale preview is never served), and at most DECISION_RECORD_MAX_CONCURRENT_RENDERS render at
    once per process; beyond that the reader is asked to retry (RenderersBusy) instead of tying up
    every worker.
    """
    evaluation = load_evaluation(evaluation_id)
    if evaluation.status in Evaluation.DECIDED_STATES or evaluation.status == Evaluation.Status.SUPERSEDED:
        raise RecordError("This evaluation is decided: download its decision record instead.")
    size = pdf.page_size(page_size)
    document = build_document(evaluation, draft=True, head=audit.head(), page_size=size)
    key = f"decision-record-preview:{evaluation_id}:{size}:{document.fingerprint}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    renderers = preview_renderers()
    if not renderers.acquire(timeout=0.5):
        raise RenderersBusy("Other previews are being rendered right now. Try again in a few seconds.")
    try:
        data = pdf.render(document.html).data
    except pdf.LibrariesMissing as error:
        raise RecordError(str(error)) from error
    except Exception as error:
        logger.exception("Rendering the draft preview of evaluation %s failed", evaluation_id)
        raise RecordError("The preview could not be rendered. The failure was logged; try again.") from error
    finally:
        renderers.release()
    cache.set(key, data, PREVIEW_CACHE_SECONDS)
    return data
