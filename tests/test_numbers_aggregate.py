"""Aggregation rules: counts sum, rates are recomputed, suppressed values are left out and counted."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triangulate.numbers import aggregate


def rows(**cols):
    df = pd.DataFrame(cols)
    for c in ("value", "numerator", "denominator"):
        if c not in df:
            df[c] = np.nan
    if "suppressed" not in df:
        df["suppressed"] = False
    return df


def test_rate_is_ratio_of_sums_not_mean_of_rates():
    df = rows(group=["w", "w"], numerator=[1.0, 90.0], denominator=[10.0, 100.0], value=[0.1, 0.9])
    out = aggregate.aggregate(df, "ratio", "fraction").iloc[0]
    assert out["value"] == pytest.approx(91 / 110)
    assert out["value"] != pytest.approx(0.5)


def test_rate_per_10000_scaled():
    df = rows(group=["w", "w"], numerator=[5.0, 15.0], denominator=[1000.0, 1000.0], value=[50.0, 150.0])
    assert aggregate.aggregate(df, "ratio", "rate per 10,000").iloc[0]["value"] == pytest.approx(100.0)


def test_suppressed_excluded_and_counted():
    df = rows(group=["w"] * 3, value=[0.5, np.nan, 0.7], denominator=[100.0, 50.0, 300.0],
              suppressed=[False, True, False])
    out = aggregate.aggregate(df, "population_weighted", "fraction").iloc[0]
    assert out["value"] == pytest.approx((0.5 * 100 + 0.7 * 300) / 400)
    assert out["n_suppressed"] == 1 and out["n_areas"] == 3


def test_counts_sum_with_apportioning_weights():
    df = rows(group=["w", "w"], value=[100.0, 40.0], weight=[1.0, 0.25])
    assert aggregate.aggregate(df, "sum", "count").iloc[0]["value"] == pytest.approx(110.0)


def test_iz_shares_add_to_one_and_use_child_weights():
    dz = pd.DataFrame({"code": ["a", "b", "c"], "iz_code": ["I", "I", "J"], "ward_code": ["W1", "W2", "W2"],
                       "population": [100, 100, 50]})
    shares = aggregate.iz_shares(dz, pd.Series({"a": 30.0, "b": 10.0, "c": 5.0}))
    assert shares.groupby("iz_code")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert shares.set_index(["iz_code", "ward_code"])["share"][("I", "W1")] == pytest.approx(0.75)


def test_compare_polarity_and_counts():
    wards = pd.DataFrame({"ward_code": ["a", "b", "c"], "value": [1.0, 2.0, 3.0]})
    worse = aggregate.compare(wards, 2.0, "higher_worse")
    better = aggregate.compare(wards, 2.0, "higher_better")
    assert list(worse["rank"]) == [3, 2, 1] and list(better["rank"]) == [1, 2, 3]
    assert worse["z"].iloc[2] > 0 and better["z"].iloc[2] < 0
    counts = aggregate.compare(wards, 600.0, "higher_worse", is_count=True)
    assert counts["z"].iloc[1] == pytest.approx(0.0)  # centred on the mean ward, not the city total
    assert aggregate.compare(wards, 2.0, "neutral")["z"].isna().all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 1000), st.booleans()), min_size=1, max_size=30))
def test_ratio_matches_definition(data):
    df = rows(group=["w"] * len(data), numerator=[float(min(n, d)) for n, d, _ in data],
              denominator=[float(d) for _, d, _ in data], suppressed=[s for *_, s in data])
    df["value"] = df["numerator"] / df["denominator"]
    out = aggregate.aggregate(df, "ratio", "fraction").iloc[0]
    kept = df[~df["suppressed"]]
    assert out["n_suppressed"] == int(df["suppressed"].sum())
    if kept.empty:
        assert np.isnan(out["value"])
    else:
        assert out["value"] == pytest.approx(kept["numerator"].sum() / kept["denominator"].sum())
        assert 0.0 <= out["value"] <= 1.0
