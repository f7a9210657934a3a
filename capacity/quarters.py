"""Calendar quarters ("2027-Q1"): their first and last day, their length, what follows them."""

import datetime as dt
import re
from dataclasses import dataclass

QUARTER_PATTERN = r"^(20\d\d|2100)-Q[1-4]$"
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        match = _QUARTER.match((text or "").strip().upper())
        if not match:
            raise ValueError(f"“{text}” is not a quarter: write it as YYYY-Qn, e.g. 2027-Q1.")
        year, number = int(match.group(1)), int(match.group(2))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"The year must be between {MIN_YEAR} and {MAX_YEAR}.")
        return cls(year, number)

    @classmethod
    def containing(cls, day: dt.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def following(self, count: int) -> list["Quarter"]:
        """This quarter and the `count - 1` after it."""
        quarters = [self]
        while len(quarters) < count:
            quarters.append(quarters[-1].next())
        return quarters

    def overlap_days(self, start: dt.date, end: dt.date) -> int:
        """Days of this quarter within [start, end], both included."""
        first, last = max(self.start, start), min(self.end, end)
        return max(0, (last - first).days + 1)
