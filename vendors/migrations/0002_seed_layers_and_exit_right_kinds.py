from django.db import migrations

LAYERS = [
    ("compute", "Compute"),
    ("storage", "Storage"),
    ("networking", "Networking"),
    ("identity", "Identity"),
    ("orchestration", "Orchestration"),
    ("support", "Support"),
]

EXIT_RIGHT_KINDS = [
    ("termination-for-convenience", "Termination for convenience",
     "We can end the contract without cause, with notice, at a known and bounded cost."),
    ("data-portability", "Data and model-artifact portability",
     "Data, checkpoints and model artifacts leave in open formats, with egress terms and a timeline."),
    ("transition-assistance", "Transition assistance",
     "The vendor helps move workloads to a successor for a defined period and price."),
    ("ramp-down", "Ramp-down / scale-down rights",
     "Committed volume can be reduced on a schedule without penalty."),
    ("service-substitution", "Service substitution",
     "Committed spend can move to other services or accelerator generations."),
    ("capacity-transparency", "Capacity allocation transparency",
     "Utilisation, reservations, hardware refresh plans and lead times are reported to us."),
    ("support-escalation", "Support escalation",
     "Named escalation paths and response times for capacity and outage incidents."),
    ("service-change-notice", "Notice of service changes",
     "Advance notice before a service, region or accelerator type is changed or withdrawn."),
    ("price-change-protection", "Price-change protection",
     "Prices are fixed or capped for the term; increases need notice and allow exit."),
]


def seed(apps, schema_editor):
    Layer = apps.get_model("vendors", "Layer")
    for position, (code, name) in enumerate(LAYERS):
        Layer.objects.update_or_create(code=code, defaults={"name": name, "position": position})
    Kind = apps.get_model("vendors", "ExitRightKind")
    for position, (code, name, description) in enumerate(EXIT_RIGHT_KINDS):
        Kind.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
