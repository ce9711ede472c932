"""Glasgow's real public data, shipped in `triangulate/data/glasgow/` (OGL v3; see PROVENANCE.md there).

Loads the 23 wards, the 746 data zones with the best-fit DZ→ward lookup (fit quality kept), and the default
indicators: SIMD 2020v2 (data zone), NRS mid-2020 population (data zone), Scotland's Census 2022 tenure and
occupancy (data zone) and DWP Children in Low Income Families (intermediate zone, FYE 2015–2022).
Ward values are not stored: `triangulate.numbers.ward_values` computes them from the small areas.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from schemas import DataZone, ImportBatch, Ward
from schemas.indicator_files import IndicatorMeta
from triangulate.core import audit
from triangulate.core.config import PACKAGE_DATA
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor, require
from triangulate.numbers import aggregate
from triangulate.numbers.store import add_values, upsert_indicator

DATA = PACKAGE_DATA / "glasgow"
COUNCIL_CODE, COUNCIL_NAME = "S12000049", "Glasgow City"
SCOTLAND_CODE = "S92000003"

# The briefing (shared/context/glasgow-child-poverty-briefing.txt) says there are ten Booster Wards, chosen
# on the "scale and depth of poverty", but names none of them; it places the programme's family work in
# Govan (line 91). Only Govan is marked; the Booster wards page shows the computed ten beside it.
NAMED_BOOSTER_WARDS = {"S13002971": "Govan (named in the briefing, line 91)"}

OGL = "Open Government Licence v3.0"
SIMD = dict(source="Scottish Index of Multiple Deprivation 2020v2 — indicators", publisher="Scottish Government",
            period="SIMD 2020v2", licence=OGL)
NRS_POP = dict(source="Small area population estimates, mid-2020 (data zone, single year of age)",
               publisher="National Records of Scotland", period="mid-2020", licence=OGL)
CENSUS = dict(source="Scotland's Census 2022 (flexible table builder: household tenure; occupancy rating of "
                     "bedrooms)", publisher="National Records of Scotland", period="Census 2022", licence=OGL)
CILIF = dict(source="Children in Low Income Families: local area statistics (Stat-Xplore, relative low income)",
             publisher="Department for Work and Pensions", period="FYE 2022 (provisional)", licence=OGL)
CILIF_CAVEAT = (" Before housing costs (BHC): DWP's relative low income is household income below 60% of the UK "
                "median in the year, before housing costs, for families claiming Child Benefit and at least one "
                "of Universal Credit, tax credits or Housing Benefit. Age coverage caveat: the Stat-Xplore export "
                "does not state which ages it covers; DWP's default is all dependent children (under 16, and "
                "16–19 in non-advanced education), while DWP's published percentages use the under-16s. "
                "Intermediate-zone counts are apportioned to wards by each IZ's share of children aged 0–15 "
                "(NRS mid-2020) living in data zones best-fitted to the ward: an estimate.")

# key, column(s), title, unit, polarity, aggregation, issues, definition
#   value column, numerator column, denominator column ('*implied' = numerator / published rate)
SIMD_INDICATORS = [
    ("income_deprived_rate", ("Income_rate", "Income_count", "Total_population"), "Income deprived (share of people)",
     "fraction", "higher_worse", "ratio", ["social_security", "benefit_access"],
     "People who are income deprived (adults receiving low-income benefits or tax credits below the income "
     "threshold, and their dependants; SIMD 2020v2 income domain, 2017 data) ÷ total population (SIMD 2017 "
     "population base)."),
    ("employment_deprived_rate", ("Employment_rate", "Employment_count", "Working_age_population"),
     "Employment deprived (share of working-age people)", "fraction", "higher_worse", "ratio",
     ["employability", "income_work"],
     "Working-age people who are employment deprived (receiving out-of-work or incapacity benefits; SIMD "
     "2020v2 employment domain) ÷ working-age population."),
    ("overcrowded_rate", ("overcrowded_rate", "overcrowded_count", "*implied"), "People in overcrowded households",
     "fraction", "higher_worse", "ratio", ["housing"],
     "Share of people living in overcrowded households (occupancy rating below zero; Census 2011, SIMD 2020v2 "
     "housing domain). Ward rate = Σ count ÷ Σ implied denominator (count ÷ published rate)."),
    ("nocentralheat_rate", ("nocentralheat_rate", "nocentralheat_count", "*implied"),
     "People in households without central heating", "fraction", "higher_worse", "ratio", ["fuel", "housing"],
     "Share of people living in households without central heating (Census 2011, SIMD 2020v2 housing "
     "domain). Ward rate = Σ count ÷ Σ implied denominator; DZs with a zero count use their total population."),
    ("crime_rate", ("crime_rate", "crime_count", "Total_population"), "Recorded crime rate", "rate per 10,000",
     "higher_worse", "ratio", ["safety"],
     "Selected recorded crimes (violence, sexual offences, domestic housebreaking, vandalism, drugs offences, "
     "common assault) per 10,000 population (SIMD 2020v2 crime domain). Values suppressed in the source "
     "are excluded and counted."),
    ("cif", ("CIF", None, "Total_population"), "Comparative illness factor", "ratio", "higher_worse",
     "population_weighted", ["health"],
     "Standardised ratio of people claiming illness-related benefits (100 = Scotland). Ward value: "
     "population-weighted mean of data-zone ratios."),
    ("smr", ("SMR", None, "Total_population"), "Standardised mortality ratio", "ratio", "higher_worse",
     "population_weighted", ["health"],
     "Deaths compared with the number expected for the age and sex mix (100 = Scotland). Population-weighted."),
    ("emergency_stays", ("EMERG", None, "Total_population"), "Emergency hospital stays (standardised ratio)",
     "ratio", "higher_worse", "population_weighted", ["health"],
     "Emergency stays in hospital, standardised ratio (100 = Scotland). Population-weighted."),
    ("alcohol_stays", ("ALCOHOL", None, "Total_population"), "Hospital stays related to alcohol misuse", "ratio",
     "higher_worse", "population_weighted", ["health"],
     "Hospital stays related to alcohol misuse, standardised ratio (100 = Scotland). Population-weighted."),
    ("drug_stays", ("DRUG", None, "Total_population"), "Hospital stays related to drug misuse", "ratio",
     "higher_worse", "population_weighted", ["health", "mental_health"],
     "Hospital stays related to drug misuse, standardised ratio (100 = Scotland). Population-weighted."),
    ("depression_rate", ("DEPRESS", None, "Total_population"),
     "Prescribed drugs for anxiety, depression or psychosis", "fraction", "higher_worse", "population_weighted",
     ["mental_health"],
     "Share of the population prescribed drugs for anxiety, depression or psychosis. Population-weighted."),
    ("low_birthweight_rate", ("LBWT", None, "Total_population"), "Low birthweight (share of live births)",
     "fraction", "higher_worse", "population_weighted", ["health"],
     "Share of live singleton births of low birthweight. Weighted by total population (births by data zone "
     "are not published with SIMD): an approximation."),
    ("school_attendance", ("Attendance", None, "Total_population"), "School pupil attendance", "fraction",
     "higher_better", "population_weighted", ["education"],
     "Pupil attendance at school (share of possible sessions). Suppressed in many data zones; excluded and "
     "counted. Weighted by total population (pupil numbers are not published): an approximation."),
    ("school_attainment", ("Attainment", None, "Total_population"), "Attainment of school leavers (score)",
     "score", "higher_better", "population_weighted", ["education"],
     "Average educational attainment score of school leavers. Suppressed values excluded and counted."),
    ("no_qualifications", ("no_qualifications", None, "Working_age_population"),
     "Working-age people with no qualifications (standardised ratio)", "ratio", "higher_worse",
     "population_weighted", ["education", "employability"],
     "Working-age people with no qualifications, standardised for age and sex (100 = Scotland). Weighted by "
     "working-age population."),
    ("not_participating_rate", ("not_participating", None, "Total_population"),
     "16–19-year-olds not in education, employment or training", "fraction", "higher_worse",
     "population_weighted", ["education", "employability"],
     "Share of 16–19-year-olds not participating in education, employment or training. Population-weighted."),
    ("university_entry_rate", ("University", None, "Total_population"), "17–21-year-olds entering university",
     "fraction", "higher_better", "population_weighted", ["education"],
     "Share of 17–21-year-olds entering university. Population-weighted."),
    ("no_superfast_broadband", ("Broadband", None, "Total_population"), "Premises without superfast broadband",
     "fraction", "higher_worse", "population_weighted", ["digital"],
     "Share of premises without access to superfast broadband (at least 30 Mb/s). Population-weighted."),
    ("pt_time_gp", ("PT_GP", None, "Total_population"), "Public transport time to a GP", "minutes",
     "higher_worse", "population_weighted", ["transport", "services"],
     "Average public transport travel time to a GP surgery, in minutes. Population-weighted."),
    ("pt_time_post", ("PT_post", None, "Total_population"), "Public transport time to a post office", "minutes",
     "higher_worse", "population_weighted", ["transport", "services"],
     "Average public transport travel time to a post office, in minutes. Population-weighted."),
    ("pt_time_retail", ("PT_retail", None, "Total_population"), "Public transport time to a retail centre",
     "minutes", "higher_worse", "population_weighted", ["transport", "services"],
     "Average public transport travel time to a retail centre, in minutes. Population-weighted."),
    ("drive_time_gp", ("drive_GP", None, "Total_population"), "Drive time to a GP", "minutes", "higher_worse",
     "population_weighted", ["services"],
     "Average drive time to a GP surgery, in minutes. Population-weighted."),
    ("drive_time_primary", ("drive_primary", None, "Total_population"), "Drive time to a primary school",
     "minutes", "higher_worse", "population_weighted", ["services", "transport"],
     "Average drive time to a primary school, in minutes. Population-weighted."),
    ("drive_time_secondary", ("drive_secondary", None, "Total_population"), "Drive time to a secondary school",
     "minutes", "higher_worse", "population_weighted", ["services", "transport"],
     "Average drive time to a secondary school, in minutes. Population-weighted."),
    ("simd_most_deprived_share", ("*q1", "*q1", "Total_population"),
     "People in Scotland's 20% most deprived data zones", "fraction", "higher_worse", "ratio", [],
     "Share of the population living in data zones in SIMD 2020v2 quintile 1 (the 20% most deprived in "
     "Scotland by overall rank). A summary of all domains, so linked to no single issue."),
]


def _meta(key, title, unit, polarity, aggregation, issues, definition, base, denominator_label=None, notes=""):
    return IndicatorMeta(key=key, title=title, unit=unit, polarity=polarity, aggregation=aggregation,
                         issue_codes=issues, definition=definition, denominator_label=denominator_label,
                         notes=notes, **base)


@lru_cache(maxsize=1)
def _simd_scotland() -> pd.DataFrame:
    return pd.read_csv(DATA / "simd2020v2_datazones_scotland.csv")


def _simd_rows(df: pd.DataFrame, cols) -> pd.DataFrame:
    value_col, num_col, den_col = cols
    if value_col == "*q1":
        num = np.where(df["SIMD2020v2_Quintile"] == 1, df["Total_population"], 0).astype(float)
        den = df["Total_population"].astype(float)
        value = np.where(den > 0, num / den.replace(0, np.nan), np.nan)
    else:
        value = df[value_col].astype(float)
        num = df[num_col].astype(float) if num_col else pd.Series(np.nan, index=df.index)
        if den_col == "*implied":
            implied = num / value.replace(0, np.nan)
            den = implied.fillna(df["Total_population"].astype(float))
        else:
            den = df[den_col].astype(float)
    out = pd.DataFrame({"area_code": df["Data_Zone"], "value": value, "numerator": num, "denominator": den})
    out["suppressed"] = out["value"].isna()
    # A data zone with nobody in it (e.g. a park) has no rate; the numerator is not a suppression.
    return out


def _glasgow_dz_table() -> pd.DataFrame:
    simd = pd.read_csv(DATA / "simd2020v2_datazones_glasgow.csv")
    fit = pd.read_csv(DATA / "glasgow_dz_to_ward_bestfit.csv")
    pop = pd.read_csv(DATA / "glasgow_dz_population_mid2020.csv")
    dz = fit.merge(simd[["Data_Zone", "IZcode", "IZname"]], left_on="DataZone", right_on="Data_Zone")
    dz = dz.merge(pop[["Data_Zone", "total_population_mid2020", "age_0_15"]], on="Data_Zone")
    return dz


def _catalogue() -> list[tuple[IndicatorMeta, pd.DataFrame, pd.DataFrame]]:
    """Each default indicator with its small-area rows and its council/Scotland rows."""
    scot = _simd_scotland()
    gla = scot[scot["LAcode"] == COUNCIL_CODE]
    out = []
    for key, cols, title, unit, pol, agg, issues, definition in SIMD_INDICATORS:
        meta = _meta(key, title, unit, pol, agg, issues, definition, SIMD,
                     denominator_label=None if cols[2] is None else cols[2].replace("*implied", "implied population"))
        rows = _simd_rows(gla, cols).assign(area_level="datazone", period=meta.period)
        comp = []
        for code, level, frame in ((COUNCIL_CODE, "council", gla), (SCOTLAND_CODE, "country", scot)):
            agg_row = aggregate.aggregate(_simd_rows(frame, cols).assign(group=code), agg, unit).iloc[0]
            comp.append(dict(area_code=code, area_level=level, period=meta.period, value=agg_row["value"],
                             numerator=agg_row["numerator"], denominator=agg_row["denominator"], suppressed=False))
        out.append((meta, rows, pd.DataFrame(comp)))

    pop = pd.read_csv(DATA / "glasgow_dz_population_mid2020.csv")
    base = pop[["Data_Zone"]].rename(columns={"Data_Zone": "area_code"}).assign(area_level="datazone",
                                                                                period="mid-2020")
    for key, col, title in (("population", "total_population_mid2020", "Population (all ages)"),
                            ("children_0_15", "age_0_15", "Children aged 0–15"),
                            ("children_0_4", "age_0_4", "Children aged 0–4")):
        meta = _meta(key, title, "count", "neutral", "sum", [],
                     f"{title}, NRS small area population estimates mid-2020, summed from single years of age.",
                     NRS_POP)
        rows = base.assign(value=pop[col].astype(float), numerator=pop[col].astype(float), denominator=np.nan,
                           suppressed=False)
        out.append((meta, rows, pd.DataFrame()))
    meta = _meta("child_share", "Children aged 0–15 (share of population)", "fraction", "neutral", "ratio", [],
                 "Children aged 0–15 ÷ all ages, NRS mid-2020.", NRS_POP, denominator_label="population")
    rows = base.assign(numerator=pop["age_0_15"].astype(float), denominator=pop["total_population_mid2020"]
                       .astype(float))
    rows["value"] = rows["numerator"] / rows["denominator"].replace(0, np.nan)
    rows["suppressed"] = rows["value"].isna()
    out.append((meta, rows, pd.DataFrame()))

    census = pd.read_csv(DATA / "glasgow_dz_census2022_tenure_occupancy.csv")
    tenure = [c for c in census.columns if c.startswith("hh_") and "bedrooms" not in c]
    occupancy = [c for c in census.columns if c.startswith("hh_bedrooms")]
    cbase = census[["Data_Zone"]].rename(columns={"Data_Zone": "area_code"}).assign(area_level="datazone",
                                                                                    period="Census 2022")
    for key, num, dens, title, pol, issues, definition in (
        ("overcrowded_households_2022", "hh_bedrooms_minus1_or_less", occupancy,
         "Overcrowded households (Census 2022)", "higher_worse", ["housing"],
         "Households with an occupancy rating of bedrooms of −1 or less (at least one bedroom too few) ÷ all "
         "households with an occupancy rating. Census disclosure control: categories may differ from totals "
         "by up to ±11 per data zone."),
        ("social_rented_share", "hh_social_rented", tenure, "Households renting from the council or a housing "
         "association", "neutral", ["housing"],
         "Social-rented households (council and housing association/RSL) ÷ all households by tenure. Context, "
         "not a measure of need: neither higher nor lower is worse."),
    ):
        n = census[num].astype(float)
        d = census[dens].sum(axis=1).astype(float)
        rows = cbase.assign(numerator=n, denominator=d, value=n / d.replace(0, np.nan))
        rows["suppressed"] = rows["value"].isna()
        out.append((_meta(key, title, "fraction", pol, "ratio", issues, definition, CENSUS,
                          denominator_label="households"), rows, pd.DataFrame()))

    out.extend(_cilif())
    return out


CILIF_PERIODS = {f"fye{y}": f"FYE {y}" for y in range(2015, 2022)} | {"fye2022_provisional": "FYE 2022 (provisional)"}


def _cilif():
    iz = pd.read_csv(DATA / "glasgow_cilif_relative_iz_fye2015_2022.csv")
    la = pd.read_csv(DATA / "scotland_cilif_relative_la_fye2015_2022.csv")
    pop = pd.read_csv(DATA / "glasgow_dz_population_mid2020.csv")
    iz_children = pop.groupby("IZcode")["age_0_15"].sum()
    city_children = float(pop["age_0_15"].sum())
    count_meta = _meta("cilif_children", "Children in relative low income families (number)", "count",
                       "higher_worse", "sum", ["income_work", "social_security"],
                       "Number of children in relative low income families." + CILIF_CAVEAT, CILIF)
    rate_meta = _meta("cilif_rate_0_15", "Children in relative low income families (per child aged 0–15)",
                      "fraction", "higher_worse", "ratio", ["income_work", "social_security"],
                      "DWP count of children in relative low income families ÷ children aged 0–15 (NRS mid-2020, "
                      "used as the denominator for every year). The count may include 16–19-year-olds, so this "
                      "can overstate the under-16 rate; not DWP's published percentage." + CILIF_CAVEAT, CILIF,
                      denominator_label="children aged 0–15 (mid-2020)")
    count_rows, rate_rows, count_comp, rate_comp = [], [], [], []
    for col, label in CILIF_PERIODS.items():
        n = iz[col].astype(float)
        d = iz["IZcode"].map(iz_children).astype(float)
        common = dict(area_code=iz["IZcode"], area_level="intermediate_zone", period=label)
        count_rows.append(pd.DataFrame(dict(**common, value=n, numerator=n, denominator=np.nan,
                                            suppressed=n.isna())))
        rate_rows.append(pd.DataFrame(dict(**common, value=n / d, numerator=n, denominator=d,
                                           suppressed=n.isna())))
        gla = float(la.loc[la["LAcode"] == COUNCIL_CODE, col].iloc[0])
        scot = float(la[col].sum())
        count_comp += [dict(area_code=COUNCIL_CODE, area_level="council", period=label, value=gla, numerator=gla,
                            denominator=None, suppressed=False),
                       dict(area_code=SCOTLAND_CODE, area_level="country", period=label, value=scot,
                            numerator=scot, denominator=None, suppressed=False)]
        rate_comp.append(dict(area_code=COUNCIL_CODE, area_level="council", period=label,
                              value=gla / city_children, numerator=gla, denominator=city_children,
                              suppressed=False))
    return [(count_meta, pd.concat(count_rows), pd.DataFrame(count_comp)),
            (rate_meta, pd.concat(rate_rows), pd.DataFrame(rate_comp))]


def _checksum() -> str:
    digest = hashlib.sha256()
    for path in sorted(DATA.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return "glasgow-default:" + digest.hexdigest()


def load_default(engine: Engine, actor: Actor) -> dict:
    """Load wards, data zones and the default indicators. Idempotent: a second call adds nothing."""
    require(actor, "indicators.import")
    checksum = _checksum()
    with session_scope(engine) as session:
        if session.exec(select(ImportBatch).where(ImportBatch.checksum == checksum)).first():
            return {"added": 0, "already_loaded": True}
        wards = pd.read_csv(DATA / "glasgow_wards.csv")
        known = {w.code for w in session.exec(select(Ward))}
        for w in wards.itertuples():
            if w.ward_code not in known:
                session.add(Ward(code=w.ward_code, name=w.ward_name, council_code=w.la_code,
                                 council_name=w.la_name, booster=w.ward_code in NAMED_BOOSTER_WARDS))
        session.flush()
        known_dz = set(session.exec(select(DataZone.code)))
        zones = [dict(code=d.DataZone, name=d.DZname, iz_code=d.IZcode, iz_name=d.IZname, ward_code=d.ward_code,
                      fit_quality=d.fit_quality, overlap_share=float(d.overlap_share),
                      second_ward_code=d.second_ward_code if isinstance(d.second_ward_code, str) else None,
                      population=int(d.total_population_mid2020))
                 for d in _glasgow_dz_table().itertuples() if d.DataZone not in known_dz]
        if zones:  # one executemany, not 746 ORM objects
            session.execute(insert(DataZone.__table__), zones)
        batch = ImportBatch(kind="indicators", filename="triangulate/data/glasgow (default data)",
                            checksum=checksum, imported_by=actor.username)
        session.add(batch)
        session.flush()
        added = 0
        keys = []
        for meta, rows, comparators in _catalogue():
            indicator = upsert_indicator(session, meta)
            frames = [rows] + ([comparators] if not comparators.empty else [])
            added += add_values(session, indicator.id, pd.concat(frames, ignore_index=True), batch.id)
            keys.append(meta.key)
        batch.rows = added
        batch.report = {"indicators": keys, "values": added}
        audit.record(session, actor, "import", "indicators", batch.id, source="default Glasgow data",
                     indicators=len(keys), values=added)
    return {"added": added, "indicators": keys, "already_loaded": False}


@lru_cache(maxsize=2)
def geojson(kind: str) -> dict:
    """The ward or data-zone boundaries (RFC 7946, WGS84) as a dict; `kind` is 'wards' or 'datazones'."""
    name = {"wards": "glasgow_wards.geojson", "datazones": "glasgow_datazones_2011.geojson"}[kind]
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def ward_names(engine: Engine) -> list[tuple[str, str]]:
    """Every ward as (code, name), by name: what the ward pickers offer."""
    with session_scope(engine) as session:
        return [(w.code, w.name) for w in session.exec(select(Ward).order_by(Ward.name))]


def booster_wards(engine: Engine) -> list[tuple[str, str]]:
    """The wards marked as Booster Wards (Ward.booster) as (code, name)."""
    with session_scope(engine) as session:
        return [(w.code, w.name) for w in session.exec(select(Ward).where(Ward.booster))]


def data_zone_fits(engine: Engine) -> dict[str, int]:
    """How many data zones fit their ward well, fairly or uncertainly (the best-fit lookup's quality)."""
    with session_scope(engine) as session:
        rows = session.exec(select(DataZone.fit_quality, func.count()).group_by(DataZone.fit_quality)).all()
    return {quality: int(n) for quality, n in rows}
