"""core: what every strand stands on: the database (engine, sessions, migrations), configuration, the error model
(`TriangulateError`, `Problem`, `ImportFailed`), the audit log, roles and rights (`Actor`, `require`), embeddings,
exports, upload limits, the palette and the words the app uses for stored codes.

core imports no other package of triangulate (only `schemas`). The names below are its public face: what pages and
the command line may call; every module of the package is private to the library.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "db": ["get_engine", "is_empty", "upgrade"],  # no sessions: pages and the CLI hold no query
    "errors": ["ImportFailed", "Problem", "SignInFailed", "TriangulateError", "explain"],
    "permissions": ["Actor", "ROLES", "ROLE_DESCRIPTIONS", "SYSTEM", "can", "may_read_insight_text", "require"],
    "exports": ["csv_bytes", "csv_text"],
    "palette": ["ALPHA", "BETTER_GLYPH", "KAPPA", "MIN_FONT", "SCOTLAND", "SEQUENTIAL", "STANCE_COLOURS",
                "WORSE_GLYPH", "readable_spec", "wrap", "wrapped_axis"],
    "places": ["Area", "AmbiguousPlace", "PlaceMismatch", "add_local_name", "areas_in_ward", "local_names",
               "remove_local_name", "resolve_area", "resolve_ward", "suggest_area"],
    "words": ["coder_values_in_words", "codes_in_words", "escape_markdown", "headed", "label"],
})
