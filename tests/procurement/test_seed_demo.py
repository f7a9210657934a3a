import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from procurement import demo, policies
from procurement.models import AuditEvent


def test_seed_demo_refuses_production_configuration(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_a_user_for_every_role_and_is_idempotent(db, settings):
    # One test seeds the full demo twice: it renders PDFs, so it is the slowest setup we have.
    # --force is what lets it run here with DEBUG off.
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    counts = (User.objects.count(), AuditEvent.objects.count())
    hashes = list(User.objects.order_by("pk").values_list("password", flat=True))
    call_command("seed_demo", "--force")
    assert (User.objects.count(), AuditEvent.objects.count()) == counts
    assert list(User.objects.order_by("pk").values_list("password", flat=True)) == hashes
    for role in policies.ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    assert User.objects.filter(is_staff=True, username=demo.DEMO_USERS[-1][0]).exists()


def test_logins_are_printed_for_each_role(capsys):
    call_command("seed_demo", "--logins")
    out = capsys.readouterr().out
    for username, password, _role in demo.logins():
        assert username in out and password in out
