"""Which issue a piece of text is about — or none: pure functions from vectors to issue codes.

Every class (each active issue, leaf or parent, plus `None` for off-topic) gets a score per text; a text
gets the class that ranks first. The rules, all by rank and margin (real residents' speech sits at cosine
0.1–0.3 to any issue definition, so absolute cut-offs reject most of it):

1. **Off-topic by rule** (`offtopic_reason`): no content word at all (backchannels, fillers: "Yeah.",
   "Uh huh."), at most `SHORT_WORDS` words with no codebook keyword ("And box 4,"), an interviewer-style
   prompt (a question to "you" that opens like a prompt: "Can you tell me…?", "Is there anything else…?",
   or nothing but a short question about the listener and not the speaker: "How long have you lived in the
   area?"; a resident asking for information — "Do you know how long the list is?" — is not one), or the
   running of the session (consent, recording, "next question") with no codebook keyword in it.
2. **Codebook score** (zero-shot): cosine to the issue's label + definition, blended with the cosine to its
   closest keywords, each keyword embedded on its own (`DEFINITION_WEIGHT`). The off-topic class has the
   same kind of score against written examples of small talk, logistics and prompts
   (`data/offtopic_prototypes.txt`).
3. **Examples** (people's codes): a class with n coded examples scores
   λ·(cosine to its examples' centroid) + (1 − λ)·(codebook score), λ = n / (n + `PRIOR_WEIGHT`), so an
   issue with a few examples leans on the codebook and one with many on its examples. Off-topic examples
   (segments coded `none`) teach the off-topic class the same way.
4. **Decision**: the top class wins; an issue must beat the off-topic class by `NONE_MARGIN` or the text is
   off-topic. A parent issue is assigned when it ranks first, or when its children split the text between
   them (two siblings ranked first and second within `PARENT_MARGIN`) — "children don't fit".

With examples the final score blends a logistic regression on the sentence vectors (examples + the codebook's
vectors) with the similarity scores above, the regression weighing n / (n + `PRIOR_WEIGHT`) for n coded examples
per issue on average (`Assigner.classifier_weight`); with 10 examples per issue it beat the similarity scores
alone by ≈ +0.03 macro-F1 on the dev split, and weighing it ≈ 0.7 rather than 0.5 added ≈ +0.02 on dev and on the
swapped fold (dev's examples teaching, the examples pool tested). A fixed 0.7 made a few codes worse than none
(dev macro-F1 with 1, 2, 3 codes per issue 0.59, 0.64, 0.68 against 0.68 zero-shot; off-topic precision 0.51 with
one code per issue); weighing by n gives 0.71, 0.73, 0.74 (off-topic precision 0.84) and 0.81 with 10.
Measured on dev and not kept: training the regression on each example's sentences as well (−0.03 to −0.05), the
codebook scores as extra features (no gain), other regularisation, temperatures and prior weights (within ±0.01).
SetFit was not used: it fine-tunes the encoder, so every new code would re-embed every segment (≈ 10 s per
1,000 segments on 2 idle cores, 95–110 s on the shared bench machine), far over the 10 s budget for
re-analysing 5,000 segments, and the embedding cache would be lost. Measured (setfit 1.2.0, 10 examples per
issue, default 20 pair iterations): 25 min to train on the shared machine, and dev macro-F1 0.65 with off-topic
recall 0.68, below this method.
Compared by speaker-grouped folds of dev and by the swapped fold (bench/assignment_cv.py), none of these beat
this method on both by more than 0.01 (folds spread by 0.08) and none was kept: a TF-IDF word + character n-gram
regression blended in (+0.002 on the folds, +0.003 swapped, off-topic precision −0.04), the regression alone,
one-vs-rest class-balanced regressions, k nearest examples, a contrastively trained linear projection of the
vectors (SetFit's idea on frozen vectors: −0.02 to −0.10 on dev), scoring each sentence and pooling the maximum
(−0.01 to −0.03) or averaging sentence vectors into the text's (−0.02 on dev), centring the vectors (no gain),
and self-training on the corpus's most confident segments (−0.03 to −0.04).
Figures: bench/bench_assignment.py.

Deterministic: numpy and lbfgs only, classes in codebook order, ties broken by that order.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from triangulate.core import embeddings
from triangulate.core.config import PACKAGE_DATA

DEFINITION_WEIGHT = 0.5   # codebook score = w·cos(definition) + (1 − w)·mean of the top keyword cosines
TOP_KEYWORDS = 2          # how many of an issue's closest keywords count
PRIOR_WEIGHT = 4.0        # the codebook counts as this many examples of each class
NONE_MARGIN = -0.02       # an issue must outscore off-topic by this much (negative: the benefit of the doubt)
PARENT_MARGIN = 0.0        # two siblings this close at the top → their parent (0: off; it cost F1 on dev)
SHORT_WORDS = 3           # this short and no codebook keyword → off-topic
KEYWORD_BOOST = 0.06      # added per codebook keyword found in the text as written…
MAX_BOOST = 0.06          # …up to this much
LENGTH_WEIGHT = 0.15      # off-topic loses up to this much as a text's content words grow to LENGTH_WORDS…
LENGTH_WORDS = 10         # …(talk about nothing is short: fillers, thanks, logistics)
EXAMPLE_MODE = "nearest"  # a class's examples score by their centroid ("centroid") or closest few ("nearest")
NEAREST_EXAMPLES = 3
NONE_UNION = True         # off-topic examples add to the written prototypes (max) rather than replace them
PROTOTYPE_WEIGHT = 0.2    # the codebook's vectors train the regression too, each weighing this much
REGULARISATION_C = 16.0
TEMPERATURE = 20.0
MAX_INSIGHTS_PER_ISSUE = 200  # officers' coded insights the machine learns from, per issue: the newest
OFF_TOPIC = None

OFFTOPIC_FILE = PACKAGE_DATA / "offtopic_prototypes.txt"

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words that carry no topic in conversation: English stop words plus spoken fillers and backchannels.
_FILLERS = frozenset([
    "aye", "naw", "nah", "yeah", "yeh", "yep", "yup", "yes", "no", "och", "oh", "ah", "ahh", "aw", "eh", "er",
    "erm", "em", "um", "uh", "uhm", "hm", "hmm", "mm", "mhm", "mmm", "huh", "ha", "haha", "lol", "ok", "okay",
    "right", "alright", "sure", "exactly", "true", "totally", "definitely", "absolutely", "really", "well", "so",
    "like", "just", "know", "mean", "think", "thing", "things", "stuff", "kind", "sort", "lot", "bit", "say",
    "said", "says", "tell", "told", "go", "going", "gonna", "wanna", "gotta", "got", "get", "yeah", "ken",
    "cannae", "dinnae", "didnae", "wasnae", "isnae", "wouldnae", "couldnae", "disnae", "aye", "wee", "sorry",
    "thanks", "thank", "cheers", "please", "hello", "hi", "hiya", "bye", "pardon", "honestly", "actually",
    "basically", "literally", "anyway", "anyways", "guess", "suppose", "maybe", "probably", "stuff", "im", "ive",
    "youre", "thats", "dont", "cant", "didnt", "wasnt", "isnt", "doesnt", "wont", "id", "ill", "youve", "weve",
    "theyre", "theres", "whats", "hes", "shes", "lets", "yous", "ye", "ya", "don", "didn", "doesn", "isn", "wasn",
    "aren", "weren", "haven", "hasn", "hadn", "couldn", "wouldn", "shouldn", "won", "ain"])
_PROMPT_OPENERS = re.compile(
    r"^(?:and |so |okay,? |right,? |ok,? )?(?:can|could|would|will) you (?:tell|describe|say|talk|explain|give|"
    r"expand|think of|walk)|^(?:and |so )?tell (?:me|us)|^(?:and |so )?(?:what|how) (?:do|did|would|does) "
    r"(?:you|that make you) (?:think|feel|find|say|mean)|^(?:is|was) there anything (?:else)?|"
    r"^(?:and |so )?what about (?:you|yourself)|^(?:and |so )?how about you|^anything else|"
    r"^(?:do|would) you (?:want|like) to (?:add|say)|^(?:and )?(?:why|how) (?:is|was) that\??$")

QUESTION_WORDS = 15       # a question this short about "you" and not "I" is an interviewer's prompt
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|us|our|ours)\b")
# A resident asking for information ("Do you know how long the waiting list is?") is not a prompt.
_ASKING_FOR_INFORMATION = re.compile(
    r"^(?:and |so |but )?(?:(?:do|does|would) (?:you|anyone|anybody) know|any idea|is there|are there|"
    r"where (?:do|can|could|would|should)|who (?:do|can|could|should|would)|when (?:do|does|will|can))\b")
# The running of a research session: consent, recording, the interview's own sections. Off-topic when the
# text has none of the codebook's words (a resident saying "it's confidential at the food bank" keeps hers).
_PROCEDURE = re.compile(
    r"\b(?:recording|recorder|record (?:this|it|the conversation)|consent|information sheet|take part|"
    r"for the tape|next question|last question|next section|last section|this section|anonymous|"
    r"confidential|withdraw (?:later|from|at any)|pull out at any)\b")


STOP_WORDS_FILE = PACKAGE_DATA / "english_stop_words.txt"  # scikit-learn's list, copied: no sklearn import


def _stop_words() -> frozenset[str]:
    lines = STOP_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#")) | _FILLERS


STOP = _stop_words()


def words(text: str) -> list[str]:
    return _WORD.findall((text or "").lower().replace("’", "'"))


def _fold(word: str) -> str:
    """A crude singular: buses → bus, bills → bill, nappies → nappy (enough to match codebook keywords)."""
    word = word.split("'")[0]
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def content_words(text: str) -> list[str]:
    """The words that could carry a topic (placeholders such as [PERSON 1] and numbers do not)."""
    text = re.sub(r"\[[A-Z ]+\d*\]", " ", text or "")
    return [w for w in words(text) if w.split("'")[0] not in STOP and not w.isdigit() and len(w) > 1]


def keyword_vocabulary(keyword_lists) -> frozenset[str]:
    """Folded single words of every keyword (multi-word keywords give each of their content words)."""
    out = set()
    for keywords in keyword_lists:
        for keyword in keywords or []:
            out.update(_fold(w) for w in content_words(str(keyword)))
    return frozenset(out)


def offtopic_reason(text: str, vocabulary: frozenset[str] = frozenset()) -> str | None:
    """Why a text is off-topic whatever its vector says, or None. `vocabulary`: the codebook's keywords."""
    content = content_words(text)
    if not content:
        return "filler"
    n_words = len(words(text))
    if n_words <= SHORT_WORDS and not any(_fold(w) in vocabulary for w in content):
        return "short"
    stripped = (text or "").strip().lower().replace("’", "'")
    second_person = re.search(r"\byou\b|\byour\b|\byourself\b", stripped)
    if stripped.endswith("?") and second_person and len(stripped.split()) <= 30 and _PROMPT_OPENERS.search(stripped):
        return "prompt"
    if _is_listener_question(stripped) and second_person:
        return "prompt"
    if _PROCEDURE.search(stripped) and not any(_fold(w) in vocabulary for w in content):
        return "procedure"
    return None


def _is_listener_question(stripped: str) -> bool:
    """Only questions, short, about the listener and not the speaker ("How long have you lived in the area?"):
    what an interviewer asks. A resident's own question comes with their story (I, my, me) around it."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", stripped) if s.strip()]
    return bool(sentences) and all(s.endswith("?") for s in sentences) and \
        len(stripped.split()) <= QUESTION_WORDS and not _FIRST_PERSON.search(stripped) and \
        not _ASKING_FOR_INFORMATION.search(stripped)


@lru_cache(maxsize=1)
def offtopic_prototypes() -> tuple[str, ...]:
    lines = OFFTOPIC_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# --------------------------------------------------------------------------- the classes
@dataclass(frozen=True)
class IssueVectors:
    """What the codebook says about one issue, as vectors: its label + definition, and each keyword."""

    code: str
    parent: str | None
    definition: np.ndarray            # (d,)
    keywords: np.ndarray              # (k, d); k may be 0
    keyword_texts: tuple[str, ...] = ()


def issue_texts(label: str, definition: str, keywords) -> list[str]:
    """The texts to embed for an issue: label + definition first, then each keyword alone."""
    return [f"{label}. {definition}".strip()] + [str(k) for k in (keywords or []) if str(k).strip()]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Decision:
    issue_code: str | None   # None = off-topic
    score: float             # the winning class's score
    margin: float            # its lead over the runner-up class (off-topic included)
    reason: str = ""         # rule / model / parent

    def __iter__(self):  # unpacks as (issue_code, score, margin), the contract's triple
        return iter((self.issue_code, self.score, self.margin))


@dataclass
class Assigner:
    """Scores every class for a batch of vectors; `classes[i]` is an issue code or None (off-topic)."""

    classes: list[str | None]
    parents: dict[str, str | None]
    vocabulary: frozenset[str]
    _definition: np.ndarray            # (C, d) issues only
    _keywords: list[np.ndarray]        # per issue (k, d)
    _none_protos: np.ndarray           # (m, d)
    _pattern: re.Pattern | None = None  # every keyword, whole words, longest first
    _keyword_classes: dict = field(default_factory=dict)  # keyword (lower case) → class indices
    _centroids: dict[int, tuple[np.ndarray, int]] = field(default_factory=dict)  # class index → (unit, n)
    _examples: dict[int, np.ndarray] = field(default_factory=dict)  # class index → its examples (unit rows)
    _classifier: object = None  # a Regression (or sklearn's, for two classes) once examples of 2+ classes exist
    settings: dict = field(default_factory=dict)
    embedder: str | None = None  # the model (key of embeddings.MODELS) of every vector above: texts to score need it

    # -- scores
    def codebook_scores(self, vectors: np.ndarray) -> np.ndarray:
        x = _unit_rows(vectors)
        w = self.settings.get("definition_weight", DEFINITION_WEIGHT)
        top = self.settings.get("top_keywords", TOP_KEYWORDS)
        out = np.empty((len(x), len(self.classes)), dtype=np.float32)
        definition = x @ self._definition.T
        # One matrix product for every keyword of every issue (many small ones thrash BLAS threads on a
        # busy machine), then a slice per issue.
        kw_all = np.vstack([kw for kw in self._keywords if len(kw)] or [np.zeros((0, x.shape[1]), np.float32)])
        all_sims = x @ kw_all.T
        start = 0
        for c, kw in enumerate(self._keywords):
            if len(kw):
                sims = all_sims[:, start:start + len(kw)]
                start += len(kw)
                k = min(top, sims.shape[1])
                best = -np.sort(-sims, axis=1)[:, :k].mean(axis=1)
                out[:, c] = w * definition[:, c] + (1 - w) * best
            else:
                out[:, c] = definition[:, c]
        none_sims = x @ self._none_protos.T
        k = min(top + 1, none_sims.shape[1])
        out[:, -1] = -np.sort(-none_sims, axis=1)[:, :k].mean(axis=1)
        return out

    def scores(self, vectors: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """(n, classes). Without examples: the similarity scores. With examples: a probability-like blend of
        a logistic regression on the sentence vectors (examples + codebook vectors) and the similarity
        scores (softmax), which measured better on the dev split than either alone."""
        similarity = self.similarity_scores(vectors, texts)
        if self._classifier is None:
            return similarity
        x = _unit_rows(vectors)
        probabilities = np.zeros_like(similarity)
        probabilities[:, self._classifier.classes_] = self._classifier.predict_proba(x)
        t = self.settings.get("temperature", TEMPERATURE)
        soft = np.exp((similarity - similarity.max(axis=1, keepdims=True)) * t)
        soft /= soft.sum(axis=1, keepdims=True)
        w = self.classifier_weight()
        return (w * probabilities + (1 - w) * soft).astype(np.float32)

    def classifier_weight(self) -> float:
        """How much the regression counts against the similarity scores: n / (n + PRIOR_WEIGHT), n = coded
        examples per issue on average, so a handful of codes leans on the codebook (with 1–3 codes per issue
        a fixed 0.7 fell below zero-shot on dev) and 10 per issue gives ≈ 0.7, the weight measured best there."""
        if self.settings.get("classifier_weight") is not None:
            return float(self.settings["classifier_weight"])
        n_issues = len(self.classes) - 1
        per_issue = sum(n for c, (_, n) in self._centroids.items() if self.classes[c] is not None) / max(n_issues, 1)
        return per_issue / (per_issue + self.settings.get("prior_weight", PRIOR_WEIGHT))

    def similarity_scores(self, vectors: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """(n, classes): codebook scores blended with each class's examples by how many it has, plus a
        small boost per codebook keyword the text contains (when `texts` are given)."""
        x = _unit_rows(vectors)
        out = self.codebook_scores(x)
        prior = self.settings.get("prior_weight", PRIOR_WEIGHT)
        mode = self.settings.get("example_mode", EXAMPLE_MODE)
        nearest = self.settings.get("nearest_examples", NEAREST_EXAMPLES)
        order = list(self._examples)
        example_sims = x @ np.vstack([self._examples[c] for c in order]).T if order else None
        offsets = dict(zip(order, np.cumsum([0] + [len(self._examples[c]) for c in order[:-1]])))
        for c, (centroid, n) in self._centroids.items():
            lam = n / (n + prior)
            if mode == "centroid":
                taught = x @ centroid
            else:  # the mean of the closest few examples: a class can hold several kinds of talk
                sims = example_sims[:, offsets[c]:offsets[c] + len(self._examples[c])]
                k = min(nearest, sims.shape[1])
                taught = -np.sort(-sims, axis=1)[:, :k].mean(axis=1)
            if self.classes[c] is None and self.settings.get("none_union", NONE_UNION):
                out[:, c] = np.maximum(out[:, c], taught)  # talk about nothing comes in many kinds
            else:
                out[:, c] = lam * taught + (1 - lam) * out[:, c]
        if texts is not None:
            out[:, :-1] += self.keyword_boosts(texts)
            cap = self.settings.get("length_words", LENGTH_WORDS)
            lengths = np.array([min(len(content_words(t)), cap) / cap for t in texts], dtype=np.float32)
            out[:, -1] -= self.settings.get("length_weight", LENGTH_WEIGHT) * lengths
        return out

    def keyword_boosts(self, texts: list[str]) -> np.ndarray:
        """Per (text, issue): KEYWORD_BOOST for each distinct keyword of the issue in the text, capped."""
        boost = self.settings.get("keyword_boost", KEYWORD_BOOST)
        cap = self.settings.get("max_boost", MAX_BOOST)
        out = np.zeros((len(texts), len(self.classes) - 1), dtype=np.float32)
        if not boost or self._pattern is None:
            return out
        for r, text in enumerate(texts):
            found = {m.group(1) for m in self._pattern.finditer((text or "").lower().replace("’", "'"))}
            for keyword in found:
                out[r, self._keyword_classes[keyword]] += boost
        return np.minimum(out, cap)

    # -- decisions
    def predict(self, vectors: np.ndarray, texts: list[str] | None = None) -> list[Decision]:
        """One decision per vector; `texts` (same order) lets the off-topic rules run."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(vectors) == 0:
            return []
        scores = self.scores(vectors, texts)
        none_margin = self.settings.get("none_margin", NONE_MARGIN)
        parent_margin = self.settings.get("parent_margin", PARENT_MARGIN)
        out = []
        index_of = {c: i for i, c in enumerate(self.classes)}
        for row_index, row in enumerate(scores):
            reason = offtopic_reason(texts[row_index], self.vocabulary) if texts is not None else None
            if reason:
                out.append(Decision(None, 1.0, 1.0, f"rule:{reason}"))
                continue
            order = np.argsort(-row, kind="stable")
            first, second = int(order[0]), int(order[1])
            best_issue = first if self.classes[first] is not None else second
            issue_score, none_score = float(row[best_issue]), float(row[-1])
            if issue_score - none_score < (none_margin if self._classifier is None else 0.0):
                out.append(Decision(None, none_score, none_score - issue_score, "model"))
                continue
            code = self.classes[best_issue]
            ranked_issues = [int(i) for i in order if self.classes[int(i)] is not None]
            runner = ranked_issues[1]
            margin = issue_score - max(float(row[runner]), none_score)
            parent = self.parents.get(code)
            runner_code = self.classes[runner]
            if parent and self.parents.get(runner_code) == parent and \
                    issue_score - float(row[runner]) < parent_margin and parent in index_of:
                out.append(Decision(parent, float(row[index_of[parent]]), margin, "parent"))
                continue
            out.append(Decision(code, issue_score, margin, "model"))
        return out

    def top_k(self, vectors: np.ndarray, k: int = 3, include_none: bool = False,
              texts: list[str] | None = None) -> list[list[tuple[str, float]]]:
        """The k best issues per vector with their scores, best first (what officers see)."""
        scores = self.scores(np.asarray(vectors, dtype=np.float32), texts)
        out = []
        for row in scores:
            order = [int(i) for i in np.argsort(-row, kind="stable")
                     if include_none or self.classes[int(i)] is not None]
            out.append([(self.classes[i], round(float(row[i]), 4)) for i in order[:k]])
        return out

    def n_examples(self) -> dict[str | None, int]:
        return {self.classes[c]: n for c, (_, n) in self._centroids.items()}


def _keyword_pattern(keywords) -> re.Pattern | None:
    """Whole-word matches of keywords (lower case; a trailing s allowed: bus/buses); group 1 = the keyword."""
    keywords = sorted(set(keywords), key=lambda k: (-len(k), k))
    if not keywords:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in keywords) + r")(?:e?s)?(?![\w-])")


def fit(example_vectors, example_labels, issues: list[IssueVectors], offtopic_vectors: np.ndarray, *,
        settings: dict | None = None) -> Assigner:
    """An Assigner for `issues` (codebook order), taught by examples labelled with issue codes or None.

    Examples whose label is not an active issue are ignored (a retired issue's codes stop teaching).
    `offtopic_vectors`: the vectors of `offtopic_prototypes()`.
    """
    if not issues:
        raise ValueError("An assigner needs at least one issue.")
    classes: list[str | None] = [i.code for i in issues] + [OFF_TOPIC]
    index = {c: k for k, c in enumerate(classes)}
    assigner = Assigner(
        classes=classes, parents={i.code: i.parent for i in issues},
        vocabulary=keyword_vocabulary([list(i.keyword_texts) for i in issues]),
        _definition=_unit_rows(np.vstack([i.definition for i in issues])),
        _keywords=[_unit_rows(i.keywords) if len(i.keywords) else np.zeros((0, len(i.definition)), np.float32)
                   for i in issues],
        _none_protos=_unit_rows(offtopic_vectors),
        settings=dict(settings or {}))
    for c, issue in enumerate(issues):
        for keyword in issue.keyword_texts:
            key = keyword.lower().strip()
            if key:
                assigner._keyword_classes.setdefault(key, [])
                if c not in assigner._keyword_classes[key]:
                    assigner._keyword_classes[key].append(c)
    assigner._pattern = _keyword_pattern(list(assigner._keyword_classes))
    example_vectors = np.asarray(example_vectors, dtype=np.float32)
    labels = list(example_labels)
    if len(labels) != len(example_vectors):
        raise ValueError("One label per example vector.")
    if labels:
        x = _unit_rows(example_vectors)
        for label in dict.fromkeys(labels):
            if label not in index:
                continue
            rows = [k for k, given in enumerate(labels) if given == label]
            centroid = _unit_rows(x[rows].sum(axis=0))[0]
            assigner._centroids[index[label]] = (centroid, len(rows))
            assigner._examples[index[label]] = x[rows]
        if len(assigner._examples) >= 2 and assigner.settings.get("classifier_weight", 1.0) > 0:
            assigner._classifier = _classifier(x, [index.get(given, -1) for given in labels], assigner)
    return assigner


@dataclass(frozen=True)
class Regression:
    """A fitted multinomial logistic regression: its coefficients, and `predict_proba` by the very operations
    scikit-learn's performs (X·coefᵀ + intercept, then its softmax), so the same numbers without importing it
    (tests/test_assignment.py checks they are identical). `key` names the training set it was fitted on."""

    key: str
    coef_: np.ndarray
    intercept_: np.ndarray
    classes_: np.ndarray

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        scores = np.asarray(x) @ self.coef_.T + self.intercept_
        scores -= np.reshape(np.max(scores, axis=1), (-1, 1))
        np.exp(scores, out=scores)
        scores /= np.reshape(np.sum(scores, axis=1), (-1, 1))
        return scores


# Regressions fitted on training sets made only of texts shipped with Triangulate (the demo's fictional insights,
# the default codebook, the off-topic prototypes), by training-set key: a cache like the shipped embeddings, so
# `init --demo` (and the first analysis and suggestion on the demo) neither import scikit-learn nor fit. Any other
# training set, or another scikit-learn version, has another key and is fitted as usual. Built by
# scripts/build_demo_embeddings.py. Nothing fitted on people's data is ever written to disk.
SHIPPED_REGRESSIONS: tuple = tuple(embeddings.shipped_demo_file("regression", name)
                                   for name, _ in embeddings.MODELS.values())
MAX_ITER = 2000


def regression_key(rows: np.ndarray, targets: np.ndarray, weights: np.ndarray, c: float) -> str:
    """What a fit depends on: the training rows, classes and weights, C, the iteration cap, scikit-learn's version."""
    import importlib.metadata as md
    import json

    digest = hashlib.sha256()
    for part in (np.ascontiguousarray(rows), np.ascontiguousarray(targets), np.ascontiguousarray(weights)):
        digest.update(f"{part.dtype.str}{part.shape}".encode())
        digest.update(part.tobytes())
    digest.update(json.dumps([float(c), MAX_ITER, md.version("scikit-learn")]).encode())
    return digest.hexdigest()


def write_regression(path, regression: Regression) -> None:
    np.savez_compressed(path, key=np.array(regression.key), coef=regression.coef_,
                        intercept=regression.intercept_, classes=regression.classes_)


@lru_cache(maxsize=4)
def _read_regression(path: str, stamp: int) -> Regression | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return Regression(str(data["key"]), data["coef"], data["intercept"], data["classes"])
    except (OSError, KeyError, ValueError, EOFError):
        return None  # a cache is never worth an error


def _shipped_regression(key: str) -> Regression | None:
    for path in SHIPPED_REGRESSIONS:
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            continue
        found = _read_regression(str(path), stamp)
        if found is not None and found.key == key:
            return found
    return None


def _classifier(x: np.ndarray, label_indices: list[int], assigner: Assigner):
    """Logistic regression on the examples plus the codebook's own vectors (definitions, keywords, off-topic
    prototypes) at PROTOTYPE_WEIGHT each, so issues with few or no examples still have a voice."""
    rows, targets, weights = training_set(x, label_indices, assigner,
                                          assigner.settings.get("prototype_weight", PROTOTYPE_WEIGHT))
    c = assigner.settings.get("regularisation_c", REGULARISATION_C)
    key = regression_key(rows, targets, weights, c)
    shipped = _shipped_regression(key)
    if shipped is not None:
        return shipped
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    model = LogisticRegression(C=c, max_iter=MAX_ITER)
    # One BLAS/OpenMP thread: the same coefficients, and on a busy 2-core machine 0.3 s instead of 2–3 s (the
    # second thread spin-waits for a core for each of the solver's small matrix products: init --demo).
    with threadpool_limits(limits=1):
        model.fit(rows, targets, sample_weight=weights)
    if len(model.classes_) <= 2:
        return model  # binary: scikit-learn's own formula (one logit), kept as it is
    return Regression(key, model.coef_, model.intercept_, model.classes_)


def training_set(x: np.ndarray, label_indices: list[int], assigner: Assigner,
                 prototype_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The regression's rows, class indices and weights: the examples with a class (index ≥ 0) at weight 1, then
    each issue's definition and keyword vectors and the off-topic prototypes at `prototype_weight`."""
    keep = [k for k, c in enumerate(label_indices) if c >= 0]
    rows, targets, weights = [x[keep]], [np.array([label_indices[k] for k in keep])], [np.ones(len(keep))]
    for c in range(len(assigner.classes) - 1):
        protos = np.vstack([assigner._definition[c:c + 1], assigner._keywords[c]])
        rows.append(protos)
        targets.append(np.full(len(protos), c))
        weights.append(np.full(len(protos), prototype_weight))
    rows.append(assigner._none_protos)
    targets.append(np.full(len(assigner._none_protos), len(assigner.classes) - 1))
    weights.append(np.full(len(assigner._none_protos), prototype_weight))
    return np.vstack(rows), np.concatenate(targets), np.concatenate(weights)


# --------------------------------------------------------------------------- from the database
@dataclass(frozen=True)
class Example:
    text: str
    issue_code: str | None  # None: a person said "about nothing"
    source: str             # segment / insight / topic


def examples(session) -> list[Example]:
    """Everything people coded that the machine learns from, in a stable order:

    people's segment codes (`coding.manual_codes`: each segment's consensus, `none` included), officers'
    coded insights (each InsightCode → the insight's
    text) and confirmed topic mappings (the topic's representative quotes; split topics are left out,
    their quotes may belong to either side)."""
    from sqlmodel import func, select

    from schemas import Insight, InsightCode, Issue, Segment, Topic, TopicIssue, TopicModel
    from triangulate.residents import coding

    code_of = dict(session.exec(select(Issue.id, Issue.code)).all())
    out: dict[tuple, Example] = {}
    # People's codes as their consensus: a disputed segment teaches nothing until it is settled, and a
    # settled coding replaces the codes it overruled.
    coded = coding.manual_codes(session)
    ids = sorted({seg_id for seg_id, _ in coded})
    texts: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        texts.update(session.exec(select(Segment.id, Segment.text).where(Segment.id.in_(ids[start:start + 500]))).all())
    for seg_id, code in coded:
        out[("segment", seg_id, code)] = Example(texts[seg_id], code, "segment")
    # Officers' newest insights per issue: they teach an issue's words long before this many, and a city's
    # years of coded insights (50,000 at 10× the demo's scale) would cost minutes to embed and fit after each
    # new code.
    pairs = select(InsightCode.insight_id, InsightCode.issue_id).distinct().subquery()  # several coders: once
    newest = select(pairs.c.insight_id, pairs.c.issue_id, func.row_number().over(
        partition_by=pairs.c.issue_id, order_by=pairs.c.insight_id.desc()).label("rank")).subquery()
    for insight_id, text, issue_id in session.exec(
            select(Insight.id, Insight.text, newest.c.issue_id).join(Insight, Insight.id == newest.c.insight_id)
            .where(newest.c.rank <= MAX_INSIGHTS_PER_ISSUE)
            .order_by(newest.c.insight_id, newest.c.issue_id)).all():
        out.setdefault(("insight", insight_id, code_of.get(issue_id)), Example(text, code_of.get(issue_id), "insight"))
    current = session.exec(select(TopicModel.id).where(TopicModel.is_current.is_(True))
                           .order_by(TopicModel.id.desc())).first()
    if current is not None:
        confirmed = session.exec(select(Topic.id, Topic.quotes, TopicIssue.issue_id)
                                 .join(TopicIssue, TopicIssue.topic_id == Topic.id)
                                 .where(Topic.model_id == current, TopicIssue.status == "confirmed")
                                 .order_by(Topic.id)).all()
        per_topic: dict[int, list] = {}
        for topic_id, quotes, issue_id in confirmed:
            per_topic.setdefault(topic_id, []).append((quotes, issue_id))
        quote_ids = [q for maps in per_topic.values() if len(maps) == 1 for q in maps[0][0]]
        texts = dict(session.exec(select(Segment.id, Segment.text).where(Segment.id.in_(quote_ids or [-1]))).all())
        for maps in per_topic.values():
            if len(maps) != 1:
                continue
            quotes, issue_id = maps[0]
            for seg_id in quotes:
                if seg_id in texts:
                    out.setdefault(("segment", seg_id, code_of.get(issue_id)),
                                   Example(texts[seg_id], code_of.get(issue_id), "topic"))
    return list(out.values())


def issue_vectors(engine, issues, embedder: str | None = None) -> list[IssueVectors]:
    """IssueVectors for codebook rows (Issue objects, codebook order), embedded through the cache by `embedder`'s
    model (default: the chosen one)."""
    from triangulate.core import embeddings

    code_of = {i.id: i.code for i in issues}
    texts_per_issue = [issue_texts(i.label, i.definition, i.keywords) for i in issues]
    flat = [t for texts in texts_per_issue for t in texts]
    vectors = embeddings.cached_encode(engine, flat, embedder=embedder)
    out, start = [], 0
    for issue, texts in zip(issues, texts_per_issue):
        block = vectors[start:start + len(texts)]
        start += len(texts)
        out.append(IssueVectors(issue.code, code_of.get(issue.parent_id), block[0], block[1:],
                                tuple(texts[1:])))
    return out


def for_database(engine, session=None, embedder: str | None = None) -> tuple[Assigner, list[Example]]:
    """The Assigner the database's codebook and people's codes give (all active issues, parents included), every
    vector by `embedder`'s model (default: the chosen one, the batch assignment's; the officers' suggestions ask
    for their interactive model). `assigner.embedder` names it: score only vectors of that model."""
    from sqlmodel import Session

    from triangulate.codebook import issues as codebook
    from triangulate.core import embeddings

    with Session(engine) as own:
        s = session or own
        active = codebook.issues(s)
        taught = examples(s)
    active_codes = {i.code for i in active}
    taught = [e for e in taught if e.issue_code is None or e.issue_code in active_codes]
    vectors = embeddings.cached_encode(engine, [e.text for e in taught], embedder=embedder)
    assigner = fit(vectors, [e.issue_code for e in taught], issue_vectors(engine, active, embedder),
                   embeddings.cached_encode(engine, list(offtopic_prototypes()), embedder=embedder))
    assigner.embedder = embedder or embeddings.EMBEDDER
    return assigner, taught


def settings_snapshot() -> dict:
    """The decision constants, saved with an analysis (a change of them re-runs the assignment)."""
    return {"definition_weight": DEFINITION_WEIGHT, "top_keywords": TOP_KEYWORDS, "prior_weight": PRIOR_WEIGHT,
            "none_margin": NONE_MARGIN, "parent_margin": PARENT_MARGIN, "short_words": SHORT_WORDS,
            "keyword_boost": KEYWORD_BOOST, "max_boost": MAX_BOOST, "length_weight": LENGTH_WEIGHT,
            "length_words": LENGTH_WORDS, "example_mode": EXAMPLE_MODE, "nearest_examples": NEAREST_EXAMPLES,
            "none_union": NONE_UNION, "classifier_weight": "n/(n+prior_weight)",
            "prototype_weight": PROTOTYPE_WEIGHT, "regularisation_c": REGULARISATION_C, "temperature": TEMPERATURE,
            "offtopic_prototypes": hashlib.sha256("\n".join(offtopic_prototypes()).encode()).hexdigest()[:16]}
