"""access: who may do what and what is kept: signing in (passwords and OIDC), user accounts and roles, the audit
log's view, encrypted backups and restore, erasure of a transcript everywhere it went, and retention.

access imports core and reads every strand's tables (erasure and backup must reach all of them); no strand imports
access. The names below are its public face: what pages and the command line may call.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "audit_view": ["AuditFilter", ("audit_choices", "choices"), ("audit_count", "count"),
                   ("audit_events", "events"), ("audit_csv", "export_csv"), ("audit_per_day", "per_day")],
    "auth": ["MIN_PASSWORD_LENGTH", "active_account", "actor_of", "create_user", ("current_actor", "current"),
             "sign_in"],
    "backup": [("create_backup", "backup"), "delete_backup_file", "key_location", "read_manifest",
               ("restore_backup", "restore"), "written_backups"],
    "erasure": ["REMOVED", "erase_transcript", "locate_text", ("erasable_transcripts", "transcripts")],
    "oidc": ["auto_provision", "identity_from_claims", "invite", "set_auto_provision", ("oidc_sign_in", "sign_in")],
    "retention": [("MAX_RETENTION_DAYS", "MAX_DAYS"), "apply_retention", ("retention_due", "due"),
                  ("retention_policy", "policy"), ("set_retention_policy", "set_policy")],
    "users": ["accounts", "change_role", "reset_password", "set_active", "unlock"],
})
