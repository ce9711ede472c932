"""practitioners: what officers and workers report: insights (entered, imported from CSV/XLSX, edited, coded
against the codebook by more than one coder, deleted), suggestions of issues for a new insight, the agreement
between coders and its settlement, and the analysis tables.

practitioners imports core and codebook. The names below are its public face: what pages and the command line may
call.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "agreement": ["SETTLE_CHOICES", "by_issue", "disagreements", "settle"],
    "importing": ["export_frame", "import_file", "read_table", "template_csv", "template_xlsx",
                  ("insights_csv", "to_csv"), ("insights_xlsx", "to_xlsx"),
                  "validate"],
    "insights": ["Filters", "any_illustrative", ("code_insight", "code"), ("create_insight", "create"), "crosstab",
                 "default_role", ("delete_insight", "delete"), "drill_down", ("edit_insight", "edit"),
                 ("insight_history", "history"), "list_frame", "readable", "issue_ward_totals", "roles_in_use"],
    "suggest": ["MIN_WORDS", ("suggest_issues", "suggest")],
})
