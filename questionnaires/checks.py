"""Answers that contradict the register, flagged for the reviewer (never refused: the vendor may
know better than the register, but someone must look).

- regions: a region named in the answer that is not among the vendor's processing regions;
- subprocessors: a provider named that is not in the vendor's recorded runs-on chain, or a
  runs-on host the register records that the answer leaves out;
- exit rights: a right claimed as present ("yes") that one of the vendor's open contracts
  marks missing (or has no clause for).
"""

import re

from vendors.models import Contract, ExitRightClause, Vendor

from .models import Answer, AnswerKind, RegisterCheck

_SPLIT = re.compile(r"[,;\n]+")
_NONE_WORDS = {"none", "n/a", "na", "no", "-", "nil"}
OPEN_CONTRACTS = [Contract.Status.DRAFT, Contract.Status.NEGOTIATING, Contract.Status.ACTIVE]


def _names(value) -> list[str]:
    items = value if isinstance(value, list) else _SPLIT.split(str(value or ""))
    return [item.strip() for item in items if item and item.strip()]


def runs_on_chain(vendor: Vendor) -> list[str]:
    chain, host, seen = [], vendor.runs_on, {vendor.pk}
    while host is not None and host.pk not in seen:
        chain.append(host.name)
        seen.add(host.pk)
        host = host.runs_on
    return chain


def _regions(answer: Answer, vendor: Vendor) -> list[str]:
    recorded = {r.strip().lower() for r in vendor.processing_regions or []}
    unknown = [n for n in _names(answer.value) if n.lower() not in recorded]
    listed = ", ".join(vendor.processing_regions or []) or "none"
    return [
        f"Region “{name}” is not among the vendor's recorded processing regions ({listed})."
        for name in unknown
    ]


def _subprocessors(answer: Answer, vendor: Vendor) -> list[str]:
    chain = runs_on_chain(vendor)
    recorded = {n.lower() for n in chain}
    named = [n for n in _names(answer.value) if n.lower() not in _NONE_WORDS]
    flags = [
        f"“{name}” is not recorded as a subprocessor or runs-on host of {vendor.name}."
        for name in named
        if name.lower() not in recorded
    ]
    answered = {n.lower() for n in named}
    flags += [
        f"The register records that {vendor.name} runs on {host}, which the answer does not name."
        for host in chain
        if host.lower() not in answered
    ]
    return flags


def _exit_right(answer: Answer, vendor: Vendor, clauses: dict) -> list[str]:
    code = answer.question.exit_right_code
    if answer.value is not True or not code:
        return []
    flags = []
    for contract in vendor.contracts.filter(status__in=OPEN_CONTRACTS).order_by("reference"):
        status = clauses.get((contract.pk, code))
        if status in (None, ExitRightClause.Status.MISSING):
            flags.append(
                f"Claimed as present, but contract {contract.reference} has this exit right marked missing."
            )
    return flags


def register_flags(vendor: Vendor, answers: list[Answer]) -> dict[int, list[str]]:
    """Contradictions per answer id, for the answers that have any."""
    clauses = {
        (contract_id, code): status
        for contract_id, code, status in ExitRightClause.objects.filter(contract__vendor=vendor).values_list(
            "contract_id", "kind__code", "status"
        )
    }
    flags: dict[int, list[str]] = {}
    for answer in answers:
        check = answer.question.register_check
        if not check or answer.value in (None, "", []):
            continue
        if check == RegisterCheck.REGIONS:
            found = _regions(answer, vendor)
        elif check == RegisterCheck.SUBPROCESSORS:
            found = _subprocessors(answer, vendor)
        elif check == RegisterCheck.EXIT_RIGHT and answer.question.kind == AnswerKind.YES_NO:
            found = _exit_right(answer, vendor, clauses)
        else:
            found = []
        if found:
            flags[answer.pk] = found
    return flags
