"""The register of information as the ESAs' templates: one row list per template, with coded
values under the templates' column codes, and for every row the page where it is fixed.

Read in a fixed number of queries (the loss scenarios of every provider at once), whatever the
size of the register.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import product

from django.urls import reverse

from resilience.concentration import HostingGraph
from resilience.models import Dependency
from vendors.models import Contract, Vendor

from . import definitions
from .evidence import ALT_YES, ContractEvidence, contract_evidence
from .models import DerivedField, FinancialEntity, FunctionRecord, VendorRecord

NOT_APPLICABLE_COUNTRY = "eba_GA:qx2007"
OPEN_END = "9999-12-31"
NOT_BRANCH = "eba_ZZ:x839"
TRUE = "true"
# Contracts that are, or were during the year, arrangements in force.
REPORTED_STATUSES = [Contract.Status.ACTIVE, Contract.Status.EXPIRED, Contract.Status.TERMINATED]


def country(code: str) -> str:
    return f"eba_GA:{code}" if code else ""


def currency(code: str) -> str:
    return f"eba_CU:{code}" if code else ""


def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return str(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def hours(minutes: int | None) -> str:
    return "" if minutes is None else str(math.ceil(minutes / 60))


@dataclass
class Row:
    values: dict[str, str]
    link: str  # where the row's data is fixed
    label: str  # what the row is, in words
    links: dict[str, str] = field(default_factory=dict)  # a column fixed elsewhere than the row's page

    def link_for(self, column: str) -> str:
        return self.links.get(column, self.link)


@dataclass
class Register:
    ref_date: date
    reporting: FinancialEntity | None
    rows: dict[str, list[Row]]
    evidence: dict[int, ContractEvidence]
    contracts: list[Contract]
    entities: list[FinancialEntity]
    functions: list[FunctionRecord]
    providers: list[Vendor]
    base_currency: str = "EUR"
    # Things the register cannot say in a template row (a contract without its record, ...).
    gaps: list[tuple[str, str, str]] = field(default_factory=list)  # (message, link, label)

    def filing_indicators(self) -> dict[str, bool]:
        return {code: bool(self.rows[code]) for code in definitions.TEMPLATE_CODES}


def annual_expense(contract: Contract) -> tuple[Decimal, str]:
    record = contract.dora_record
    if record.annual_expense is not None:
        return record.annual_expense, "entered on the contract's register record"
    days = max((contract.end_date - contract.start_date).days, 1)
    years = Decimal(days) / Decimal("365")
    amount = (contract.committed_spend / max(years, Decimal(1))).quantize(Decimal("0.01"))
    return amount, f"committed spend {contract.committed_spend} {contract.currency} over {days} days"


def _contract_link(contract: Contract) -> str:
    return reverse("dora:contract-record", args=[contract.pk])


def _vendor_link(vendor: Vendor) -> str:
    return reverse("dora:vendor-record", args=[vendor.pk])


def _entity_link(entity: FinancialEntity | None) -> str:
    return reverse("dora:entity-edit", args=[entity.pk]) if entity else reverse("dora:entity-create")


def build(ref_date: date, *, reporting_date: date | None = None) -> Register:
    entities = list(FinancialEntity.objects.select_related("parent"))
    reporting = next((e for e in entities if e.maintains_register), None)
    contracts = list(
        Contract.objects.filter(status__in=REPORTED_STATUSES, start_date__lte=ref_date)
        .select_related("vendor", "dora_record__overarching", "dora_record__signing_entity")
        .prefetch_related("dora_record__entities")
        .order_by("reference", "pk")
    )
    gaps: list[tuple[str, str, str]] = []
    recorded = []
    for contract in contracts:
        if not hasattr(contract, "dora_record"):  # a missing one-to-one raises, hasattr says False
            gaps.append(
                (
                    "This contract has no register record: its ICT service, countries and users are unknown.",
                    _contract_link(contract),
                    f"contract {contract.reference}",
                )
            )
            continue
        recorded.append(contract)
    contracts = recorded
    graph = HostingGraph.load()
    vendor_records = {
        r.vendor_id: r for r in VendorRecord.objects.select_related("vendor", "ultimate_parent")
    }
    functions = list(FunctionRecord.objects.select_related("workload", "entity"))
    function_of_workload = {f.workload_id: f for f in functions}
    functions_by_vendor: dict[int, list[FunctionRecord]] = defaultdict(list)
    for workload_id, vendor_id in (
        Dependency.objects.filter(workload_id__in=list(function_of_workload))
        .values_list("workload_id", "vendor_id")
        .distinct()
    ):
        if function_of_workload[workload_id] not in functions_by_vendor[vendor_id]:
            functions_by_vendor[vendor_id].append(function_of_workload[workload_id])
    for fs in functions_by_vendor.values():
        fs.sort(key=lambda f: f.identifier)
    evidence = contract_evidence(contracts, functions_by_vendor, graph)
    base = reporting.currency if reporting else "EUR"

    vendors = {
        v.pk: v
        for v in Vendor.objects.filter(pk__in=set(graph.names)).select_related(
            "runs_on", "dora_record__ultimate_parent"
        )
    }

    def code(vendor_id: int) -> tuple[str, str]:
        record = vendor_records.get(vendor_id)
        return (record.code, record.code_type) if record else ("", "")

    rows: dict[str, list[Row]] = {c: [] for c in definitions.TEMPLATE_CODES}
    reporting_link = _entity_link(reporting)
    if reporting:
        rows["B_01.01"].append(
            Row(
                {
                    "c0010": reporting.code,
                    "c0020": reporting.name,
                    "c0030": country(reporting.country),
                    "c0040": reporting.entity_type,
                    "c0050": reporting.competent_authority,
                    "c0060": (reporting_date or date.today()).isoformat(),
                },
                reporting_link,
                reporting.name,
            )
        )
    for entity in entities:
        rows["B_01.02"].append(
            Row(
                {
                    "c0010": entity.code,
                    "c0020": entity.name,
                    "c0030": country(entity.country),
                    "c0040": entity.entity_type,
                    "c0050": entity.hierarchy,
                    "c0060": entity.parent.code if entity.parent else "",
                    "c0070": entity.updated_at.date().isoformat(),
                    "c0080": entity.created_at.date().isoformat(),
                    "c0090": OPEN_END,
                    "c0100": currency(entity.currency) if entity.total_assets is not None else "",
                    "c0110": money(entity.total_assets),
                },
                _entity_link(entity),
                entity.name,
            )
        )

    provider_ids: list[int] = []
    expenses: dict[int, Decimal] = defaultdict(Decimal)
    expense_currency: dict[int, set[str]] = defaultdict(set)
    for contract in contracts:
        record = contract.dora_record
        link = _contract_link(contract)
        label = f"contract {contract.reference}"
        vendor_code, vendor_type = code(contract.vendor_id)
        vendor_link = _vendor_link(contract.vendor)
        amount, _source = annual_expense(contract)
        expenses[contract.vendor_id] += amount
        expense_currency[contract.vendor_id].add(contract.currency)
        rows["B_02.01"].append(
            Row(
                {
                    "c0010": contract.reference,
                    "c0020": record.arrangement_type,
                    "c0030": record.overarching.reference if record.overarching else "",
                    "c0040": currency(contract.currency),
                    "c0050": money(amount),
                },
                link,
                label,
            )
        )
        users = sorted(record.entities.all(), key=lambda e: e.name)
        contract_functions = functions_by_vendor.get(contract.vendor_id, [])
        if not contract_functions:
            gaps.append(
                ("No function depends on this contract's vendor: B_02.02 has no row for it.", link, label)
            )
        storage = record.storage_countries if record.stores_data else []
        for function, stored, processed in product(
            contract_functions, storage or [""], record.processing_countries or [""]
        ):
            rows["B_02.02"].append(
                Row(
                    {
                        "c0010": contract.reference,
                        "c0020": function.entity.code,
                        "c0030": vendor_code,
                        "c0040": vendor_type,
                        "c0050": function.identifier,
                        "c0060": record.ict_service_type,
                        "c0070": contract.start_date.isoformat(),
                        "c0080": contract.end_date.isoformat() if contract.end_date else OPEN_END,
                        "c0090": record.termination_reason,
                        "c0100": str(contract.notice_period_days),
                        "c0110": ""
                        if record.provider_notice_days is None
                        else str(record.provider_notice_days),
                        "c0120": country(record.governing_law_country),
                        "c0130": country(record.provision_country) or NOT_APPLICABLE_COUNTRY,
                        "c0140": "eba_BT:x28" if record.stores_data else "eba_BT:x29",
                        "c0150": country(stored) or NOT_APPLICABLE_COUNTRY,
                        "c0160": country(processed) or NOT_APPLICABLE_COUNTRY,
                        "c0170": record.data_sensitiveness,
                        "c0180": record.reliance,
                    },
                    link,
                    f"{label}, function {function.identifier}",
                    links={
                        "c0030": vendor_link,
                        "c0040": vendor_link,
                        "c0020": _entity_link(function.entity),
                    },
                )
            )
        rows["B_03.01"].append(
            Row(
                {"c0010": contract.reference, "c0020": record.signing_entity.code, "c0030": TRUE},
                link,
                label,
            )
        )
        rows["B_03.02"].append(
            Row(
                {"c0010": contract.reference, "c0020": vendor_code, "c0030": vendor_type},
                link,
                label,
                links={"c0020": vendor_link, "c0030": vendor_link},
            )
        )
        if not users:
            gaps.append(("No entity is recorded as using this contract's services.", link, label))
        for entity in users:
            rows["B_04.01"].append(
                Row(
                    {"c0010": contract.reference, "c0020": entity.code, "c0030": NOT_BRANCH, "c0040": ""},
                    link,
                    f"{label}, {entity.name}",
                )
            )
        chain = graph.chain(contract.vendor_id)
        for rank, vendor_id in enumerate(chain, start=1):
            if vendor_id not in provider_ids:
                provider_ids.append(vendor_id)
            recipient = chain[rank - 2] if rank > 1 else None
            recipient_code, recipient_type = code(recipient) if recipient else ("", "")
            provider_code, provider_type = code(vendor_id)
            rows["B_05.02"].append(
                Row(
                    {
                        "c0010": contract.reference,
                        "c0020": record.ict_service_type,
                        "c0030": provider_code,
                        "c0040": provider_type,
                        "c0050": str(rank),
                        "c0060": recipient_code,
                        "c0070": recipient_type,
                    },
                    _vendor_link(vendors[vendor_id]),
                    f"{label}, rank {rank}: {graph.names[vendor_id]}",
                    links={"c0010": link, "c0020": link},
                )
            )
        found = evidence[contract.pk]
        rows["B_07.01"].append(
            Row(
                {
                    "c0010": contract.reference,
                    "c0020": vendor_code,
                    "c0030": vendor_type,
                    "c0040": record.ict_service_type,
                    "c0050": found.value(DerivedField.SUBSTITUTABILITY),
                    "c0060": found.value(DerivedField.SUBSTITUTABILITY_REASON),
                    "c0070": found.value(DerivedField.LAST_AUDIT),
                    "c0080": found.value(DerivedField.EXIT_PLAN),
                    "c0090": found.value(DerivedField.REINTEGRATION),
                    "c0100": record.discontinuing_impact,
                    "c0110": found.value(DerivedField.ALTERNATIVES),
                    "c0120": "; ".join(found.alternative_names)
                    if found.value(DerivedField.ALTERNATIVES) == ALT_YES
                    else "",
                },
                link,
                label,
                links={"c0020": vendor_link, "c0030": vendor_link},
            )
        )

    # Ultimate parents are providers of the register too (B_05.01 c0110 refers to B_05.01).
    for vendor_id in list(provider_ids):
        record = vendor_records.get(vendor_id)
        if record and record.ultimate_parent_id and record.ultimate_parent_id not in provider_ids:
            provider_ids.append(record.ultimate_parent_id)
            vendors.setdefault(record.ultimate_parent_id, record.ultimate_parent)
    providers = []
    for vendor_id in provider_ids:
        vendor = vendors[vendor_id]
        providers.append(vendor)
        record = vendor_records.get(vendor_id)
        link = _vendor_link(vendor)
        if record is None:
            gaps.append(
                (
                    "This provider has no register record: no LEI or EUID, country or parent.",
                    link,
                    vendor.name,
                )
            )
            continue
        parent = vendor_records.get(record.ultimate_parent_id) if record.ultimate_parent_id else record
        direct = vendor_id in expenses
        single_currency = len(expense_currency[vendor_id]) == 1
        rows["B_05.01"].append(
            Row(
                {
                    "c0010": record.code,
                    "c0020": record.code_type,
                    "c0030": record.euid if record.lei and record.euid else "",
                    "c0040": "eba_qCO:qx2002" if record.lei and record.euid else "",
                    "c0050": vendor.legal_entity or vendor.name,
                    "c0060": record.latin_name,
                    "c0070": record.person_type,
                    "c0080": country(record.country),
                    "c0090": currency(next(iter(expense_currency[vendor_id])))
                    if direct and single_currency
                    else "",
                    "c0100": money(expenses[vendor_id]) if direct and single_currency else "",
                    "c0110": parent.code if parent else "",
                    "c0120": parent.code_type if parent else "",
                },
                link,
                vendor.name,
            )
        )
        if direct and not single_currency:
            gaps.append(
                (
                    "Its contracts are in several currencies: the total annual expense is left blank.",
                    link,
                    vendor.name,
                )
            )

    for function in functions:
        workload = function.workload
        rows["B_06.01"].append(
            Row(
                {
                    "c0010": function.identifier,
                    "c0020": function.licensed_activity,
                    "c0030": workload.name,
                    "c0040": function.entity.code,
                    "c0050": function.critical,
                    "c0060": function.criticality_reasons,
                    "c0070": function.assessed_on.isoformat() if function.assessed_on else "",
                    "c0080": hours(workload.rto_minutes),
                    "c0090": hours(workload.rpo_minutes),
                    "c0100": function.discontinuing_impact,
                },
                reverse("dora:function-record", args=[workload.pk]),
                f"function {function.identifier} {workload.name}",
            )
        )
    return Register(
        ref_date=ref_date,
        reporting=reporting,
        rows=rows,
        evidence=evidence,
        contracts=contracts,
        entities=entities,
        functions=functions,
        providers=providers,
        base_currency=base,
        gaps=gaps,
    )
