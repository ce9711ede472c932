"""numbers: the published statistics: Glasgow's wards and data zones, indicator files (checked, planned and
imported), the stored values, their aggregation from data zones to wards and intermediate zones, ward and IZ
tables, trends, the Booster ranking and the city's pockets by IZ, and the charts and maps that show them.

numbers imports core and codebook (indicators inform issues). The names below are its public face: what pages and
the command line may call.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "booster": [("BOOSTER_FORMULA", "FORMULA")],
    "charts": ["booster_chart", "comparison_chart", "datazone_map", "fmt", "gap_chart", "ranking_chart",
               "trend_chart", "ward_map"],
    "glasgow": [("GLASGOW_DATA", "DATA"), "booster_wards", "data_zone_fits", "ward_names"],
    "iz_maps": [("IZ_SELECTION", "SELECTION"), "pockets_map", "ward_iz_map"],
    "importing": [("MAX_IMPORT_BYTES", "MAX_BYTES"), "import_indicators", ("plan_indicator_import", "plan_import")],
    # reads on the engine, each in a session of its own (ward_values and booster work inside a caller's session)
    "reads": ["all_wards_indicator_frame", "booster_default_period", "booster_periods", "booster_pockets",
              "booster_ranking", "datazone_values", "datazones", "indicator_over_time", "indicators_below_ward",
              "indicators_frame", "indicators_with_trends", "issue_trends", "iz_indicator_frame", "iz_indicator_table",
              "loaded_data_summary", "trend_against_city", "ward_indicator_table", "wards_summary"],
})
