"""Demo data for local trial (`make run`). Idempotent: a second run changes nothing.

Each app owns its own demo seeder; `seed()` runs them in dependency order.
"""

from django.contrib.auth.models import Group, User
from django.db import transaction

from . import audit, policies

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - local trial only; seed_demo refuses production

# username, first name, last name, role (None: staff admin)
DEMO_USERS = [
    ("priya", "Priya", "Raman", policies.PROCUREMENT),
    ("omar", "Omar", "Haddad", policies.PROCUREMENT),
    ("lena", "Lena", "Vogt", policies.LEGAL),
    ("felix", "Félix", "Moreau", policies.FINANCE),
    ("fiona", "Fiona", "Okafor", policies.FINANCE),
    ("sofia", "Sofia", "Lindqvist", policies.SECURITY),
    ("pavel", "Pavel", "Novák", policies.PLATFORM),
    ("audrey", "Audrey", "Kim", policies.AUDITOR),
    ("admin", "Ada", "Admin", None),
]


def seed_users() -> dict[str, User]:
    users = {}
    for username, first, last, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, email=f"{username}@example.test")
            user.is_staff = user.is_superuser = role is None
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role:
                user.groups.add(Group.objects.get(name=role))
            audit.record(
                actor=None,
                action="user.create",
                obj=user,
                object_label=username,
                after={"username": username, "role": role or "admin"},
            )
        users[username] = user
    return users


def seed() -> None:
    with transaction.atomic():
        seed_users()
    # Apps add their seeders below, in dependency order.
    from vendors import demo as vendors_demo

    demo_vendors = vendors_demo.seed()
    from resilience import demo as resilience_demo

    resilience_demo.seed(demo_vendors)
    from capacity import demo as capacity_demo

    capacity_demo.seed()
    from costs import demo as costs_demo

    # Rates, costs of delay and three offers for the training workload's tier.
    costs_demo.seed()
    from scorecards import demo as scorecards_demo

    scorecards_demo.seed(demo_vendors)
    from questionnaires import demo as questionnaires_demo

    # On top of every app it reads: vendors, and a draft evaluation to add evidence to.
    questionnaires_demo.seed()
    from scorecards import record_demo

    # After every seeder that decides evaluations: their decision records.
    record_demo.seed()
    from dora import demo as dora_demo

    # After the workloads, contracts and evaluations it registers.
    dora_demo.seed()


def logins() -> list[tuple[str, str, str]]:
    return [
        (
            username,
            DEMO_PASSWORD,
            policies.ROLE_LABELS.get(role, "Admin (staff)") if role else "Admin (staff)",
        )
        for username, _first, _last, role in DEMO_USERS
    ]
