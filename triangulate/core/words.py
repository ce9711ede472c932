"""The words people use for the codes the library stores: stances, fields, statuses, settings.

Pages and exports call `label(code)` instead of showing `not_a_problem`, `observed_on` or
`concern_high`; a code not listed is still turned into words (underscores to spaces, first letter up).
"""
from __future__ import annotations

import html

from schemas.insight_files import STANCE_LABELS

LABELS: dict[str, str] = {
    # stances (the insight files' own wording)
    **STANCE_LABELS,
    "not_coded": "not about this issue",
    "absent": "did not use this issue",
    # insight fields
    "id": "#", "observed_on": "Date observed", "role_service": "Role or service", "evidence_type": "Evidence",
    "author": "Author", "author_name": "Author", "families": "Families", "confidence": "Confidence",
    "text": "Insight", "codes": "Issues (issue: stance: severity [coder])", "ward": "Ward",
    "ward_code": "Ward code", "ward_name": "Ward", "issue": "Issue", "issue_code": "Issue code",
    "insight_id": "Insight #", "values": "Each coder's stance", "severities": "Each coder's severity",
    "consensus": "Agreed after discussion", "stance": "Stance", "severity": "Severity", "coder": "Coder",
    # data needs
    "strand": "Strand", "reason": "Why it is proposed", "description": "What is missing", "owner": "Owner",
    "status": "Status", "no data": "no data loaded", "silence": "a strand is silent",
    # agreement
    "percent_agreement": "% agreement", "cohen_kappa": "Cohen's κ", "krippendorff_alpha": "Krippendorff's α",
    "n_insights": "Insights compared", "n_coders": "Coders", "disagreements": "Disagreements",
    # numbers
    "title": "Indicator", "value": "Value", "city_value": "Glasgow", "scotland_value": "Scotland",
    "period": "Period", "rank": "Rank", "n_ranked": "Wards ranked", "z": "Gap to Glasgow (SD, + = worse)",
    "source_level": "Built from", "datazone": "data zones", "intermediate_zone": "intermediate zones",
    "council": "Glasgow City", "country": "Scotland", "higher_worse": "higher is worse",
    "higher_better": "higher is better", "neutral": "neither better nor worse", "fraction": "share",
    "population_weighted": "population-weighted", "sum": "sum", "unit": "Unit", "polarity": "Direction",
    "aggregation": "How areas are combined", "source": "Source", "publisher": "Publisher",
    "definition": "Definition", "licence": "Licence", "indicator_key": "Indicator code",
    "fit_quality": "Fit to the ward", "overlap_share": "Share inside the ward",
    "second_ward_code": "Runner-up ward", "iz_name": "Intermediate zone", "name": "Name", "code": "Code",
    # booster
    "children": "Children (scale)", "z_scale": "Scale, standardised", "z_depth": "Depth, standardised",
    "score": "Score", "named_booster": "Named Booster Ward", "top": "In the computed top",
    # thresholds (setting names)
    "numbers_elevated_sd": "Numbers: gap that counts as elevated (SD)",
    "numbers_use_parent_indicators": "Numbers: borrow the parent issue's indicators",
    "stance_weight_problem": "Weight of 'a problem here'",
    "stance_weight_worsening": "Weight of 'worsening'",
    "stance_weight_improving": "Weight of 'improving'",
    "stance_weight_not_a_problem": "Weight of 'not a problem here'",
    "practitioners_strong_score": "Officers: score that counts as strong",
    "residents_prominent_min_segments": "Residents: fewest passages to be prominent",
    "residents_prominent_ratio": "Residents: times the city's share to be prominent",
    "residents_prominent_share": "Residents: share of the ward's talk to be prominent",
    "examples_per_strand": "Examples compared per strand",
    "min_shared_examples": "Examples officers and residents must share",
    "min_shared_examples_numbers": "Examples the numbers must share",
    "setting": "Setting", "default": "Default", "meaning": "What it means", "current": "Now",
}


def label(code: object) -> str:
    """The words for a stored code; unknown codes lose their underscores."""
    text = str(code)
    if text in LABELS:
        return LABELS[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if "_" in text else text


def headed(frame, keep: tuple[str, ...] = ()):
    """A copy of `frame` with column names in words (for downloads); `keep` names columns left as they are."""
    return frame.rename(columns={c: label(c) for c in frame.columns if c not in keep})


def codes_in_words(summary: str, issue_labels: dict[str, str]) -> str:
    """'housing:not_a_problem:2 [officer]; …' (the insight list's code summary) in words:
    'Housing and overcrowding — not a problem here, severity 2 (officer); …'."""
    out = []
    for part in filter(None, (p.strip() for p in str(summary or "").split(";"))):
        body, _, coder = part.partition(" [")
        pieces = body.split(":")
        if len(pieces) != 3:
            out.append(part)
            continue
        issue, stance, severity = pieces
        who = f" ({coder.rstrip(']')})" if coder else ""
        out.append(f"{issue_labels.get(issue, label(issue))} — {label(stance)}, severity {severity}{who}")
    return "; ".join(out)


def coder_values_in_words(values: str) -> str:
    """'ana: not_a_problem; ben: problem' (each coder's stance) with the stances in words."""
    out = []
    for part in filter(None, (p.strip() for p in str(values or "").split(";"))):
        coder, sep, value = part.partition(": ")
        out.append(f"{coder}: {label(value)}" if sep else label(part))
    return "; ".join(out)


_MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+-.!|~$:"


def escape_markdown(text: str) -> str:
    """The one Markdown escaper: user text made inert for st.markdown (HTML escaped, Markdown punctuation
    backslash-escaped). Pages (through `ui.md_escape`) and the joint evidence share it."""
    out = html.escape(str(text), quote=False)
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in out)
