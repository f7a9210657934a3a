"""The default AI-infrastructure questionnaire (version 1): what procurement asks every vendor."""

from django.db import migrations

KEY = "ai-infrastructure"
NAME = "AI infrastructure due diligence"
DESCRIPTION = (
    "Capacity and lead times, demand visibility, hardware refresh, regions and data locations, "
    "subprocessors and the runs-on chain, certifications, incidents, recovery objectives, exit "
    "assistance and export formats, termination and scale-down terms."
)

# code, text, kind, options: help, choices, unit, dimension, required, register_check, exit_right_code
SECTIONS = [
    (
        "Capacity and lead times",
        [
            (
                "1.1",
                "How many accelerators can you reserve for us in the next 12 months?",
                "number",
                {
                    "unit": "GPUs",
                    "dimension": "capacity",
                    "required": True,
                    "help": "Dedicated to us, of the accelerator type named in our request.",
                },
            ),
            (
                "1.2",
                "Lead time for a new reservation",
                "number",
                {"unit": "days", "dimension": "capacity", "required": True},
            ),
            (
                "1.3",
                "Lead time for burst capacity above the reservation",
                "number",
                {"unit": "days", "dimension": "capacity"},
            ),
            (
                "1.4",
                "Do you share regional utilisation with customers (demand visibility)?",
                "yes_no",
                {"dimension": "capacity"},
            ),
            (
                "1.5",
                "How often is utilisation reported?",
                "one_of",
                {"choices": ["Weekly", "Monthly", "Quarterly", "Not reported"], "dimension": "capacity"},
            ),
            ("1.6", "Hardware refresh plans for the next two years", "text", {"dimension": "capacity"}),
            ("1.7", "Date of the next planned hardware refresh", "date", {"dimension": "capacity"}),
        ],
    ),
    (
        "Regions and data locations",
        [
            (
                "2.1",
                "Regions where our data would be processed or stored",
                "text",
                {
                    "dimension": "compliance",
                    "required": True,
                    "register_check": "regions",
                    "help": "Region names or codes, separated by commas (e.g. eu-west, eu-north).",
                },
            ),
            (
                "2.2",
                "Can data leave these regions (support, backups, telemetry)?",
                "yes_no",
                {"dimension": "compliance"},
            ),
        ],
    ),
    (
        "Subprocessors and the runs-on chain",
        [
            (
                "3.1",
                "Subprocessors with access to our data or workloads",
                "text",
                {
                    "dimension": "resilience",
                    "register_check": "subprocessors",
                    "help": "Company names, separated by commas; write “none” if there are none.",
                },
            ),
            (
                "3.2",
                "Which provider's infrastructure does your service run on (if not your own)?",
                "text",
                {"dimension": "resilience", "register_check": "subprocessors"},
            ),
        ],
    ),
    (
        "Certifications",
        [
            (
                "4.1",
                "Certifications and audit reports you hold",
                "several_of",
                {
                    "choices": [
                        "ISO/IEC 27001",
                        "SOC 2 Type II",
                        "ISO/IEC 27701",
                        "CSA STAR",
                        "BSI C5",
                        "None",
                    ],
                    "dimension": "compliance",
                    "required": True,
                },
            ),
            ("4.2", "Earliest expiry date among them", "date", {"dimension": "compliance"}),
            ("4.3", "Certificates and the latest audit report", "file", {"dimension": "compliance"}),
        ],
    ),
    (
        "Incidents and recovery",
        [
            (
                "5.1",
                "Incidents affecting customers' capacity in the last 24 months",
                "number",
                {"unit": "incidents", "dimension": "resilience", "required": True},
            ),
            ("5.2", "The most serious of them, and what changed since", "text", {"dimension": "resilience"}),
            (
                "5.3",
                "Recovery point objective (RPO) offered",
                "number",
                {"unit": "minutes", "dimension": "resilience", "required": True},
            ),
            (
                "5.4",
                "Recovery time objective (RTO) offered",
                "number",
                {"unit": "minutes", "dimension": "resilience", "required": True},
            ),
            (
                "5.5",
                "How often is failover tested?",
                "one_of",
                {
                    "choices": ["Quarterly or more often", "Yearly", "Less than yearly", "Never"],
                    "dimension": "resilience",
                },
            ),
        ],
    ),
    (
        "Exit assistance and data export",
        [
            (
                "6.1",
                "Do your contracts grant transition assistance to a successor?",
                "yes_no",
                {
                    "dimension": "portability",
                    "register_check": "exit_right",
                    "exit_right": "transition-assistance",
                },
            ),
            (
                "6.2",
                "Do your contracts grant data and model-artifact portability?",
                "yes_no",
                {
                    "dimension": "portability",
                    "register_check": "exit_right",
                    "exit_right": "data-portability",
                },
            ),
            (
                "6.3",
                "Export formats for data, checkpoints and model artifacts",
                "several_of",
                {
                    "choices": [
                        "Parquet",
                        "CSV",
                        "JSON",
                        "safetensors",
                        "ONNX",
                        "Object storage copy",
                        "Proprietary only",
                    ],
                    "dimension": "portability",
                },
            ),
            ("6.4", "Exit plan or data export documentation", "file", {"dimension": "portability"}),
        ],
    ),
    (
        "Termination and scale-down",
        [
            (
                "7.1",
                "Do your contracts allow termination for convenience?",
                "yes_no",
                {
                    "dimension": "commercial",
                    "register_check": "exit_right",
                    "exit_right": "termination-for-convenience",
                },
            ),
            (
                "7.2",
                "Can committed volume be scaled down without penalty?",
                "yes_no",
                {"dimension": "commercial", "register_check": "exit_right", "exit_right": "ramp-down"},
            ),
            ("7.3", "Notice needed to scale down", "number", {"unit": "days", "dimension": "commercial"}),
            (
                "7.4",
                "Other termination or scale-down terms we should know",
                "text",
                {"dimension": "commercial"},
            ),
        ],
    ),
]


def seed(apps, schema_editor):
    Template = apps.get_model("questionnaires", "QuestionnaireTemplate")
    Section = apps.get_model("questionnaires", "TemplateSection")
    Question = apps.get_model("questionnaires", "TemplateQuestion")
    if Template.objects.filter(key=KEY).exists():
        return
    template = Template.objects.create(key=KEY, version=1, name=NAME, description=DESCRIPTION)
    for position, (title, questions) in enumerate(SECTIONS):
        section = Section.objects.create(template=template, title=title, position=position)
        for q_position, (code, text, kind, options) in enumerate(questions):
            Question.objects.create(
                section=section,
                code=code,
                text=text,
                kind=kind,
                help_text=options.get("help", ""),
                choices=options.get("choices", []),
                unit=options.get("unit", ""),
                dimension=options.get("dimension", ""),
                required=options.get("required", False),
                register_check=options.get("register_check", ""),
                exit_right_code=options.get("exit_right", ""),
                position=q_position,
            )


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]

    # Reversing leaves the template in place (seed is idempotent, and reversing 0001 drops the
    # tables): deleting through historical models cascades across apps' states and fails when a
    # whole project is migrated backwards (tests/resilience/test_move.py does).
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
