"""CSV files that spreadsheets open safely: UTF-8 with a byte order mark (so accents survive)
and no cell that a spreadsheet would run as a formula."""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse

BYTE_ORDER_MARK = "\ufeff"
# Rows are sent in pieces of about this many characters: few enough writes to the socket,
# little memory whatever the size of the file.
STREAM_CHUNK_CHARS = 64 * 1024

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, with an apostrophe in front when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _as_attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Exports hold personal data: no browser or proxy may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def csv_download(*, filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download, never cached: BOM, header row, then every row with each cell made safe
    (the lines of `csv_lines`, held in memory: for small files)."""
    body = "".join(csv_lines(header=header, rows=rows))
    return _as_attachment(HttpResponse(body, content_type="text/csv; charset=utf-8"), filename)


class _Line:
    """A file-like object whose `write` hands the text back, so `csv.writer` formats one row
    at a time without holding the file."""

    def write(self, text: str) -> str:
        return text


def chunked(pieces: Iterable[str], *, size: int = STREAM_CHUNK_CHARS) -> Iterator[bytes]:
    """Join small pieces of text into UTF-8 chunks of about `size` characters."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def csv_lines(*, header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The lines of the CSV `csv_download` writes (BOM, header, safe cells), one at a time."""
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK
    yield writer.writerow([safe_cell(label) for label in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_stream(
    *, filename: str, header: Sequence, rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """The same file as `csv_download`, streamed: the rows are formatted and sent as they are
    read, so memory stays flat whatever the number of rows. Never cached."""
    response = StreamingHttpResponse(
        chunked(csv_lines(header=header, rows=rows)), content_type="text/csv; charset=utf-8"
    )
    return _as_attachment(response, filename)
