"""One set of colours and one chart style for every chart in the app.

Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies); every chart that uses
colour for meaning also says it in words or glyphs, so colour is never the only carrier. The selected ward
is drawn in SELECTED_WARD everywhere, and nothing else uses that colour.
"""
from __future__ import annotations

import altair as alt

# Okabe & Ito (2008), "Color Universal Design".
ORANGE, SKY_BLUE, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")

SELECTED_WARD = VERMILLION  # the ward being looked at, in every chart
GLASGOW = BLUE
SCOTLAND = "#555555"
OTHER_WARDS = "#BDBDBD"
WORSE, BETTER = ORANGE, SKY_BLUE
# Worse/better also carried by a glyph and a word on each bar.
WORSE_GLYPH, BETTER_GLYPH = "▲", "▼"

# Coder agreement: two measures, two hues far apart, two shapes.
KAPPA = (BLUE, "circle")
ALPHA = (ORANGE, "diamond")

# Vermillion is kept for the selected ward alone.
STANCE_COLOURS = {"a problem here": ORANGE, "worsening": PURPLE, "improving": SKY_BLUE, "not a problem here": GREEN}
SEQUENTIAL = "blues"  # counts and values on maps and heatmaps

MIN_FONT = 12  # px: the smallest chart text
LABEL_WRAP = 28  # characters per line of a wrapped axis label


def wrap(text: str, width: int = LABEL_WRAP) -> str:
    """Break a long label into lines of about `width` characters, joined by '|' for `wrapped_labels`.
    Words are never cut; a single word longer than `width` keeps its own line."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "|".join(lines) or str(text)


# Vega draws an array as one line per item: the axis shows every line of the wrapped label.
WRAPPED_LABELS = "split(datum.label, '|')"


def wrapped_axis(**kwargs) -> alt.Axis:
    """An axis for wrapped category labels: every label drawn, in full, none hidden for overlapping."""
    return alt.Axis(labelExpr=WRAPPED_LABELS, labelLimit=0, labelOverlap=False, labelFontSize=MIN_FONT,
                    labelLineHeight=MIN_FONT + 3, labelPadding=6, **kwargs)


def readable(chart):
    """Chart text no smaller than MIN_FONT px, and no axis label shortened or dropped."""
    # labelOverlap stays Vega's default for number axes (it thins crowded ticks); category axes set
    # labelOverlap=False themselves (wrapped_axis, or explicitly) so that no category loses its label.
    return chart.configure_axis(labelFontSize=MIN_FONT, titleFontSize=MIN_FONT + 1, labelLimit=0) \
        .configure_legend(labelFontSize=MIN_FONT, titleFontSize=MIN_FONT + 1, labelLimit=0) \
        .configure_text(fontSize=MIN_FONT).configure_title(fontSize=MIN_FONT + 2)


def readable_spec(chart, min_font: int = MIN_FONT) -> dict:
    """The chart as a Vega-Lite dict with the `readable` style, built without Altair's copies and schema
    validation (each deep-copies the inline data: a second and more per page for the maps). The charts are
    built by this package and checked by its tests, so validating them again on every page run buys nothing."""
    spec = _at_least(chart.to_dict(validate=False), min_font)
    config = spec.setdefault("config", {})
    config.setdefault("axis", {}).update(labelFontSize=min_font, titleFontSize=min_font + 1, labelLimit=0)
    config.setdefault("legend", {}).update(labelFontSize=min_font, titleFontSize=min_font + 1, labelLimit=0)
    config.setdefault("text", {}).update(fontSize=min_font)
    config.setdefault("title", {}).update(fontSize=min_font + 2)
    return spec


_FONT_KEYS = {"fontSize", "labelFontSize", "titleFontSize"}


def _at_least(node, size: int):
    """Every font size set anywhere in a spec raised to `size` (charts built elsewhere, e.g. the report's
    matrix, set 10–11 px for print)."""
    if isinstance(node, dict):
        return {k: (max(v, size) if k in _FONT_KEYS and isinstance(v, (int, float)) else _at_least(v, size))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_at_least(v, size) for v in node]
    return node
