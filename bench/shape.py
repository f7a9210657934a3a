"""How many rows and columns a page shows: what its baseline renders.

Read from the page's own HTML, so the baseline follows the page as it changes. Inside `<main>`
(the header and navigation are the layout's, not the page's; an htmx fragment has no `<main>`
and counts whole): a row is a table row with data cells, a list item, a description term, or
a form field outside those; its columns are its cells (a term and its description: two; a
field and its label: two). Nested rows (a list inside a table cell) belong to their row.
"""

from dataclasses import dataclass
from html.parser import HTMLParser

ROW_TAGS = {"tr", "li", "dt"}
FIELD_TAGS = {"input", "select", "textarea"}
NOT_FIELDS = {"hidden", "submit", "button", "image", "reset"}


@dataclass(frozen=True)
class Shape:
    rows: int
    columns: int


class _Counter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.saw_main = False
        self.in_main = 0
        self.row_tag: str | None = None  # the outermost open row
        self.nesting = 0  # rows of the same tag opened inside it
        self.cells = 0
        self.data_cells = 0
        self.main_rows: list[int] = []
        self.all_rows: list[int] = []

    def _add(self, cells: int) -> None:
        self.all_rows.append(cells)
        if self.in_main:
            self.main_rows.append(cells)

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.saw_main = True
            self.in_main += 1
        if self.row_tag is None:
            if tag in ROW_TAGS:
                self.row_tag, self.nesting, self.cells, self.data_cells = tag, 1, 0, 0
            elif tag in FIELD_TAGS and (tag != "input" or dict(attrs).get("type", "text") not in NOT_FIELDS):
                self._add(2)
        elif tag == self.row_tag:
            self.nesting += 1
        elif self.row_tag == "tr" and self.nesting == 1 and tag in ("td", "th"):
            self.cells += 1
            self.data_cells += tag == "td"

    def handle_endtag(self, tag):
        if tag == "main" and self.in_main:
            self.in_main -= 1
        if tag != self.row_tag:
            return
        self.nesting -= 1
        if self.nesting:
            return
        if tag == "li":
            self._add(1)
        elif tag == "dt":
            self._add(2)  # the term and the description after it
        elif self.data_cells:  # a header row of <th> only is not a row the page shows
            self._add(self.cells)
        self.row_tag = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def of(html: bytes | str) -> Shape:
    """The rows and (rounded mean) columns of a page's content."""
    counter = _Counter()
    counter.feed(html.decode() if isinstance(html, bytes) else html)
    counter.close()
    rows = counter.main_rows if counter.saw_main else counter.all_rows
    if not rows:
        return Shape(0, 1)
    return Shape(len(rows), max(1, round(sum(rows) / len(rows))))
