"""The default sign-off routing: who must sign an evaluation, from its facts."""

from django.db import migrations

# name, role, signers, sensitivities, tiers, threshold, currency
POLICIES = [
    ("Legal reviews every evaluation", "legal", 1, [], [], None, ""),
    ("Finance reviews every evaluation", "finance", 1, [], [], None, ""),
    ("Security reviews regulated data", "security", 1, ["regulated"], [], None, ""),
    (
        "Platform reviews training and inference workloads",
        "platform",
        1,
        [],
        ["experimental_training", "hot_inference"],
        None,
        "",
    ),
    ("A second finance signer from 5 million USD", "finance", 2, [], [], "5000000.00", "USD"),
    ("A second finance signer from 5 million EUR", "finance", 2, [], [], "5000000.00", "EUR"),
]


def create_policies(apps, schema_editor):
    Policy = apps.get_model("scorecards", "SignoffPolicy")
    if Policy.objects.exists():
        return
    for name, role, signers, sensitivities, tiers, threshold, currency in POLICIES:
        Policy.objects.create(
            name=name,
            role=role,
            signers=signers,
            data_sensitivities=sensitivities,
            tiers=tiers,
            min_commitment=threshold,
            commitment_currency=currency,
        )


class Migration(migrations.Migration):
    dependencies = [("scorecards", "0004_signoff")]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
