"""The codebook's reads as pages and the command line call them: on the engine (see core/reads.py)."""
from __future__ import annotations

from triangulate.codebook import issues
from triangulate.core.reads import on_engine

flat_tree = on_engine(issues.flat_tree)
list_issues = on_engine(issues.issues)
leaf_issues = on_engine(issues.leaf_issues)
