"""Which vendor runs on which: read once per request, walked in memory."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from vendors.models import Layer, Vendor


@dataclass(frozen=True)
class LayerInfo:
    pk: int
    code: str
    name: str
    position: int


def layer_table() -> list[LayerInfo]:
    """The layers in stack order (a handful of rows, seeded by a migration)."""
    return [
        LayerInfo(*row)
        for row in Layer.objects.order_by("position", "name").values_list("pk", "code", "name", "position")
    ]


@dataclass
class HostingGraph:
    """Vendor names and the “runs on” relation of every vendor, from one query."""

    names: dict[int, str]
    host_of: dict[int, int | None]
    _chains: dict[int, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, vendors: QuerySet[Vendor] | None = None) -> "HostingGraph":
        rows = (
            (vendors if vendors is not None else Vendor.objects)
            .order_by()
            .values_list("pk", "name", "runs_on_id")
        )
        return cls({pk: name for pk, name, _ in rows}, {pk: host for pk, _, host in rows})

    def chain(self, vendor_id: int) -> list[int]:
        """The vendor and every host under it, nearest first (cycles are cut, never followed twice)."""
        cached = self._chains.get(vendor_id)
        if cached is None:
            cached, current = [], vendor_id
            while current is not None and current not in cached:
                cached.append(current)
                current = self.host_of.get(current)
            self._chains[vendor_id] = cached
        return cached

    def root(self, vendor_id: int) -> int:
        return self.chain(vendor_id)[-1]

    def in_hosting(self) -> set[int]:
        """Vendors that run on another or host another."""
        hosted = {pk for pk, host in self.host_of.items() if host is not None}
        return hosted | {host for pk in hosted for host in self.chain(pk)[1:]}

    def hosted_by(self, vendor_id: int) -> set[int]:
        """The vendor and every vendor running on it, directly or through others."""
        return {vendor_id} | {
            pk for pk, host in self.host_of.items() if host is not None and vendor_id in self.chain(pk)
        }

    def runs_on_sentence(self, vendor_ids: Iterable[int]) -> str:
        parts = []
        for pk in sorted(vendor_ids, key=lambda v: self.names[v].lower()):
            chain = self.chain(pk)
            if len(chain) > 1:
                parts.append(
                    f"{self.names[chain[0]]} runs on " + " on ".join(self.names[v] for v in chain[1:])
                )
        return "; ".join(parts)
