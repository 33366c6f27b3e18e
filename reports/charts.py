"""Bar charts drawn as inline SVG on the server: no JavaScript, the same in the page and the
PDF. Each chart is a picture of the table printed with it, which is what a screen reader
reads; colours keep at least 3:1 contrast with white (WCAG 1.4.11)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.figures import Table

COLOURS = ("#1d70b8", "#00703c", "#4c2c92", "#d4351c", "#505a5f", "#0b0c0c")  # GOV.UK palette
LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 330, 330, 60
BAR_HEIGHT, GAP = 16, 10
LABEL_CHARS = 46


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: float
    height: int
    colour: str
    value: str


@dataclass(frozen=True)
class Group:
    label: str
    y: int  # the label's baseline
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Svg:
    width: int
    height: int
    groups: tuple[Group, ...]
    series: tuple[tuple[str, str], ...]  # (name, colour) for the key
    scale: str  # what the longest bar stands for, in words


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


def _shown(value: float, percent: bool) -> str:
    return f"{value:g}%" if percent else f"{value:g}"


def draw(table: Table) -> Svg | None:
    """The table's chart, or None when it has none or nothing to draw."""
    chart = table.chart
    if chart is None or not table.rows:
        return None
    numbers = [[row[i] if isinstance(row[i], (int, float)) else None for i in chart.values] for row in table.rows]
    top = 100.0 if chart.percent else max((v for values in numbers for v in values if v is not None), default=0)
    if top <= 0:
        return None
    step = len(chart.values) * BAR_HEIGHT + GAP
    groups = []
    for n, (row, values) in enumerate(zip(table.rows, numbers)):
        y0 = n * step + GAP // 2
        bars = tuple(Bar(LABEL_WIDTH, y0 + k * BAR_HEIGHT, 0 if v is None else round(BAR_WIDTH * v / top, 1),
                         BAR_HEIGHT - 2, COLOURS[k % len(COLOURS)], "no data" if v is None else _shown(v, chart.percent))
                     for k, v in enumerate(values))
        groups.append(Group(_short(str(row[chart.label])), y0 + (step - GAP) // 2 + 4, bars))
    series = tuple((table.columns[i], COLOURS[k % len(COLOURS)]) for k, i in enumerate(chart.values))
    return Svg(LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, len(groups) * step, tuple(groups), series,
               _shown(top, chart.percent))
