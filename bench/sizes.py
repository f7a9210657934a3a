"""Dataset sizes: the targets the issues set, ten times them, and a quick size for a smoke run.

Kept free of Django imports: the command line reads them before Django is set up.
"""

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Sizes:
    vendors: int = 1000
    contracts: int = 3000
    evaluations: int = 5000
    audit_events: int = 100_000
    workloads: int = 500
    dependencies: int = 5000

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def scaled(self, factor: int) -> "Sizes":
        """Every size times `factor`: `--scale 10` is 10,000 vendors ... 1,000,000 audit events."""
        return replace(self, **{name: getattr(self, name) * factor for name in self.names()})


TARGET = Sizes()
QUICK = Sizes(vendors=60, contracts=180, evaluations=300, audit_events=5000, workloads=40, dependencies=400)
