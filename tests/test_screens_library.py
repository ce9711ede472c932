"""The display library behind the screens: trends in words, labels for codes, wrapped chart labels and the
charts' own specs (every category labelled, the selected ward in one colour). No database."""
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from triangulate.core import palette
from triangulate.core.words import coder_values_in_words, codes_in_words, headed, label
from triangulate.numbers import charts
from triangulate.numbers.ward_values import describe_trend


def _series(ward, city, scotland=None):
    periods = [f"FYE {2015 + i}" for i in range(len(ward))]
    return pd.DataFrame({"period": periods, "ward": ward, "city": city,
                         "scotland": scotland or [None] * len(ward)})


def test_gap_that_grows_is_widening_and_the_sentence_says_so():
    t = describe_trend(_series([0.30, 0.33, 0.40], [0.25, 0.26, 0.27]), title="Child poverty rate",
                       unit="fraction", ward_name="Govan")
    assert t.direction == "widening"
    assert "widened" in t.sentence and "worse than Glasgow by 13.0 points" in t.sentence
    assert t.latest_change is not None and abs(t.latest_change - 0.07) < 1e-9
    assert "+7.0 points since FYE 2016" in t.sentence


def test_gap_that_shrinks_is_narrowing_and_better_when_higher_is_better():
    t = describe_trend(_series([0.50, 0.55], [0.40, 0.52]), unit="fraction", polarity="higher_better")
    assert t.direction == "narrowing"
    assert "better than Glasgow" in t.sentence


def test_small_movement_is_steady():
    t = describe_trend(_series([0.300, 0.301], [0.200, 0.2005]), unit="fraction")
    assert t.direction == "steady"
    assert "about the same" in t.sentence


def test_one_period_or_missing_figures_mean_no_trend():
    one = describe_trend(_series([0.3], [0.2]), title="Rate")
    assert one.direction == "no trend" and "Only one period" in one.sentence
    gaps = describe_trend(_series([None, 0.3], [0.2, None]), title="Rate")
    assert gaps.direction == "no trend"
    empty = describe_trend(pd.DataFrame(columns=["period", "ward", "city", "scotland"]), title="Rate")
    assert empty.direction == "no trend"


def test_counts_compare_the_wards_share_of_the_city():
    t = describe_trend(_series([100, 150], [1000, 1000]), unit="count", ward_name="Govan", title="Children")
    assert t.direction == "widening"
    assert "10.0%" in t.sentence and "15.0%" in t.sentence and "has grown" in t.sentence


def test_labels_turn_codes_into_words():
    assert label("not_a_problem") == "not a problem here"
    assert label("observed_on") == "Date observed"
    assert label("residents_prominent_share").startswith("Residents:")
    assert label("some_new_code") == "Some new code"
    assert label("Govan") == "Govan"
    assert list(headed(pd.DataFrame(columns=["observed_on", "text"])).columns) == ["Date observed", "Insight"]


def test_code_summaries_in_words():
    said = codes_in_words("housing:not_a_problem:2 [officer]; food:problem:3 [lead]",
                          {"housing": "Housing and overcrowding"})
    assert said == ("Housing and overcrowding — not a problem here, severity 2 (officer); "
                    "food — a problem here, severity 3 (lead)")  # an issue the codebook lacks keeps its code
    assert "not_a_problem" not in coder_values_in_words("ana: not_a_problem; ben: problem")


@given(st.text(alphabet=st.characters(blacklist_characters="|", blacklist_categories=("Cs",)), max_size=400))
def test_wrapping_keeps_every_word(text):
    wrapped = palette.wrap(text)
    assert wrapped.replace("|", " ").split() == text.split()


def test_a_300_character_label_is_wrapped_not_cut():
    long = " ".join(["overcrowding"] * 25)[:300]
    wrapped = palette.wrap(long)
    assert wrapped.count("|") >= 8
    assert all(len(line) <= palette.LABEL_WRAP for line in wrapped.split("|"))


def _table(titles):
    return pd.DataFrame({"title": titles, "z": [1.2, -0.4, 0.8][:len(titles)], "rank": [2, 20, 5][:len(titles)],
                         "n_ranked": [23] * len(titles)})


def test_gap_chart_labels_every_indicator_in_full():
    titles = ["Hospital stays related to drug misuse", "Drive time to a GP", "x " * 150]
    spec = charts.gap_chart(_table(titles)).to_dict()
    layer = spec["layer"][0]
    axis = layer["encoding"]["y"]["axis"]
    assert axis["labelLimit"] == 0 and axis["labelOverlap"] is False and axis["labelExpr"] == palette.WRAPPED_LABELS
    shown = {v["label"].replace("|", " ") for v in spec["datasets"][spec["data"]["name"]]}
    assert shown == {" ".join(t.split()) for t in titles}


def test_selected_ward_has_one_colour_in_every_chart():
    frame = pd.DataFrame({"indicator_key": ["k"] * 3, "ward_code": ["A", "B", "C"], "ward_name": ["Aa", "Bb", "Cc"],
                          "value": [0.3, 0.2, 0.1], "unit": ["fraction"] * 3, "rank": [1, 2, 3], "title": ["T"] * 3,
                          "city_value": [0.2] * 3})
    ranking = charts.ranking_chart(frame, "k", "B").to_dict()
    assert palette.SELECTED_WARD in str(ranking) and "▶ Bb" in str(ranking)
    row = pd.Series({"value": 0.3, "city_value": 0.2, "scotland_value": None, "unit": "fraction", "title": "T"})
    assert palette.SELECTED_WARD in str(charts.comparison_chart(row, "Bb").to_dict())
    trend = charts.trend_chart(_series([0.3, 0.4], [0.2, 0.25], [0.1, 0.1]), "Bb", "T", "fraction").to_dict()
    assert palette.SELECTED_WARD in str(trend) and "Scotland" in str(trend)
    assert "Glasgow City" not in str(charts.trend_chart(_series([3, 4], [20, 25]), "Bb", "T", "count").to_dict())


def test_readable_sets_minimum_font():
    spec = palette.readable(charts.gap_chart(_table(["a", "b"]))).to_dict()
    assert spec["config"]["axis"]["labelFontSize"] >= 12 and spec["config"]["legend"]["labelFontSize"] >= 12


def test_readable_spec_raises_every_small_font():
    import altair as alt

    chart = alt.Chart(pd.DataFrame({"a": ["x"]})).mark_text(fontSize=9).encode(
        y=alt.Y("a:N", axis=alt.Axis(labelFontSize=10)), text="a:N")
    spec = palette.readable_spec(chart)
    assert spec["mark"]["fontSize"] == 12
    assert spec["encoding"]["y"]["axis"]["labelFontSize"] == 12
