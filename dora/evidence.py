"""The register fields filled from evidence the product already holds, each with its source.

Exit plan from the exit-rights register; date of last audit from the vendor's latest decided
evaluation; substitutability, alternatives and reintegration from concentration (who else holds
capacity in the same layer and region, and what share of the dependent workloads a loss of the
provider strands); RTO/RPO from the last failover rehearsal of the functions that depend on it.
A person's override (with its reason) replaces the derived value and says so.
"""

from dataclasses import dataclass, field
from datetime import date

from resilience import concentration
from resilience.concentration import HostingGraph, loss_scenarios
from scorecards.models import Evaluation
from scorecards.selectors import exit_right_findings
from vendors.models import Contract

from . import definitions
from .models import DerivedField, FunctionRecord, Override

# The exit rights that make an exit plan: a way out, help on the way out, and the data taken along.
EXIT_PLAN_KINDS = ("termination-for-convenience", "transition-assistance", "data-portability")
YES, NO = "eba_BT:x28", "eba_BT:x29"
# b_07.01.0110 takes the Yes/No codes (the taxonomy's allowed values; an earlier transcription
# had eba_ZZ:x23/x24/x12, which overrides recorded then may still hold).
ALT_YES, ALT_NO = YES, NO
LEGACY_CODES = {"eba_ZZ:x23": "eba_BT:x28", "eba_ZZ:x24": "eba_BT:x29", "eba_ZZ:x12": "eba_BT:x21"}
NOT_SUBSTITUTABLE, HIGHLY_COMPLEX, MEDIUM, EASY = "eba_ZZ:x959", "eba_ZZ:x960", "eba_ZZ:x961", "eba_ZZ:x962"
NO_ALTERNATIVES, HARD_MIGRATION, BOTH_REASONS = "eba_ZZ:x963", "eba_ZZ:x964", "eba_ZZ:x965"
REINTEGRATE_EASY, REINTEGRATE_DIFFICULT, REINTEGRATE_COMPLEX = "eba_ZZ:x798", "eba_ZZ:x966", "eba_ZZ:x967"
RTO_MET, RTO_MISSED, RTO_UNPROVEN = "yes", "no", "unproven"

# What each derived field's value is taken from, for the override form and its checks.
FIELD_LISTS = {
    DerivedField.EXIT_PLAN: "LISTBINARY",
    DerivedField.REINTEGRATION: "LIST0701090",
    DerivedField.SUBSTITUTABILITY: "LIST0701050",
    DerivedField.SUBSTITUTABILITY_REASON: "LIST0701060",
    DerivedField.ALTERNATIVES: "LIST0701110",
}
RTO_LABELS = {RTO_MET: "Yes", RTO_MISSED: "No", RTO_UNPROVEN: "Not rehearsed"}


def value_label(field_name: str, value: str) -> str:
    if not value:
        return ""
    if field_name in FIELD_LISTS:
        return definitions.label(FIELD_LISTS[field_name], value)
    if field_name == DerivedField.RTO_RPO_MET:
        return RTO_LABELS.get(value, value)
    return value


@dataclass
class Derived:
    field: str
    value: str
    source: str
    override: Override | None = None
    derived_value: str = ""

    @property
    def label(self) -> str:
        return value_label(self.field, self.value)

    @property
    def field_label(self) -> str:
        return DerivedField(self.field).label

    @property
    def derived_label(self) -> str:
        return value_label(self.field, self.derived_value)


@dataclass
class ContractEvidence:
    contract: Contract
    fields: dict[str, Derived] = field(default_factory=dict)
    alternative_names: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        return self.fields[name].value

    def __iter__(self):
        return iter(self.fields.values())


def latest_overrides(contract_ids) -> dict[tuple[int, str], Override]:
    latest: dict[tuple[int, str], Override] = {}
    for override in Override.objects.filter(contract_id__in=list(contract_ids)).select_related("by"):
        latest.setdefault((override.contract_id, override.field), override)  # newest first
    return latest


def _exit_plan(findings) -> Derived:
    by_code = {f.kind.code: f for f in findings}
    relevant = [by_code[code] for code in EXIT_PLAN_KINDS if code in by_code]
    if not relevant:
        return Derived(
            DerivedField.EXIT_PLAN, NO, "Exit-rights register: none of its exit-plan kinds is active."
        )
    missing = [f.kind.name.lower() for f in relevant if f.is_missing]
    held = ", ".join(
        f"{f.kind.name.lower()} {f.clause.reference or ''} ({f.status_label.lower()})".replace("  ", " ")
        for f in relevant
        if not f.is_missing
    )
    if missing:
        return Derived(
            DerivedField.EXIT_PLAN,
            NO,
            f"Exit-rights register: {concentration.spoken_list(missing)} missing"
            + (f"; held: {held}." if held else "."),
        )
    return Derived(DerivedField.EXIT_PLAN, YES, f"Exit-rights register: {held}.")


def _last_audit(evaluation: Evaluation | None) -> Derived:
    if evaluation is None:
        return Derived(DerivedField.LAST_AUDIT, "", "No decided evaluation of this vendor yet.")
    day = evaluation.decided_at.date()
    return Derived(
        DerivedField.LAST_AUDIT,
        day.isoformat(),
        f"Evaluation “{evaluation.title}” {evaluation.get_status_display().lower()} on {day:%d %b %Y}.",
    )


def _concentration(contract: Contract, portable: bool, scenarios: dict) -> tuple[list[Derived], list[str]]:
    vendor = contract.vendor
    scenario = scenarios[vendor.pk]
    vendor_regions = scenario.regions
    affected = scenario.workloads
    stranded = scenario.stranded_count
    regions = {r.lower() for r in vendor_regions}
    names: set[str] = set()
    for loss in affected:
        lost_layers = {q.label for q in loss.layers if q.lost_units}
        for alternative in loss.alternatives:
            same_region = not regions or not alternative.region or alternative.region.lower() in regions
            if alternative.layer in lost_layers and same_region:
                names.add(alternative.vendor)
    alternatives = sorted(names, key=str.lower)
    total = len(affected)
    share = stranded / total if total else 0.0
    where = f"Loss scenario of {vendor.name}: {stranded} of {total} dependent workloads stranded"
    alt_words = (
        f"alternatives in the same layer and region: {concentration.spoken_list(alternatives)}"
        if alternatives
        else "no other vendor holds capacity in the same layer and region"
    )
    source = f"{where}; {alt_words}."
    if not total:
        substitutability, reason = EASY, ""
        source = f"Loss scenario of {vendor.name}: no workload depends on it."
    elif share >= 0.5 and not alternatives:
        substitutability, reason = NOT_SUBSTITUTABLE, NO_ALTERNATIVES
    elif share >= 0.5:
        substitutability, reason = HIGHLY_COMPLEX, HARD_MIGRATION
    elif stranded:
        substitutability, reason = MEDIUM, ""
    else:
        substitutability, reason = (EASY, "") if alternatives else (HIGHLY_COMPLEX, NO_ALTERNATIVES)
    if reason == NO_ALTERNATIVES and not portable:
        reason = BOTH_REASONS
    if share == 0 and portable:
        reintegration = REINTEGRATE_EASY
    elif portable or share < 0.5:
        reintegration = REINTEGRATE_DIFFICULT
    else:
        reintegration = REINTEGRATE_COMPLEX
    portability = "data portability held" if portable else "no data-portability right"
    return [
        Derived(DerivedField.SUBSTITUTABILITY, substitutability, source),
        Derived(DerivedField.SUBSTITUTABILITY_REASON, reason, source),
        Derived(DerivedField.ALTERNATIVES, ALT_YES if alternatives else ALT_NO, source),
        Derived(DerivedField.REINTEGRATION, reintegration, f"{source[:-1]}; {portability}."),
    ], alternatives


def _rto_rpo(functions: list[FunctionRecord], last: dict) -> Derived:
    if not functions:
        return Derived(DerivedField.RTO_RPO_MET, RTO_UNPROVEN, "No function depends on this vendor.")
    parts, verdicts = [], []
    for function in functions:
        rehearsal = last.get(function.workload_id)
        if rehearsal is None:
            verdicts.append(RTO_UNPROVEN)
            parts.append(f"{function.identifier}: never rehearsed")
            continue
        met = rehearsal.met_rto and rehearsal.met_rpo
        verdicts.append(RTO_MET if met else RTO_MISSED)
        parts.append(
            f"{function.identifier}: {rehearsal.scenario} on {rehearsal.performed_on:%d %b %Y} "
            f"{'met' if met else 'missed'} its targets"
        )
    value = RTO_MISSED if RTO_MISSED in verdicts else (RTO_UNPROVEN if RTO_UNPROVEN in verdicts else RTO_MET)
    return Derived(DerivedField.RTO_RPO_MET, value, "Last rehearsals: " + "; ".join(parts) + ".")


def contract_evidence(
    contracts: list[Contract],
    functions_by_vendor: dict[int, list[FunctionRecord]],
    graph: HostingGraph | None = None,
) -> dict[int, ContractEvidence]:
    """Every derived field of each contract, with overrides applied, in a fixed number of queries."""
    ids = [c.pk for c in contracts]
    findings = exit_right_findings(ids)
    evaluations: dict[int, Evaluation] = {}
    for evaluation in (
        Evaluation.objects.filter(
            vendor_id__in={c.vendor_id for c in contracts}, status__in=Evaluation.DECIDED_STATES
        )
        .exclude(decided_at=None)
        .order_by("-decided_at")
        .only("vendor_id", "title", "status", "decided_at")
    ):
        evaluations.setdefault(evaluation.vendor_id, evaluation)
    workload_ids = [f.workload_id for fs in functions_by_vendor.values() for f in fs]
    last = concentration.latest_rehearsals(workload_ids, concentration.FAILOVER_SCENARIOS)
    overrides = latest_overrides(ids)
    # One loss scenario per provider, whatever its contracts, all read at once.
    vendors = {c.vendor_id: c.vendor for c in contracts}
    scenarios = loss_scenarios(list(vendors.values()), graph or HostingGraph.load())
    result = {}
    for contract in contracts:
        contract_findings = findings.get(contract.pk, [])
        portable = any(f.kind.code == "data-portability" and not f.is_missing for f in contract_findings)
        derived, alternatives = _concentration(contract, portable, scenarios)
        fields = [
            _exit_plan(contract_findings),
            _last_audit(evaluations.get(contract.vendor_id)),
            *derived,
            _rto_rpo(functions_by_vendor.get(contract.vendor_id, []), last),
        ]
        evidence = ContractEvidence(contract, alternative_names=alternatives)
        for item in fields:
            item.derived_value = item.value
            override = overrides.get((contract.pk, item.field))
            if override is not None and override.value:
                item.override = override
                item.value = LEGACY_CODES.get(override.value, override.value)
            evidence.fields[item.field] = item
        result[contract.pk] = evidence
    return result


def override_value_is_valid(field_name: str, value: str) -> bool:
    if not value:
        return True
    if field_name in FIELD_LISTS:
        return value in definitions.codelists()[FIELD_LISTS[field_name]]
    if field_name == DerivedField.LAST_AUDIT:
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return value in RTO_LABELS
