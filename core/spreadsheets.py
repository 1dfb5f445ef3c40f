"""CSV files that spreadsheets open safely: UTF-8 with a byte order mark (so accents survive)
and no cell that a spreadsheet would run as a formula."""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, with an apostrophe in front when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_download(*, filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download, never cached: BOM, header row, then every row with each cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Exports hold personal data: no browser or proxy may keep a copy.
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([safe_cell(label) for label in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response
