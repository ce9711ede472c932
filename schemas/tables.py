"""The one data model every strand shares (SQLModel tables).

Defined in an imported module, never in a page script: a Streamlit rerun would redefine them.
Any change here needs an Alembic migration (`triangulate/migrations/versions/`); a test compares the
migrated schema with these tables.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- places
class Ward(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=9)  # GSS S13…
    name: str = Field(index=True)
    council_code: str = Field(default="S12000049", max_length=9)
    council_name: str = "Glasgow City"
    booster: bool = False  # one of the programme's Booster Wards


class DataZone(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=9)  # S01…
    name: str
    iz_code: str = Field(index=True, max_length=9)  # S02…
    iz_name: str
    ward_code: str = Field(foreign_key="ward.code", index=True)
    # The DZ→ward lookup is a best-fit overlay, not an official lookup: keep how well it fits.
    fit_quality: str = "good"  # good / fair / uncertain
    overlap_share: float = 1.0
    second_ward_code: str | None = None
    population: int | None = None


class PlaceName(SQLModel, table=True):
    """A local name a researcher added to the gazetteer ("the Wine Alley" -> Govan's IZs). Audited."""
    __table_args__ = (UniqueConstraint("normalised"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    normalised: str = Field(index=True)  # places.normal(name): what resolution and mention matching compare
    iz_codes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # S02… codes
    kind: str = "local name"
    source: str = ""  # who says so: "researcher: resident focus group, May 2025"
    added_by: str = ""
    added_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- codebook
class Issue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    label: str
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    parent_id: int | None = Field(default=None, foreign_key="issue.id")
    keywords: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    guid: str = Field(unique=True)  # REFI-QDA code GUID, kept across export/import
    colour: str | None = None
    status: str = "active"  # active / retired (kept for history)
    merged_into_id: int | None = Field(default=None, foreign_key="issue.id")
    sort_order: int = 0


# --------------------------------------------------------------------------- numbers
class ImportBatch(SQLModel, table=True):
    """One accepted import file; its checksum makes a repeated import a no-op. Unique per kind, so two
    simultaneous imports of one file cannot both be stored: the second fails and sees the first."""

    __table_args__ = (UniqueConstraint("kind", "checksum", name="uq_importbatch_kind_checksum"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # indicators / insights / transcript / codebook
    filename: str
    checksum: str = Field(index=True)
    rows: int = 0
    imported_by: str
    imported_at: datetime = Field(default_factory=utcnow)
    report: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Indicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    title: str
    source: str  # the dataset, e.g. "SIMD 2020v2 indicators"
    publisher: str
    period: str  # the period label of the latest values, e.g. "2017–2019", "FYE 2022 (provisional)"
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    unit: str = "fraction"  # fraction / count / rate per 100,000 / ratio / minutes / rank / index
    polarity: str = "higher_worse"  # higher_worse / higher_better / neutral
    licence: str = "Open Government Licence v3.0"
    # How data-zone values become ward values: sum (counts), ratio (Σnumerator/Σdenominator),
    # population_weighted (weighted mean with denominator as weight), none (not aggregable, e.g. ranks).
    aggregation: str = "ratio"
    denominator_label: str | None = None
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class IndicatorIssue(SQLModel, table=True):
    indicator_id: int = Field(foreign_key="indicator.id", primary_key=True)
    issue_code: str = Field(primary_key=True)


class IndicatorValue(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("indicator_id", "area_code", "period", "breakdown"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    area_code: str = Field(index=True, max_length=9)  # S01 / S02 / S13 / S12 / S92
    area_level: str  # datazone / intermediate_zone / ward / council / country
    period: str
    breakdown: str = ""  # e.g. "age 0-4"; empty for all
    value: float | None = None  # None when suppressed
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id")


# --------------------------------------------------------------------------- people
class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str = ""
    role: str  # admin / lead / researcher / officer / viewer
    service: str = ""  # e.g. "Health visiting", "Housing"
    password_hash: str | None = None  # argon2; None for OIDC-only accounts
    oidc_subject: str | None = Field(default=None, unique=True)
    failed_attempts: int = 0
    locked_until: datetime | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(index=True)
    action: str = Field(index=True)  # sign-in, create, edit, delete, export, import, setting, …
    entity: str = ""
    entity_id: str = ""
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DataVersion(SQLModel, table=True):
    """One row: a number every committed write that can change an analysis moves on (`core.db`), so each
    process knows when what it has cached is out of date. It starts at a time-based number, so a database
    made afresh at the same address never repeats the numbers of the one it replaced."""

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # Moved on only by writes to the numbers' tables (indicators, values, areas, links to issues): the
    # numbers strand's ward values need not be worked out again when an officer records an insight.
    numbers_version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_by: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- practitioners
class Insight(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ward_code: str = Field(foreign_key="ward.code", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_name: str
    role_service: str
    observed_on: date
    text: str = Field(sa_column=Column(Text, nullable=False))
    evidence_type: str  # direct observation / caseload pattern / a family's story / partner report
    families: int | None = None  # how many families it concerns
    confidence: str = "medium"  # low / medium / high
    illustrative: bool = False  # fictional demo data, labelled wherever shown
    client_token: str | None = Field(default=None, unique=True)  # stops a double submit
    content_hash: str | None = Field(default=None, index=True)  # makes bulk import idempotent
    # The text's specific terms (`core.terms.encode`: one "stem<TAB>word" a line), kept with the text whenever
    # it is written; NULL for a row written outside the ORM, whose terms are then worked out when read.
    terms: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class InsightPlace(SQLModel, table=True):
    """Where below the ward an insight sits (placement rule: see CONTRACTS / triangulate.core.places)."""
    __table_args__ = (UniqueConstraint("insight_id", "iz_code"),)

    id: int | None = Field(default=None, primary_key=True)
    insight_id: int = Field(foreign_key="insight.id", index=True)
    iz_code: str = Field(index=True, max_length=9)  # S02…
    source: str = "form"  # form / import / suggested


class InsightRevision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    insight_id: int = Field(foreign_key="insight.id", index=True)
    edited_by: str
    edited_at: datetime = Field(default_factory=utcnow)
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class InsightCode(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("insight_id", "issue_id", "coder"),)

    id: int | None = Field(default=None, primary_key=True)
    insight_id: int = Field(foreign_key="insight.id", index=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    stance: str  # problem / not_a_problem / improving / worsening
    severity: int = 2  # 1–3
    coder: str  # username; "consensus" for a settled coding
    is_consensus: bool = False
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- residents
class Transcript(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ward_code: str = Field(foreign_key="ward.code", index=True)
    title: str
    held_on: date | None = None
    method: str = "interview"  # interview / focus group / drop-in
    consent_basis: str = ""
    facilitator: str = ""
    source_filename: str = ""
    source_format: str = ""
    checksum: str = Field(unique=True)
    word_count: int = 0
    redaction_report: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    illustrative: bool = False
    uploaded_by: str = ""
    uploaded_at: datetime = Field(default_factory=utcnow)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # memos, redacted


class Speaker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True)
    label: str  # as redacted, e.g. "[PERSON 2]" or "Interviewer"
    is_resident: bool = False


class Segment(SQLModel, table=True):
    # Covering indexes: counts are read from them without touching the rows, which hold the text.
    # ix_segment_counted: resident counts per ward (through the transcript), issue and source, which every
    # matrix needs; it serves lookups by transcript too. ix_segment_city_counts: the city's counts per issue
    # for one ward's matrix, in index order (no sort); it serves lookups by issue too. speaker_role comes last
    # in it, or SQLite's planner (which has no statistics) takes it for every query filtering on the role.
    __table_args__ = (Index("ix_segment_counted", "transcript_id", "speaker_role", "issue_id", "issue_source"),
                      Index("ix_segment_city_counts", "issue_id", "issue_source", "speaker_role"))
    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id")
    speaker_id: int | None = Field(default=None, foreign_key="speaker.id")
    speaker_role: str = "resident"  # resident / facilitator
    order: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))  # redacted text only
    text_hash: str = Field(index=True)
    start_s: float | None = None
    end_s: float | None = None
    lemmas: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    entities: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    noun_chunks: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The text's specific terms and named places/services (`core.terms.encode`), kept with the text and
    # entities whenever they are written; NULL when written outside the ORM (worked out when read).
    terms: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The issue the joint display reads: from the topic mapping, by similarity, or set by hand.
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    issue_source: str = ""  # manual / model / topic / none / "" (not analysed): see CONTRACTS


class TranscriptPlace(SQLModel, table=True):
    """Where a conversation was held or where its participants live (the metadata form)."""
    __table_args__ = (UniqueConstraint("transcript_id", "iz_code", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True)
    iz_code: str = Field(index=True, max_length=9)
    role: str = "held"  # held / lives


class SegmentPlace(SQLModel, table=True):
    """A segment's place: copied from its transcript (source="transcript") or a place its (redacted) text
    mentions (source="mention", with the words as written)."""
    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    iz_code: str = Field(index=True, max_length=9)
    source: str = "mention"  # mention / transcript
    mention: str = ""


class SegmentCode(SQLModel, table=True):
    """A person's code on a resident segment (or a span of it): one row per issue, or one row with issue_id
    NULL for `none` (about no issue). Several coders are kept side by side; coder "consensus" is a settled
    coding. `Segment.issue_id/issue_source` holds the one effective issue derived from these rows."""

    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    coder: str = Field(index=True)  # username; "consensus" for a settled coding
    source: str = "manual"  # manual (viewer, bulk, CSV) / check (a blind machine check) / consensus
    span_start: int | None = None  # character offsets in the stored (redacted) text; None = whole segment
    span_end: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class MachineCheck(SQLModel, table=True):
    """One "check the machine" round: a blind stratified sample a researcher codes; results kept as history."""

    id: int | None = Field(default=None, primary_key=True)
    started_by: str
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = "open"  # open / finished
    seed: int = 0
    ward_codes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [] = every ward
    strata: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # machine issue -> segments
    model_id: int | None = None  # the topic model current when the sample was drawn (no FK: models are pruned)
    results: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # figures at finish


class MachineCheckItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(foreign_key="machinecheck.id", index=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    position: int = 0  # order shown to the coder
    stratum: str  # the machine's issue code when sampled, or "none"
    machine_issue_id: int | None = Field(default=None, foreign_key="issue.id")
    machine_source: str = ""
    human_issue_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [] + coded = none
    coded_at: datetime | None = None


class RawUpload(SQLModel, table=True):
    """The unredacted upload, kept only when the project turns retention on; deleted after N days."""

    id: int | None = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True)
    filename: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_at: datetime = Field(default_factory=utcnow)


class Embedding(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("text_hash", "model"),)

    id: int | None = Field(default=None, primary_key=True)
    text_hash: str = Field(index=True)
    model: str
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float32, little-endian


class TopicModel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    method: str  # bertopic / similarity
    fitted_at: datetime = Field(default_factory=utcnow)
    fitted_by: str = ""
    settings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    versions: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    path: str = ""  # serialised model folder, under the data folder
    n_segments: int = 0
    is_current: bool = True
    stale: bool = False  # a transcript it used was deleted or added since


class Topic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="topicmodel.id", index=True)
    number: int  # BERTopic's topic id; -1 outliers
    label: str
    keywords: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    size: int = 0
    quotes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # segment ids


class SegmentTopic(SQLModel, table=True):
    segment_id: int = Field(foreign_key="segment.id", primary_key=True)
    model_id: int = Field(foreign_key="topicmodel.id", primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    probability: float | None = None


class TopicIssue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    issue_id: int = Field(foreign_key="issue.id")
    confidence: float = 0.0
    status: str = "suggested"  # suggested / confirmed
    decided_by: str = ""


# --------------------------------------------------------------------------- workshop outputs
class Hypothesis(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ward_code: str = Field(foreign_key="ward.code", index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    statement: str = Field(sa_column=Column(Text, nullable=False))  # "What if …"
    test_of_change: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    owner: str = ""
    status: str = "proposed"  # proposed / testing / supported / not supported / dropped
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DataNeed(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ward_code: str = Field(foreign_key="ward.code", index=True)
    issue_id: int = Field(foreign_key="issue.id")
    strand: str  # numbers / practitioners / residents
    description: str = Field(sa_column=Column(Text, nullable=False))
    # an area below the ward ("" = the whole ward): an IZ code, or a neighbourhood's name; area_name for people
    area_code: str = ""
    area_name: str = ""
    owner: str = ""
    status: str = "proposed"  # proposed / accepted / in progress / met / dropped
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WorkshopNote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ward_code: str = Field(foreign_key="ward.code", index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    author: str
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- long work (triangulate/jobs)
class Job(SQLModel, table=True):
    """Long work done by a worker process instead of inside a page: the analysis, a large upload's redaction
    and save, a report. Progress lives here, so any page (and any server replica) shows it after a reload.
    At most one job of a kind runs at a time: the partial unique index refuses a second running row."""

    __table_args__ = (Index("uq_job_one_running_per_kind", "kind", unique=True,
                            sqlite_where=text("status = 'running'"), postgresql_where=text("status = 'running'")),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # analysis / transcript / report
    status: str = Field(default="queued", index=True)  # queued / running / done / failed / cancelled
    queued_by: str = Field(index=True)  # username; the job runs as this account, re-read when it starts
    title: str = ""  # what the status line says ("Analysis of the resident segments", "Report for Govan")
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # An upload's raw bytes, only while the job waits or runs: cleared when it ends, however it ends.
    payload: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    progress: float = 0.0  # 0–1
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    result: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    output: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # e.g. a report's files
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    time_limit_s: int = 3600
    cancel_requested: bool = False
    cancelled_by: str = ""
    worker: str = ""  # host:pid of the worker that claimed it
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None


class JobWorker(SQLModel, table=True):
    """A running worker says it is alive here, so a page can tell a waiting job from one nobody will run."""

    name: str = Field(primary_key=True)  # host:pid
    started_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime = Field(default_factory=utcnow, index=True)
    kinds: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
