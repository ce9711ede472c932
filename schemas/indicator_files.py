"""The shapes of an indicator import: the indicator's metadata and one parsed value.

The file formats themselves (generic long or wide CSV/XLSX, statistics.gov.scot tidy CSV, DWP Stat-Xplore CSV)
are recognised in `triangulate/numbers_import.py`; whatever the format, each row ends up as an `IndicatorRow`.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from schemas.checks import one_of, storable

UNITS = ("fraction", "percent", "count", "rate per 1,000", "rate per 10,000", "rate per 100,000",
         "ratio", "score", "minutes", "rank", "index")
POLARITIES = ("higher_worse", "higher_better", "neutral")
AGGREGATIONS = ("sum", "ratio", "population_weighted", "none")
AREA_LEVELS = ("datazone", "intermediate_zone", "ward", "council", "country")
CHOICES = {"unit": UNITS, "polarity": POLARITIES, "aggregation": AGGREGATIONS}

# value = numerator / denominator × scale, for units that are rates of something
UNIT_SCALE = {"fraction": 1.0, "percent": 100.0, "rate per 1,000": 1_000.0, "rate per 10,000": 10_000.0,
              "rate per 100,000": 100_000.0}

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class IndicatorMeta(BaseModel):
    """What a user must say about an indicator before its values can be imported."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key: str = Field(description="short machine name, e.g. cilif_children")
    title: str = Field(min_length=3)
    source: str = Field(min_length=2, description="the dataset, e.g. 'Children in Low Income Families'")
    publisher: str = Field(min_length=2)
    period: str = Field(default="", description="latest period label; filled from the file when blank")
    definition: str = Field(min_length=10, description="what is counted, over whom; before/after housing costs")
    unit: str = "fraction"
    polarity: str = "higher_worse"
    licence: str = "Open Government Licence v3.0"
    aggregation: str = "ratio"
    denominator_label: str | None = None
    issue_codes: list[str] = Field(default_factory=list)
    notes: str = ""

    @field_validator("*")
    @classmethod
    def _storable(cls, v):
        return storable(v)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        v = v.strip().lower()
        if not KEY_PATTERN.match(v):
            raise ValueError("use 2–63 lower-case letters, digits and underscores, starting with a letter")
        return v

    @field_validator("polarity", mode="before")
    @classmethod
    def _polarity_words(cls, v):
        # "Higher worse" and "higher-worse" name the same polarity as higher_worse
        return v.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(v, str) else v

    @field_validator("unit", "polarity", "aggregation")
    @classmethod
    def _choice(cls, v: str, info: ValidationInfo) -> str:
        return one_of(v, CHOICES[info.field_name], info.field_name)

    @field_validator("issue_codes", mode="before")
    @classmethod
    def _codes(cls, v):
        if isinstance(v, str):
            v = [c for c in re.split(r"[,;\s]+", v) if c]
        return [str(c).strip() for c in v]


class IndicatorRow(BaseModel):
    """One value for one area and period, after parsing, before it is written."""

    model_config = ConfigDict(extra="forbid")

    indicator_key: str
    area_code: str
    area_level: str
    period: str
    breakdown: str = ""
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False
    source_row: int = 0  # the row in the file, as a spreadsheet numbers it
