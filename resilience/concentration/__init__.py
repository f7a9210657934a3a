"""Concentration risk: who supplies what share of each layer, how concentrated each layer is,
which workloads have a single point of failure, and what losing a vendor would strand.

Everything here is computed by grouped queries (the database does the sums and counts) or in one
pass over one query; nothing queries per cell, per vendor or per workload, so a portfolio of
thousands of dependencies costs the same handful of queries as a portfolio of ten.

Shares: compute is measured in accelerators (GPUs) across all capacity bands; every other layer in
the share of each workload's need (percent), so each workload weighs by how much it relies on
the vendor. The Herfindahl-Hirschman index of a layer is the sum of the squared vendor shares:
1 for a single vendor, 1/n for n vendors of equal size.
"""

from .evidence import VendorEvidence, WorkloadEvidence, vendor_evidence
from .hosting import HostingGraph, layer_table
from .index import HHI_SCALE, Rating, hhi, rate
from .loss import (
    VERDICT_BREAKS,
    VERDICT_LABELS,
    VERDICT_UNPROVEN,
    VERDICT_WITHIN,
    LossScenario,
    WorkloadLoss,
    loss_scenario,
    loss_scenarios,
    regions_of,
)
from .rehearsals import FAILOVER_SCENARIOS, LastRehearsal, latest_rehearsals, with_last_rehearsal
from .rules import Finding, FindingKind, finding_counts, findings
from .shares import BAND_ORDER, Cell, Column, Matrix, Row, matrix, unit_for
from .words import minutes_label, spoken_list

__all__ = [
    "BAND_ORDER",
    "FAILOVER_SCENARIOS",
    "HHI_SCALE",
    "VERDICT_BREAKS",
    "VERDICT_LABELS",
    "VERDICT_UNPROVEN",
    "VERDICT_WITHIN",
    "Cell",
    "Column",
    "Finding",
    "FindingKind",
    "HostingGraph",
    "LastRehearsal",
    "LossScenario",
    "Matrix",
    "Rating",
    "Row",
    "VendorEvidence",
    "WorkloadEvidence",
    "WorkloadLoss",
    "finding_counts",
    "findings",
    "hhi",
    "latest_rehearsals",
    "layer_table",
    "loss_scenario",
    "loss_scenarios",
    "matrix",
    "minutes_label",
    "rate",
    "regions_of",
    "spoken_list",
    "unit_for",
    "vendor_evidence",
    "with_last_rehearsal",
]
