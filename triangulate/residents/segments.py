"""Turns → analysis segments: a few whole sentences, bounded in length, in speaking order.

A segment is the unit topics are fitted on and quotes are shown from. Whole sentences keep quotes
readable; the bounds keep one long answer from becoming one giant document (which would blur topics)
and stop "aye" from becoming a segment of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from triangulate.residents.nlp import ProcessedTurn

MAX_WORDS = 90  # above this a segment is closed at the next sentence end
MIN_WORDS = 25  # a short tail joins the segment before it
HARD_MAX_WORDS = 160  # one endless sentence (speech is often unpunctuated) is cut at this many words


@dataclass
class SegmentDraft:
    turn: int
    order: int
    speaker: str  # pseudonymised label
    role: str  # resident / facilitator
    text: str  # redacted
    start_s: float | None
    end_s: float | None
    lemmas: list[str] = field(default_factory=list)
    entities: list[list[str]] = field(default_factory=list)
    noun_chunks: list[str] = field(default_factory=list)
    # Where the segment came from: character offsets in its turn's ORIGINAL (unredacted) text, so a coded
    # selection from another tool (.qdpx) can be carried onto the segment. Pieces of one over-long sentence
    # share its range in proportion to their length.
    source_start: int = 0
    source_end: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())


def _groups(turn: ProcessedTurn) -> list[list[int]]:
    groups: list[list[int]] = []
    words = 0
    for i, sentence in enumerate(turn.sentences):
        if groups and words + sentence.words <= MAX_WORDS:
            groups[-1].append(i)
            words += sentence.words
        else:
            groups.append([i])
            words = sentence.words
    if len(groups) > 1:
        tail = sum(turn.sentences[i].words for i in groups[-1])
        before = sum(turn.sentences[i].words for i in groups[-2])
        if tail < MIN_WORDS and tail + before <= HARD_MAX_WORDS:
            groups[-2].extend(groups.pop())
    return groups


def _split_long(text: str) -> list[str]:
    words = text.split()
    if len(words) <= HARD_MAX_WORDS:
        return [text]
    size = MAX_WORDS
    return [" ".join(words[i:i + size]) for i in range(0, len(words), size)]


def build(turns: list[ProcessedTurn], roles: list[str], times: list[tuple[float | None, float | None]]
          ) -> list[SegmentDraft]:
    """Segments of every turn; `roles[i]` and `times[i]` belong to turn i. Timestamps are the turn's
    (cue-level times are not finer than that); the order runs across the whole transcript."""
    drafts: list[SegmentDraft] = []
    for index, turn in enumerate(turns):
        start_s, end_s = times[index]
        groups = _groups(turn) if turn.sentences else []
        if not groups:
            if turn.text.strip():
                drafts.append(SegmentDraft(index, len(drafts), turn.speaker, roles[index], turn.text, start_s, end_s,
                                           source_start=0, source_end=turn.original_len))
            continue
        for group in groups:
            first, last = turn.sentences[group[0]], turn.sentences[group[-1]]
            text = turn.redact_slice(first.start, last.end)
            if not text:
                continue
            lemmas = [lemma for i in group for lemma in turn.sentences[i].lemmas]
            entities = [e for i in group for e in turn.sentences[i].entities]
            chunks = [c for i in group for c in turn.sentences[i].noun_chunks]
            pieces = _split_long(text)
            total = sum(len(p) for p in pieces) or 1
            cursor = first.start
            for piece in pieces:
                width = round((last.end - first.start) * len(piece) / total)
                end = last.end if piece is pieces[-1] else cursor + width
                drafts.append(SegmentDraft(index, len(drafts), turn.speaker, roles[index], piece, start_s, end_s,
                                           lemmas, entities, chunks, source_start=cursor, source_end=end))
                cursor = end
    return drafts
