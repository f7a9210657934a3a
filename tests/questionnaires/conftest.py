import pytest
from django.core import mail

from .factories import send, token_of


@pytest.fixture
def questionnaire(procurement_user):
    return send(procurement_user)


@pytest.fixture
def recipient(questionnaire):
    return questionnaire.recipients.get()


@pytest.fixture
def token(procurement_user, recipient):
    return token_of(procurement_user, recipient)


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox = []
