"""The numbers strand's reads as pages and the command line call them: on the engine (see core/reads.py)."""
from __future__ import annotations

from triangulate.core.reads import on_engine
from triangulate.numbers import booster, iz_values, ward_values

all_wards_indicator_frame = on_engine(ward_values.all_wards_indicator_frame)
datazone_values = on_engine(ward_values.datazone_values)
indicator_over_time = on_engine(ward_values.indicator_over_time)
indicators_frame = on_engine(ward_values.indicators_frame)
indicators_with_trends = on_engine(ward_values.indicators_with_trends)
issue_trends = on_engine(ward_values.issue_trends)
loaded_data_summary = on_engine(ward_values.loaded_data_summary)
trend_against_city = on_engine(ward_values.trend_against_city)
ward_indicator_table = on_engine(ward_values.ward_indicator_table)
wards_summary = on_engine(ward_values.wards_summary)
booster_default_period = on_engine(booster.default_period)
booster_periods = on_engine(booster.periods)
booster_ranking = on_engine(booster.ranking)
booster_pockets = on_engine(booster.pockets)
datazones = on_engine(iz_values.datazones)
indicators_below_ward = on_engine(iz_values.indicators_below_ward)
iz_indicator_frame = on_engine(iz_values.iz_indicator_frame)
iz_indicator_table = on_engine(iz_values.iz_indicator_table)
