"""A NUL character is refused with a clear message on every table and backend, and nothing is written."""
import pytest
from sqlmodel import select

from schemas import Hypothesis, Ward, WorkshopNote
from triangulate.core import db
from triangulate.core.errors import TriangulateError


def test_nul_in_any_text_is_refused_and_nothing_written(engine):
    with db.session_scope(engine) as session:
        session.add(Ward(code="S13002971", name="Govan"))
    for row in (Hypothesis(ward_code="S13002971", statement="What if\x00"),
                WorkshopNote(ward_code="S13002971", text="a\x00b", author="lead")):
        with pytest.raises(TriangulateError, match="NUL"), db.session_scope(engine) as session:
            session.add(row)
    with db.session_scope(engine) as session:
        assert session.exec(select(Hypothesis)).all() == []
        assert session.exec(select(WorkshopNote)).all() == []
