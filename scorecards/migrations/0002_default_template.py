"""The default scorecard template (version 1) with the five dimensions."""

from django.db import migrations

KEY = "standard"
NAME = "AI infrastructure vendor scorecard"
DESCRIPTION = (
    "The standard scorecard for renting accelerator capacity: five dimensions, weighted towards "
    "getting the capacity we need and being able to leave. Compliance is a hard gate."
)
# kind, name, weight, gate minimum, guiding questions
DIMENSIONS = [
    ("capacity", "Capacity availability", 25, 2, [
        "Can the vendor reserve the accelerator type and count we need, in the regions we need?",
        "What lead time do they commit to for new reservations, and for bursts above the reservation?",
        "How did they perform the last time demand spiked (references, our own history)?",
        "Is the capacity in the contract dedicated to us, or shared and pre-emptible?",
    ]),
    ("portability", "Portability", 20, None, [
        "Do our workloads run here from standard containers and infrastructure-as-code, unchanged?",
        "Are data, checkpoints and model artifacts stored in open formats we can export?",
        "What does it cost, and how long does it take, to move our largest dataset out?",
        "Which proprietary services would we have to replace to leave?",
    ]),
    ("resilience", "Resilience", 20, 2, [
        "What happens to our jobs when a node, a cluster or a whole region fails?",
        "Is failover tested, how often, and can we see the results?",
        "Which recovery point and recovery time objectives do they commit to?",
        "Does the vendor depend on another provider whose outage would also be ours?",
    ]),
    ("compliance", "Compliance", 20, 3, [
        "Where exactly is our data processed and stored, and under which jurisdiction?",
        "Who at the vendor (and its subcontractors) can reach our data or our models?",
        "Which certifications and audit reports do they hold, and are they current?",
        "Can they meet our obligations for regulated data and export-controlled models?",
    ]),
    ("commercial", "Commercial flexibility", 15, None, [
        "Can we ramp the commitment up and down, and on what notice, without penalty?",
        "Can committed spend move to other services or newer accelerator generations?",
        "Are prices protected for the term, and what happens if they change?",
        "What does an early exit cost us, all fees included?",
    ]),
]


def create_default_template(apps, schema_editor):
    Template = apps.get_model("scorecards", "ScorecardTemplate")
    Dimension = apps.get_model("scorecards", "Dimension")
    if Template.objects.filter(key=KEY).exists():
        return
    template = Template.objects.create(key=KEY, version=1, name=NAME, description=DESCRIPTION)
    for position, (kind, name, weight, gate, questions) in enumerate(DIMENSIONS):
        Dimension.objects.create(
            template=template,
            kind=kind,
            name=name,
            weight=weight,
            gate_minimum=gate,
            guiding_questions="\n".join(questions),
            position=position,
        )


class Migration(migrations.Migration):
    dependencies = [("scorecards", "0001_initial")]

    operations = [migrations.RunPython(create_default_template, migrations.RunPython.noop)]
