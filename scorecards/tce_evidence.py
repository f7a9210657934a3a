"""A TCE comparison as commercial evidence: the figures of the evaluated vendor's offers, read from
the comparison's frozen snapshot (costs, snapshot version 1) and nothing else.

The evaluation page, the signed content and the decision record all show these figures, so what
a signer approves is what the page showed and what the PDF states. Amounts stay the snapshot's
strings: they are never recomputed or re-rounded here.
"""

from decimal import Decimal

from costs.models import Comparison


def vendor_offer_ids(comparison: Comparison, vendor_id: int) -> list[int]:
    """The ids of the compared offers that the vendor made (the comparison's own offers)."""
    return sorted(offer.pk for offer in comparison.offers.all() if offer.vendor_id == vendor_id)


def _ranked(offers: list[dict]) -> dict[int, int]:
    """Rank by TCE, lowest first; offers that do not cover the demand come after every offer
    that does (they are never the cheapest). Equal TCEs share a rank."""

    def key(offer: dict) -> tuple[bool, Decimal]:
        return (not offer["covers_demand"], Decimal(offer["tce"]))

    ordered = sorted(offers, key=key)
    ranks: dict[int, int] = {}
    for position, offer in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        same = previous is not None and key(previous) == key(offer)
        ranks[offer["id"]] = ranks[previous["id"]] if same else position
    return ranks


def _offer_figures(offer: dict, snapshot: dict, rank: int, of: int) -> dict:
    return {
        "id": offer["id"],
        "name": offer["name"],
        "vendor": offer["vendor"],
        "tce": offer["tce"],
        "tce_per_gpu_hour": offer["tce_per_gpu_hour"],
        "unit_price": offer["unit_price"],
        "covers_demand": offer["covers_demand"],
        "shortfall_gpu_hours_per_month": offer["shortfall_gpu_hours_per_month"],
        "rank": rank,
        "of": of,
        "cheapest_by_unit_price": offer["id"] == snapshot.get("cheapest_by_unit_price"),
        "cheapest_by_tce": offer["id"] == snapshot.get("cheapest_by_tce"),
    }


def figures(comparison: Comparison, vendor_id: int) -> dict:
    """What the evaluation states of an attached comparison: which comparison (with its SHA-256),
    the vendor's offers' figures, and the cheapest offers by TCE and by unit price."""
    snapshot = comparison.snapshot
    offers = snapshot.get("offers", [])
    ranks = _ranked(offers)
    by_id = {
        offer["id"]: _offer_figures(offer, snapshot, ranks[offer["id"]], len(offers)) for offer in offers
    }
    mine = set(vendor_offer_ids(comparison, vendor_id))
    return {
        "comparison": comparison.pk,
        "name": comparison.name,
        "sha256": comparison.sha256,
        "tier_label": snapshot.get("tier_label", ""),
        "reporting_currency": snapshot.get("reporting_currency", ""),
        "horizon_months": snapshot.get("inputs", {}).get("horizon_months"),
        "as_of": snapshot.get("as_of", ""),
        "vendor_offers": [by_id[offer["id"]] for offer in offers if offer["id"] in mine],
        "cheapest_by_tce": by_id.get(snapshot.get("cheapest_by_tce")),
        "cheapest_by_unit_price": by_id.get(snapshot.get("cheapest_by_unit_price")),
    }
