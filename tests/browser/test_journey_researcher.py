"""Researcher journey: upload a Teams .vtt and a Word .docx transcript for Govan, review the redactions, mark the
residents, save, run the analysis with visible progress and map a topic to an issue.

The files carry a reference of their own (a NOTE block, a heading), so they are new to the shared demo
database whatever the other journeys did; their names and phone numbers are fictional."""
import io
import re
import uuid

import pytest

from tests.browser.journey import assert_clean, choose, grid_rows, main_text, open_page, screenshot, sign_in, wait_idle

pytestmark = pytest.mark.browser

FACILITATOR = "Claire Boyle"
RESIDENT_VTT = "Margaret Docherty"
NEIGHBOUR = "Jessie McAllister"  # named by a resident: must be redacted
PHONE_VTT = "07700 900482"
PHONE_DOCX = "0141 496 0217"


def _stamp(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def vtt_transcript(ref: str) -> str:
    """A Teams export: cue numbers as GUID-ish ids, `<v Name>` voice tags, a NOTE block."""
    cues = [
        (FACILITATOR, "Thanks for coming along to the hub. What's the hardest thing for your family just now?"),
        (RESIDENT_VTT, "See the buses, hen. The 23 never turns up when it says, and the fares are daft. Two pound "
                       "something each way just to get the wean to the nursery on time."),
        (FACILITATOR, "And how do you get on with the nursery itself?"),
        (RESIDENT_VTT, f"The hours are no use if you're on shifts. My neighbour {NEIGHBOUR} watches him when I'm "
                       "late but she's got her own grandweans. The after-school club is forty pound a week."),
        (FACILITATOR, "Would you be happy for somebody from the advice service to get in touch?"),
        (RESIDENT_VTT, f"Aye, phone me on {PHONE_VTT}, that's my mobile. Evenings are best."),
    ]
    blocks = ["WEBVTT", f"NOTE Govan hub conversation, reference {ref}"]
    for i, (who, words) in enumerate(cues):
        start = 5 + i * 20
        blocks.append(f"3f1c{i:04d}-1b2a-4c7e-9d0a-{ref}/{i}-0\n"
                      f"{_stamp(start)} --> {_stamp(start + 18.5)}\n<v {who}>{words}</v>")
    return "\n\n".join(blocks) + "\n"


def docx_transcript(ref: str) -> bytes:
    """A Word transcript typed by a note taker: a heading, then `Speaker: words` paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading(f"Drop-in at Govan Cross, reference {ref}", level=1)
    for line in [
        "Interviewer: Can you tell me a bit about the house?",
        "Resident: It's the damp. There's mould coming through in the wean's room and the landlord just "
        "paints over it. We're four in a two-bedroom flat off Langlands Road.",
        "Interviewer: Have you been in touch with anyone about it?",
        f"Resident: I've been on the waiting list three year. The housing officer said phone {PHONE_DOCX} "
        f"and ask for {NEIGHBOUR}'s team, but naebody ever picks up.",
        "Interviewer: And heating?",
        "Resident: The meter eats money. I'm putting twenty pound a week in the prepayment and it's still cold.",
    ]:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_researcher_uploads_reviews_analyses_and_maps(page, tmp_path):
    ref = uuid.uuid4().hex[:8]
    vtt = tmp_path / f"govan-hub-{ref}.vtt"
    vtt.write_text(vtt_transcript(ref), encoding="utf-8")
    word = tmp_path / f"govan-dropin-{ref}.docx"
    word.write_bytes(docx_transcript(ref))

    sign_in(page, "researcher")
    open_page(page, "Upload transcripts")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(vtt), str(word)])
    wait_idle(page)
    preview = page.get_by_role("button", name="Preview")
    page.wait_for_function("b => !b.disabled", arg=preview.element_handle(), timeout=30_000)  # both uploaded
    choose(page, "Ward", "Govan")
    choose(page, "Method", "drop-in")
    for name, value in (("Consent / lawful basis", "Verbal consent recorded; public task"),
                        ("Facilitated by", FACILITATOR)):
        field = page.get_by_role("textbox", name=name)
        field.fill(value)
        field.press("Enter")  # sent now, so its rerun cannot swallow the click on Preview
        wait_idle(page)
    preview.click()
    page.get_by_text("2 file(s) ready to review").wait_for(timeout=90_000)
    wait_idle(page, 90_000)
    assert_clean(page)

    # Review: each file's redaction report lists the name and the phone number it found.
    for upload, found in ((vtt, [NEIGHBOUR, PHONE_VTT]), (word, [NEIGHBOUR, PHONE_DOCX])):
        card = page.locator('[data-testid="stVerticalBlock"]').filter(
            has=page.get_by_text(re.compile(rf"^{re.escape(upload.name)} · "))).last
        summary = card.get_by_text(re.compile(rf"^{re.escape(upload.name)} · ")).inner_text()
        assert int(re.search(r"(\d+) redactions", summary).group(1)) >= 2, summary
        rows = grid_rows(card.locator('[data-testid="stDataFrame"]').nth(1))  # speakers, then redactions
        assert rows[0] == ["line", "turn", "found", "replaced by", "rule", "category"], rows
        found_here = {row[2]: row[3] for row in rows[1:]}
        for value in found:
            assert value in found_here, f"{upload.name}: {value!r} is not in the redaction report: {rows}"
            assert re.fullmatch(r"\[(PERSON|PHONE) \d+\]", found_here[value]), found_here

    # Mark the residents: the facilitator's own first guess is wrong in a Teams file; take her out.
    residents = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(f"Residents in {vtt.name}", exact=True))
    assert RESIDENT_VTT in residents.inner_text()
    if FACILITATOR in residents.inner_text():
        residents.get_by_role("button", name=re.compile(f"(Remove|Delete) {FACILITATOR}")).click()
        wait_idle(page)
    assert FACILITATOR not in residents.inner_text() and RESIDENT_VTT in residents.inner_text()
    docx_residents = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(f"Residents in {word.name}", exact=True)).inner_text()
    assert "Resident" in docx_residents and "Interviewer" not in docx_residents
    screenshot(page, "researcher-1-review-redactions")

    page.get_by_role("button", name="Save these transcripts").click()
    wait_idle(page, 90_000)
    saved = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Saved: transcript")
    saved.wait_for()
    counts = [int(n) for n in re.findall(r"\((\d+) resident segments\)", saved.inner_text())]
    assert len(counts) == 2 and all(n >= 1 for n in counts), saved.inner_text()
    assert_clean(page)

    # Analysis with visible progress, then a topic mapped to an issue.
    open_page(page, "Topics")
    assert "re-run it to include them" in main_text(page)  # the new transcripts made the model stale
    page.get_by_role("button", name=re.compile(r"Run the analysis|Re-run the analysis")).click()
    # A job: its progress in the sidebar while the worker runs it, then the outcome on the page.
    page.locator('[data-testid="stSidebar"] [data-testid="stProgress"]').first.wait_for(state="visible",
                                                                                       timeout=120_000)
    status = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="topics found in")
    status.wait_for(timeout=300_000)
    wait_idle(page, 120_000)
    assert_clean(page)
    done = re.search(r"(\d+) topics found in (\d+) resident segments \((\d+) newly embedded\)", status.inner_text())
    assert done and int(done.group(3)) >= 2, status.inner_text()  # at least our residents' new segments
    assert "re-run it to include them" not in main_text(page)
    choose(page, "Topic", re.compile(r"bus|fare|transport", re.I))
    choose(page, "Map this topic to", "Transport")
    page.get_by_role("button", name="Confirm mapping").click()
    wait_idle(page)
    confirmed = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Confirmed")
    confirmed.wait_for()
    assert "now count towards Transport" in confirmed.inner_text()
    assert "Issue: Transport (confirmed" in main_text(page)
    screenshot(page, "researcher-2-topics-mapped")
    assert_clean(page)
