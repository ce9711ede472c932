"""joint: the three strands side by side for a ward: each strand's signal per issue, the convergence matrix and
its verdicts (with reason, pairs and evidence as fields), the method in words, thresholds, the evidence behind a
cell, the data needs and hypotheses it raises, workshop notes and the report.

joint imports core, codebook, numbers, practitioners and residents (it reads their tables); no strand imports
joint. The names below are its public face: what pages and the command line may call.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "areas": [("area_choices", "choices"), ("resolve_area_in_ward", "resolve"), "evidence_per_iz",
              "evidence_statement", "pockets_table", "ward_iz_table"],
    "convergence": ["LEVEL_GLYPH", "METHOD", "STYLE", "SUBJECT", "VERDICTS", "Cell", "PairVerdict", "cells",
                    "matrix", "reading", "ward_code_for"],
    "dataneeds": [("DATA_NEED_STATUSES", "STATUSES"), ("accept_data_need", "accept"),
                  ("export_data_needs", "export"), "proposals_frame", ("propose_data_needs", "propose"),
                  ("data_needs_register", "register"), ("update_data_need", "update")],
    "evidence": ["area_indicator_frame", "indicator_chart", "indicator_frame", "officer_insights", "resident_quotes"],
    "hypotheses": [("HYPOTHESIS_STATUSES", "STATUSES"), ("add_hypothesis", "add"), ("hypothesis_log", "log"),
                   ("update_hypothesis", "update")],
    "report": [("export_report", "export"), ("export_reports", "export_all"), ("report_format_for", "format_for"),
               "matrix_chart"],
    "signals": ["STRANDS", ("compute_signals", "compute"), "waiting_segments"],
    "thresholds": ["Thresholds", ("explain_thresholds", "explain"), ("load_thresholds", "load"),
                   ("reset_thresholds", "reset"), ("save_thresholds", "save")],
    "workshop": ["add_note", ("workshop_notes", "notes")],
})
