"""Phrases shared by the findings, the loss scenario and the evidence."""


def spoken_list(items: list[str]) -> str:
    """“a”, “a and b”, “a, b and c”."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def minutes_label(minutes: int | None) -> str:
    """A duration for people: 45 min, 2 h 30 min, 3 d 4 h."""
    if minutes is None:
        return "—"
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    if days:
        parts[2] = ""  # minutes do not matter once we count in days
    return " ".join(p for p in parts if p) or "0 min"
