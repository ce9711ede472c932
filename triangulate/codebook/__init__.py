"""codebook: the shared list of issues (a tree: themes and leaf issues) every strand codes against: adding,
editing, retiring, restoring and merging issues, the REFI-QDA codebook (.qdc) in and out, and assigning issues
to residents' topics by meaning.

codebook imports core (and, for assignment by meaning, reads residents' segments through the database). The
names below are its public face: what pages and the command line may call.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "issues": ["add_issue", "edit_issue", ("merge_issues", "merge"), ("restore_issue", "restore"),
               ("retire_issue", "retire")],
    "reads": ["flat_tree", "leaf_issues", "list_issues"],  # on the engine, each in a session of its own
    "qdc": [("export_qdc", "export_xml"), "import_qdc", ("parse_qdc", "parse")],
})
