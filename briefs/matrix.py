"""The evidence matrix: theme × code (or region × theme), with per cell the distinct inputs
that support it, their source IDs, and the quotes beneath.

`build_matrix` works on rows already read (no query of its own), so the matrix page, its CSV
and the pack's annex show the same numbers from the same rule.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from interventions.models import AnalysisCode, Intervention, Quote, Region, Theme

from .enums import MatrixView


@dataclass
class MatrixCell:
    """The inputs (distinct, in reading order) and quotes that fall in one cell."""

    row: str
    column: str
    column_name: str = ""
    interventions: list[Intervention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False)

    @property
    def count(self) -> int:
        return len(self.interventions)

    @property
    def references(self) -> list[str]:
        return [intervention.reference for intervention in self.interventions]

    @property
    def anchor(self) -> str:
        return f"cell-{self.row}-{self.column}"

    def add(self, intervention: Intervention, quote: Quote | None = None) -> None:
        if ("input", intervention.pk) not in self._seen:
            self._seen.add(("input", intervention.pk))
            self.interventions.append(intervention)
        if quote is not None and ("quote", quote.pk) not in self._seen:
            self._seen.add(("quote", quote.pk))
            self.quotes.append(quote)


@dataclass
class MatrixRow:
    key: str
    name: str
    cells: list[MatrixCell]


@dataclass
class EvidenceMatrix:
    view: str
    row_heading: str
    column_heading: str
    columns: list[tuple[str, str]]
    rows: list[MatrixRow]

    @property
    def filled_cells(self) -> list[tuple[MatrixRow, MatrixCell]]:
        """The cells with at least one input, row by row."""
        return [(row, cell) for row in self.rows for cell in row.cells if cell.count]

    @property
    def is_empty(self) -> bool:
        return not self.filled_cells

    @property
    def counts_quoted_only(self) -> bool:
        """Whether cells count quoted inputs only (theme × code), not every approved input."""
        return self.view == MatrixView.THEME_CODE


def _themes_of(intervention: Intervention) -> list[Theme]:
    """Its primary theme, then its other themes (prefetched), each once: the same "matches this
    theme" as the lists and the packs."""
    themes = [intervention.primary_theme]
    themes += [theme for theme in intervention.themes.all() if theme.pk != themes[0].pk]
    return themes


def _kept(items: Iterable, used: set[int]) -> list:
    """Active items, plus inactive ones that something in the matrix still uses."""
    return [item for item in items if item.is_active or item.pk in used]


def build_matrix(
    *,
    view: str,
    interventions: list[Intervention],
    quotes: list[Quote],
    themes: list[Theme],
    regions: list[Region],
    codes: list[AnalysisCode],
) -> EvidenceMatrix:
    """Cross the inputs into the matrix `view` asks for.

    Theme × code: a cell counts the distinct inputs that match the theme (primary or other)
    and have a quote carrying the code; the quotes beneath are those quotes. Region × theme: a
    cell counts the inputs about the region that match the theme, quoted or not; the quotes
    beneath are the quotes of those inputs. Only quotes of the given interventions count.
    `interventions` need their themes and regions prefetched, `quotes` their codes.
    """
    by_pk = {intervention.pk: intervention for intervention in interventions}
    quotes = [quote for quote in quotes if quote.intervention_id in by_pk]
    quotes_of: dict[int, list[Quote]] = {}
    for quote in quotes:
        quotes_of.setdefault(quote.intervention_id, []).append(quote)
    cells: dict[tuple[int, int], MatrixCell] = {}
    if view == MatrixView.REGION_THEME:
        used_rows = {r.pk for i in interventions for r in i.regions.all()}
        used_columns = {t.pk for i in interventions for t in _themes_of(i)}
        row_items, column_items = _kept(regions, used_rows), _kept(themes, used_columns)
        for intervention in interventions:
            for region in intervention.regions.all():
                for theme in _themes_of(intervention):
                    cell = cells.setdefault(
                        (region.pk, theme.pk),
                        MatrixCell(row=region.slug, column=theme.slug, column_name=theme.name),
                    )
                    cell.add(intervention)
                    for quote in quotes_of.get(intervention.pk, []):
                        cell.add(intervention, quote)
        row_heading, column_heading = _("Region"), _("Theme")
    else:
        used_rows = {t.pk for q in quotes for t in _themes_of(by_pk[q.intervention_id])}
        used_columns = {c.pk for q in quotes for c in q.codes.all()}
        row_items, column_items = _kept(themes, used_rows), _kept(codes, used_columns)
        for quote in quotes:
            intervention = by_pk[quote.intervention_id]
            for theme in _themes_of(intervention):
                for code in quote.codes.all():
                    cell = cells.setdefault(
                        (theme.pk, code.pk),
                        MatrixCell(row=theme.slug, column=code.slug, column_name=code.name),
                    )
                    cell.add(intervention, quote)
        row_heading, column_heading = _("Theme"), _("Code")
    position = {pk: number for number, pk in enumerate(by_pk)}
    for cell in cells.values():
        # Inputs in the order they were given (session, then input), quotes likewise.
        cell.interventions.sort(key=lambda i: position[i.pk])
        cell.quotes.sort(key=lambda q: (position[q.intervention_id], q.pk))
    rows = [
        MatrixRow(
            key=row.slug,
            name=row.name,
            cells=[
                cells.get(
                    (row.pk, column.pk),
                    MatrixCell(row=row.slug, column=column.slug, column_name=column.name),
                )
                for column in column_items
            ],
        )
        for row in row_items
    ]
    return EvidenceMatrix(
        view=view,
        row_heading=str(row_heading),
        column_heading=str(column_heading),
        columns=[(column.slug, column.name) for column in column_items],
        rows=rows,
    )


def matrix_csv_rows(matrix: EvidenceMatrix) -> list[list]:
    """One row per cell: row, column, distinct inputs, their source IDs, quotes."""
    return [
        [row.name, cell.column_name, cell.count, "; ".join(cell.references), len(cell.quotes)]
        for row in matrix.rows
        for cell in row.cells
    ]
