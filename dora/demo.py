"""Demo register of information: one financial entity (fictional) and the register records of the
demo vendors, contracts and workloads, enough for a package whose lint finds nothing blocking.

Written through the services with the demo admin as actor. Idempotent: what exists is left alone.
The LEIs are made up, with correct ISO 17442 check digits.
"""

import re
import unicodedata
from datetime import date

from django.contrib.auth.models import User

from resilience.models import Workload
from scorecards.models import Evaluation
from vendors.models import Contract, Vendor

from . import register, services
from .lei import lei_check_digits
from .models import ContractRecord, FinancialEntity, FunctionRecord, Override, VendorRecord

ENTITY = {
    "name": "Meridian Digital Bank AG",
    "country": "DE",
    "entity_type": "eba_CT:x12",
    "hierarchy": "eba_RP:x53",
    "competent_authority": "BaFin",
    "currency": "EUR",
    "total_assets": "4200000000.00",
    "maintains_register": True,
}
ENTITY_LEI_PREFIX = "529900MERIDIANBK01"

# vendor: (country, person type, EUID instead of an LEI, ultimate parent)
VENDORS = {
    "Nimbus Scale": ("US", None, None),
    "Stratoverse Cloud": ("IE", None, None),
    "Helix GPU Cloud": ("US", None, None),
    "Forgeline Tensor": ("US", None, None),
    "Boréal Colocation Québec": ("CA", None, None),
    "Nordlys Bare Metal": ("NO", None, None),
    "Železo Hosting": ("CZ", None, None),
    "Pilotwire Managed AI": ("GB", None, "Stratoverse Cloud"),
    "Kestrel MLOps": ("DE", "DEK1101R.HRB204417", None),
}

# contract: (service type, governing law, provision, storage, processing, sensitiveness, reliance, impact)
CONTRACTS = {
    "NS-2025-017": ("eba_TA:S17", "IE", "US", ["US"], ["US"], "eba_ZZ:x792", "eba_ZZ:x797", "eba_ZZ:x793"),
    "NS-2024-003": (
        "eba_TA:S17",
        "IE",
        "US",
        ["US", "DE"],
        ["US", "DE"],
        "eba_ZZ:x792",
        "eba_ZZ:x796",
        "eba_ZZ:x793",
    ),
    "SV-EU-2026-02": (
        "eba_TA:S17",
        "IE",
        "IE",
        ["IE", "SE"],
        ["IE"],
        "eba_ZZ:x793",
        "eba_ZZ:x796",
        "eba_ZZ:x793",
    ),
    "HX-0042": ("eba_TA:S08", "US", "US", ["US"], ["US"], "eba_ZZ:x792", "eba_ZZ:x795", "eba_ZZ:x792"),
    "FT-MSA-2026": ("eba_TA:S08", "US", "US", ["US"], ["US"], "eba_ZZ:x791", "eba_ZZ:x796", "eba_ZZ:x792"),
    "BCQ-CAGE-7": ("eba_TA:S07", "CA", "CA", ["CA"], ["CA"], "eba_ZZ:x791", "eba_ZZ:x795", "eba_ZZ:x791"),
    "NBM-2025-11": ("eba_TA:S08", "NO", "NO", ["NO"], ["NO"], "eba_ZZ:x791", "eba_ZZ:x795", "eba_ZZ:x792"),
    "ZH-2023-05": ("eba_TA:S08", "CZ", "CZ", ["CZ"], ["CZ"], "eba_ZZ:x791", "eba_ZZ:x794", "eba_ZZ:x791"),
    "PW-OPS-2026": (
        "eba_TA:S18",
        "GB",
        "GB",
        ["IE"],
        ["IE", "GB"],
        "eba_ZZ:x792",
        "eba_ZZ:x796",
        "eba_ZZ:x792",
    ),
    "KM-2022-01": ("eba_TA:S14", "DE", "DE", ["DE"], ["DE"], "eba_ZZ:x791", "eba_ZZ:x794", "eba_ZZ:x791"),
}
TERMINATION = {"KM-2022-01": "eba_CO:x4"}

# workload: (identifier, licensed activity, critical, reasons, impact of discontinuing)
FUNCTIONS = {
    "Customer chat inference": (
        "F1",
        "eba_TA:x162",
        "eba_BT:x28",
        "Customer service for deposit accounts.",
        "eba_ZZ:x793",
    ),
    "EU claims triage (regulated)": (
        "F2",
        "eba_TA:x163",
        "eba_BT:x28",
        "Processes personal data of borrowers.",
        "eba_ZZ:x793",
    ),
    "Fraud scoring API": (
        "F3",
        "eba_TA:x28",
        "eba_BT:x28",
        "Every card payment waits for it.",
        "eba_ZZ:x793",
    ),
    "Nightly analytics batch": ("F4", "eba_TA:x163", "eba_BT:x29", "", "eba_ZZ:x791"),
    "Search ranking embeddings": ("F5", "eba_TA:x162", "eba_BT:x29", "", "eba_ZZ:x791"),
    "Document OCR pipeline": ("F6", "eba_TA:x163", "eba_BT:x29", "", "eba_ZZ:x792"),
    "Reserve training cluster": ("F7", "eba_TA:x168", "eba_BT:x29", "", "eba_ZZ:x791"),
    "Voice assistant inference": ("F8", "eba_TA:x162", "eba_BT:x28", "Telephone banking.", "eba_ZZ:x792"),
}
ASSESSED_ON = date(2026, 9, 30)
# Audits that no evaluation records: entered by hand, with the reason, as a person would.
AUDITS = {
    "BCQ-CAGE-7": ("2026-05-14", "On-site audit of the Montréal cage (report AUD-2026-07)."),
    "NBM-2025-11": ("2026-06-02", "Pooled audit with two other banks (report AUD-2026-09)."),
    "ZH-2023-05": ("2025-11-20", "Exit review audit before the migration (report AUD-2025-31)."),
    "KM-2022-01": ("2024-10-01", "Last audit before the contract expired (report AUD-2024-12)."),
    "PW-OPS-2026": ("2026-10-15", "Onboarding audit (report AUD-2026-14)."),
    "HX-0042": ("2026-04-22", "Remote audit of Helix's controls (report AUD-2026-05)."),
    "FT-MSA-2026": ("2026-09-09", "Pre-contract audit (report AUD-2026-11)."),
    "NS-2025-017": ("2026-03-03", "SOC 2 type II report reviewed (AUD-2026-02)."),
    "NS-2024-003": ("2026-03-03", "SOC 2 type II report reviewed (AUD-2026-02)."),
    "SV-EU-2026-02": ("2026-08-01", "Pooled audit (report AUD-2026-10)."),
}


def demo_lei(prefix: str) -> str:
    return prefix + lei_check_digits(prefix)


def vendor_lei(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    prefix = ("984500" + re.sub(r"[^A-Z0-9]", "", ascii_name) + "0" * 12)[:18]
    return demo_lei(prefix)


def seed() -> None:
    admin = User.objects.get(username="admin")
    entity = FinancialEntity.objects.filter(lei=demo_lei(ENTITY_LEI_PREFIX)).first()
    if entity is None:
        entity = services.entity_create(actor=admin, lei=demo_lei(ENTITY_LEI_PREFIX), **ENTITY)
    vendors = {v.name: v for v in Vendor.objects.filter(name__in=VENDORS)}
    for name, (country, euid, parent) in VENDORS.items():
        vendor = vendors.get(name)
        if vendor is None or VendorRecord.objects.filter(vendor=vendor).exists():
            continue
        services.vendor_record_save(
            actor=admin,
            vendor=vendor,
            lei="" if euid else vendor_lei(name),
            euid=euid or "",
            country=country,
            person_type="eba_CT:x212",
            ultimate_parent=vendors.get(parent) if parent else None,
        )
    for contract in Contract.objects.filter(reference__in=CONTRACTS, status__in=register.REPORTED_STATUSES):
        if not ContractRecord.objects.filter(contract=contract).exists():
            service, law, provision, storage, processing, sensitive, reliance, impact = CONTRACTS[
                contract.reference
            ]
            services.contract_record_save(
                actor=admin,
                contract=contract,
                entities=[entity],
                signing_entity=entity,
                ict_service_type=service,
                governing_law_country=law,
                provision_country=provision,
                stores_data=True,
                storage_countries=storage,
                processing_countries=processing,
                data_sensitiveness=sensitive,
                reliance=reliance,
                provider_notice_days=contract.notice_period_days,
                termination_reason=TERMINATION.get(contract.reference, ""),
                discontinuing_impact=impact,
            )
        audit = AUDITS.get(contract.reference)
        evaluated = Evaluation.objects.filter(
            vendor=contract.vendor, status__in=Evaluation.DECIDED_STATES, decided_at__isnull=False
        ).exists()
        if (
            audit
            and not evaluated
            and not Override.objects.filter(contract=contract, field="last_audit").exists()
        ):
            services.override_record(
                actor=admin, contract=contract, field="last_audit", value=audit[0], reason=audit[1]
            )
    for workload in Workload.objects.filter(name__in=FUNCTIONS):
        if FunctionRecord.objects.filter(workload=workload).exists():
            continue
        identifier, activity, critical, reasons, impact = FUNCTIONS[workload.name]
        if FunctionRecord.objects.filter(identifier=identifier).exists():
            continue
        services.function_record_save(
            actor=admin,
            workload=workload,
            identifier=identifier,
            entity=entity,
            licensed_activity=activity,
            critical=critical,
            criticality_reasons=reasons,
            assessed_on=ASSESSED_ON,
            discontinuing_impact=impact,
        )
