"""app.py: the sign-in screen, then navigation for the signed-in user."""
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import ROOT


def test_sign_in_screen_then_home(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.button[0].label == "Sign in" or any(b.label == "Sign in" for b in at.button)
    at.text_input[0].input("lead")
    at.text_input[1].input("wrong password")
    at.button[0].click()
    at.run()
    assert any("do not match" in e.value for e in at.error)
    at.text_input[0].input("lead")
    at.text_input[1].input("triangulate-demo")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert at.session_state["actor"].role == "lead"
    assert any("Triangulate" in t.value for t in at.title)


def test_every_page_in_the_navigation_exists_and_every_page_file_is_listed():
    import ast

    tree = ast.parse((ROOT / "app.py").read_text())
    pages = next(node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")
    listed = {ast.literal_eval(row)[1] for row in pages.elts}
    on_disk = {p.name for p in (ROOT / "pages").glob("*.py")}
    assert listed == on_disk
