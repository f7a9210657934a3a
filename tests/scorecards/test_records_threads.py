"""Decision records issued in a thread of their own after the deciding transaction commits.

Transactional (the thread sees only committed rows). In a file after the browser test: pytest-django
runs transactional tests in file order, and its live server must start before a flush of this kind.
"""

import threading

import pytest

from scorecards import records
from scorecards.models import DecisionRecord
from scorecards.records import pdf
from tests.scorecards.test_records import decide, scored_evaluation

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_in_the_background_the_decision_returns_before_the_record_is_rendered(settings, monkeypatch):
    settings.DECISION_RECORD_IN_BACKGROUND = True
    evaluation = scored_evaluation()
    rendering = threading.Event()
    release = threading.Event()
    real_render = pdf.render

    def slow_render(html, **kwargs):
        rendering.set()
        assert release.wait(60)
        return real_render(html, **kwargs)

    monkeypatch.setattr(pdf, "render", slow_render)
    decide(evaluation)  # commits: the record is issued by another thread
    assert rendering.wait(60)
    assert not DecisionRecord.objects.filter(evaluation=evaluation).exists()  # the decision did not wait
    release.set()
    records.wait_for_background(timeout=120)
    record = DecisionRecord.objects.get(evaluation=evaluation)
    assert records.decision_record_verify(bytes(record.pdf)).ok
