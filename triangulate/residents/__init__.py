"""residents: what residents said: transcripts read from .docx/.txt (speakers, roles, places), redacted before
storage (names, places, metadata), reviewed, stored as segments, coded by hand or by topics, checked by a second
reader (the machine check), searched for quotes, and exchanged as REFI-QDA projects (.qdpx).

residents imports core and codebook. The names below are its public face: what pages and the command line may call.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "coding": ["NONE", "SegmentStatus", "clear_codes", "code_segment", "code_segments", "codes_frame",
               ("coding_disagreements", "disagreements"), "import_codes", "segments_frame",
               ("settle_coding", "settle"), "span_of", ("segment_statuses", "statuses"), "topic_segment_ids",
               "transcript_segments"],
    "machine_check": [("answer_check", "answer"), ("finish_check", "finish"), ("machine_flags", "flags"),
                      ("check_history", "history"), "issue_figures", ("next_check_item", "next_item"), "open_check",
                      ("check_progress", "progress"), ("start_check", "start")],
    "metadata_redaction": ["neutral_title", "person_names"],
    "projects": [("NEW_ISSUE", "NEW"), ("LEAVE_CODE_OUT", "SKIP"), "export_project",
                 "preview_project", "save_project"],
    "qdpx": ["MAX_ARCHIVE_BYTES", "normal_guid"],
    "review": ["ReviewTurn", ("review_filters", "filters"), ("review_metadata", "metadata"),
               ("review_redactions", "redactions"), ("review_speakers", "speakers"), "still_redacted",
               ("review_turns", "turns")],
    "store": ["MAX_UPLOAD_MB", "QUOTES_PER_TRANSCRIPT", "QUOTE_LIMIT", "list_transcripts", "mark_redactions",
              "preview", "preview_many", "previews", "refresh_place_mentions", "redaction_lists", "redaction_summary",
              "redo", ("save_transcripts", "save"), "search_csv", "search_segments", "set_redaction_lists",
              "transcript_view"],
    "topics": ["CLUSTER_MIN_SEGMENTS", "analyse", "confirm_topic", "current_model", "issue_outcomes", "split_topic",
               "topic_quotes", "topic_ward_sizes", "topics_csv", "topics_frame"],
    "transcripts": ["RESIDENT", "TranscriptSkipped", ("parse_transcript", "parse"), "suggest_roles"],
})
