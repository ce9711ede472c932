"""Comparing assignment methods without tuning on the dev score alone (issue 11): dev only, never held-out.

Two estimates per method, both with 10 coded examples per issue:
- `dev`: taught by the coded-examples pool, tested on dev; also the mean and spread over 5 folds of dev
  grouped by speaker (`source`), so a method that wins on a few speakers shows as such;
- `swap`: taught by 10 examples per issue drawn from dev, tested on the coded-examples pool (other speakers,
  other writing): a method fitted to dev's phrasing loses here.

Run: .venv/bin/python bench/assignment_cv.py [method ...]   (vectors cached in /tmp/assignment_cv_vectors.npz)
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_assignment as bench
import numpy as np
from assignment_data import load
from embedders import name as embedder_name

from triangulate.codebook import assignment

# one cache per embedder (TRIANGULATE_BENCH_EMBEDDER, bench/embedders.py); MiniLM's keeps its old name
CACHE = Path("/tmp/assignment_cv_vectors.npz" if embedder_name() == "minilm"
             else f"/tmp/assignment_cv_vectors-{embedder_name()}.npz")


def load_cache() -> None:
    if CACHE.exists():
        data = np.load(CACHE, allow_pickle=False)
        for text, vec in zip(data["texts"], data["vectors"]):
            bench._vectors[str(text)] = vec


def save_cache() -> None:
    texts = list(bench._vectors)
    np.savez(CACHE, texts=np.array(texts), vectors=np.vstack([bench._vectors[t] for t in texts]))


def speaker_folds(rows: list[dict], k: int = 5) -> list[list[int]]:
    """k folds of row indices, whole speakers per fold, sizes balanced (largest speaker first)."""
    by_source: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_source.setdefault(r["source"], []).append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for source in sorted(by_source, key=lambda s: (-len(by_source[s]), s)):
        min(folds, key=len).extend(by_source[source])
    return [sorted(f) for f in folds]


def run(method, train_rows, test_rows, issues, offtopic, n=10):
    texts, labels = bench.examples_per_issue(train_rows, n)
    test_texts = [r["text"] for r in test_rows]
    start = time.perf_counter()
    decisions, tops = method(texts, labels, test_texts, issues, offtopic)
    seconds = time.perf_counter() - start
    return bench.score(test_rows, decisions, tops), seconds


def current(texts, labels, test_texts, issues, offtopic, settings=None):
    assigner = assignment.fit(bench.encode(texts), labels, issues, offtopic, settings=settings)
    vectors = bench.encode(test_texts)
    return assigner.predict(vectors, test_texts), assigner.top_k(vectors, 3, texts=test_texts)


def zero_shot(texts, labels, test_texts, issues, offtopic):
    """The shipped method with no coded examples (the codebook and the off-topic prototypes only)."""
    return current([], [], test_texts, issues, offtopic)


METHODS = {"current": current, "zero_shot": zero_shot}


def evaluate(name, method, dev, pool, issues, offtopic) -> dict:
    whole, seconds = run(method, pool, dev, issues, offtopic)
    fold_f1 = []
    for fold in speaker_folds(dev):
        rows = [dev[i] for i in fold]
        fold_f1.append(run(method, pool, rows, issues, offtopic)[0]["macro_f1"])
    swap, _ = run(method, dev, pool, issues, offtopic)
    return {"method": name, "dev": whole["macro_f1"], "folds": fold_f1, "folds_mean": round(float(np.mean(fold_f1)), 3),
            "folds_sd": round(float(np.std(fold_f1)), 3), "swap": swap["macro_f1"],
            "off_p": whole["offtopic_precision"], "off_r": whole["offtopic_recall"], "top3": whole["top3"],
            "swap_top3": swap["top3"], "s_per_1000": round(1000 * seconds / len(dev), 3)}


def main(names: list[str]) -> None:
    load_cache()
    dev, pool = load("dev"), load("examples")
    issues = bench.default_issues()
    offtopic = bench.encode(list(assignment.offtopic_prototypes()))
    bench.encode([r["text"] for r in dev + pool])
    save_cache()
    print(f"{'method':<28}{'dev':>6}{'folds':>7}{'sd':>6}{'swap':>6}{'offP':>6}{'offR':>6}{'top3':>6}"
          f"{'sw3':>6}{'s/1k':>7}")
    for name in names or list(METHODS):
        r = evaluate(name, METHODS[name], dev, pool, issues, offtopic)
        print(f"{name:<28}{r['dev']:>6.3f}{r['folds_mean']:>7.3f}{r['folds_sd']:>6.3f}{r['swap']:>6.3f}"
              f"{r['off_p']:>6.3f}{r['off_r']:>6.3f}{r['top3']:>6.3f}{r['swap_top3']:>6.3f}{r['s_per_1000']:>7.3f}",
              flush=True)
    save_cache()



# --------------------------------------------------------------------------- candidates
def decide(assigner, scores: np.ndarray, texts: list[str]):
    """The present decision rule on any score matrix: off-topic rules, then the top class (no margin)."""
    out, tops = [], []
    for text, row in zip(texts, scores):
        order = [int(i) for i in np.argsort(-row, kind="stable")]
        issues_ranked = [i for i in order if assigner.classes[i] is not None]
        tops.append([(assigner.classes[i], float(row[i])) for i in issues_ranked[:3]])
        reason = assignment.offtopic_reason(text, assigner.vocabulary)
        if reason:
            out.append(assignment.Decision(None, 1.0, 1.0, "rule"))
        elif assigner.classes[order[0]] is None:
            out.append(assignment.Decision(None, float(row[order[0]]), 0.0, "model"))
        else:
            out.append(assignment.Decision(assigner.classes[order[0]], float(row[order[0]]), 0.0, "model"))
    return out, tops


def training_rows(assigner, texts, labels, proto_weight):
    """Examples (weight 1) + the codebook's vectors (definitions, keywords, off-topic prototypes), as the
    shipped regression is trained (`assignment.training_set`)."""
    index = {c: k for k, c in enumerate(assigner.classes)}
    return assignment.training_set(bench.encode(texts), [index[label] for label in labels], assigner, proto_weight)


def embed_lr(C=16.0, proto_weight=0.2, balanced=False):
    def method(texts, labels, test_texts, issues, offtopic):
        from sklearn.linear_model import LogisticRegression
        assigner = assignment.fit(np.zeros((0, bench.dim())), [], issues, offtopic)
        x, y, w = training_rows(assigner, texts, labels, proto_weight)
        model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced" if balanced else None)
        model.fit(x, y, sample_weight=w)
        p = np.zeros((len(test_texts), len(assigner.classes)))
        p[:, model.classes_] = model.predict_proba(bench.encode(test_texts))
        return decide(assigner, p, test_texts)
    return method


def blend_current(extra, weight):
    """The present scores blended with another model's probabilities: (1 − weight)·present + weight·extra."""
    def method(texts, labels, test_texts, issues, offtopic):
        assigner = assignment.fit(bench.encode(texts), labels, issues, offtopic)
        vectors = bench.encode(test_texts)
        base = assigner.scores(vectors, test_texts)
        p = extra(assigner, texts, labels, test_texts, issues)
        return decide(assigner, (1 - weight) * base + weight * p, test_texts)
    return method


def codebook_docs(issues):
    """Each issue as texts (label + definition, keywords) for a word model; off-topic prototypes for None."""
    from triangulate.codebook import issues as codebook
    docs, ys = [], []
    k = 0

    def walk(node):
        nonlocal k
        docs.append(f"{node['label']}. {node.get('definition', '')}")
        ys.append(k)
        for kw in node.get("keywords", []):
            docs.append(str(kw))
            ys.append(k)
        k += 1
        for child in node.get("children", []):
            walk(child)

    for node in codebook.default_tree():
        walk(node)
    for p in assignment.offtopic_prototypes():
        docs.append(p)
        ys.append(k)
    return docs, ys


def tfidf_probs(C=10.0, proto_weight=0.2, char=True):
    def extra(assigner, texts, labels, test_texts, issues):
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        index = {c: k for k, c in enumerate(assigner.classes)}
        docs, ys = codebook_docs(issues)
        train = list(texts) + docs
        y = np.array([index[label] for label in labels] + ys)
        w = np.concatenate([np.ones(len(texts)), np.full(len(docs), proto_weight)])
        vecs = [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)]
        if char:
            vecs.append(TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1))
        xtr = hstack([v.fit_transform(train) for v in vecs]).tocsr()
        xte = hstack([v.transform(test_texts) for v in vecs]).tocsr()
        model = LogisticRegression(C=C, max_iter=3000).fit(xtr, y, sample_weight=w)
        p = np.zeros((len(test_texts), len(assigner.classes)))
        p[:, model.classes_] = model.predict_proba(xte)
        return p
    return extra


def knn_probs(k=5):
    def extra(assigner, texts, labels, test_texts, issues):
        index = {c: j for j, c in enumerate(assigner.classes)}
        x = bench.encode(texts)
        y = np.array([index[label] for label in labels])
        sims = bench.encode(test_texts) @ x.T
        p = np.zeros((len(test_texts), len(assigner.classes)))
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        for r, nn in enumerate(order):
            for j in nn:
                p[r, y[j]] += np.exp(10 * sims[r, j])
        return p / p.sum(axis=1, keepdims=True)
    return extra


def current_with(**settings):
    return lambda *a: current(*a, settings=settings)


METHODS.update({
    "lr_C16_pw0.2": embed_lr(),
    "lr_C1_pw0.2": embed_lr(C=1.0),
    "lr_C4_pw0.2": embed_lr(C=4.0),
    "lr_C16_balanced": embed_lr(balanced=True),
    "lr_C16_pw1": embed_lr(proto_weight=1.0),
    "lr_C16_pw0": embed_lr(proto_weight=0.0),
    "clf_weight_1.0": current_with(classifier_weight=1.0),
    "clf_weight_0.5": current_with(classifier_weight=0.5),
    "cur+tfidf0.2": blend_current(tfidf_probs(), 0.2),
    "cur+tfidf0.3": blend_current(tfidf_probs(), 0.3),
    "cur+tfidf_word0.3": blend_current(tfidf_probs(char=False), 0.3),
    "cur+knn0.2": blend_current(knn_probs(), 0.2),
})



_SENTENCE_END = __import__("re").compile(r"(?<=[.?!])\s+")


def sentences(text: str, min_words: int = 4) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if len(s.split()) >= min_words]


def sentence_pool(mix=0.5, issues_only=True, settings=None):
    """Each segment's issue scores: (1 − mix)·whole segment + mix·max over its sentences (≥ 2 of them)."""
    def method(texts, labels, test_texts, issues, offtopic):
        assigner = assignment.fit(bench.encode(texts), labels, issues, offtopic, settings=settings)
        base = assigner.scores(bench.encode(test_texts), test_texts)
        scores = base.copy()
        for r, text in enumerate(test_texts):
            parts = sentences(text)
            if len(parts) < 2:
                continue
            s = assigner.scores(bench.encode(parts), parts).max(axis=0)
            cols = slice(0, -1) if issues_only else slice(None)
            scores[r, cols] = (1 - mix) * base[r, cols] + mix * s[cols]
        return decide(assigner, scores, test_texts)
    return method


METHODS.update({
    "sent_max0.3": sentence_pool(0.3),
    "sent_max0.5": sentence_pool(0.5),
    "sent_max0.5_all": sentence_pool(0.5, issues_only=False),
})



def contrastive_projection(x: np.ndarray, y: np.ndarray, epochs=200, lr=1e-3, identity_weight=0.0, seed=0):
    """SetFit's idea on frozen vectors: a linear map trained so same-class pairs have cosine 1 and others 0
    (mean squared error over every pair), starting from the identity."""
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    xt = torch.tensor(x, dtype=torch.float32)
    same = torch.tensor((y[:, None] == y[None, :]).astype(np.float32))
    mask = 1 - torch.eye(len(y))
    w = torch.nn.Parameter(torch.eye(x.shape[1]))
    opt = torch.optim.Adam([w], lr=lr)
    for _ in range(epochs):
        z = torch.nn.functional.normalize(xt @ w, dim=1)
        cos = z @ z.T
        # balance: positives are rare
        pos = same * mask
        neg = (1 - same) * mask
        loss = ((cos - 1) ** 2 * pos).sum() / pos.sum() + (cos ** 2 * neg).sum() / neg.sum()
        loss = loss + identity_weight * ((w - torch.eye(x.shape[1])) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w.detach().numpy()


def projected(kind="current", epochs=200, lr=1e-3, identity_weight=0.0, include_protos=False):
    def method(texts, labels, test_texts, issues, offtopic):
        from dataclasses import replace

        from sklearn.linear_model import LogisticRegression
        assigner0 = assignment.fit(np.zeros((0, bench.dim())), [], issues, offtopic)
        index = {c: k for k, c in enumerate(assigner0.classes)}
        x = bench.encode(texts)
        y = np.array([index[label] for label in labels])
        if include_protos:
            xp, yp, _ = training_rows(assigner0, [], [], 1.0)
            w = contrastive_projection(np.vstack([x, xp]), np.concatenate([y, yp]), epochs, lr, identity_weight)
        else:
            w = contrastive_projection(x, y, epochs, lr, identity_weight)
        def proj(v):
            return assignment._unit_rows(np.asarray(v) @ w)
        if kind == "lr":
            xtr, ytr, wtr = training_rows(assigner0, texts, labels, 0.2)
            model = LogisticRegression(C=16.0, max_iter=3000).fit(proj(xtr), ytr, sample_weight=wtr)
            p = np.zeros((len(test_texts), len(assigner0.classes)))
            p[:, model.classes_] = model.predict_proba(proj(bench.encode(test_texts)))
            return decide(assigner0, p, test_texts)
        issues_p = [replace(i, definition=proj(i.definition)[0],
                            keywords=proj(i.keywords) if len(i.keywords) else i.keywords) for i in issues]
        assigner = assignment.fit(proj(x), labels, issues_p, proj(offtopic))
        v = proj(bench.encode(test_texts))
        return assigner.predict(v, test_texts), assigner.top_k(v, 3, texts=test_texts)
    return method


METHODS.update({
    "proj_lr": projected("lr"),
    "proj_current": projected("current"),
    "proj_current_protos": projected("current", include_protos=True),
    "proj_current_e50": projected("current", epochs=50),
})



METHODS.update({
    "abl_no_kwboost": current_with(keyword_boost=0.0),
    "abl_no_length": current_with(length_weight=0.0),
    "abl_centroid": current_with(example_mode="centroid"),
    "abl_no_union": current_with(none_union=False),
    "abl_pw0": current_with(prototype_weight=0.0),
    "abl_C4": current_with(regularisation_c=4.0),
    "abl_T10": current_with(temperature=10.0),
    "abl_defw1": current_with(definition_weight=1.0),
    "abl_prior1": current_with(prior_weight=1.0),
})



def self_trained(per_class=5, rounds=1, min_margin=0.0, include_none=False):
    """Transductive: after a first pass, each issue's most confident segments of the corpus at hand become
    extra examples (up to `per_class` per issue), and the assigner is refitted once."""
    def method(texts, labels, test_texts, issues, offtopic):
        x, y = bench.encode(texts), list(labels)
        v = bench.encode(test_texts)
        for _ in range(rounds):
            assigner = assignment.fit(x, y, issues, offtopic)
            decisions = assigner.predict(v, test_texts)
            picked: dict = {}
            for r, d in sorted(enumerate(decisions), key=lambda rd: (-rd[1].margin, rd[0])):
                if d.reason.startswith("rule") or d.margin < min_margin:
                    continue
                if d.issue_code is None and not include_none:
                    continue
                bucket = picked.setdefault(d.issue_code, [])
                if len(bucket) < per_class:
                    bucket.append(r)
            rows = [r for c in picked.values() for r in c]
            x = np.vstack([bench.encode(texts), v[rows]]) if rows else bench.encode(texts)
            y = list(labels) + [decisions[r].issue_code for r in rows]
        assigner = assignment.fit(x, y, issues, offtopic)
        return assigner.predict(v, test_texts), assigner.top_k(v, 3, texts=test_texts)
    return method


METHODS.update({
    "self_k3": self_trained(3),
    "self_k5": self_trained(5),
    "self_k10": self_trained(10),
    "self_k5_none": self_trained(5, include_none=True),
})



METHODS.update({
    "cur+tfidf0.3_noproto": blend_current(tfidf_probs(proto_weight=0.0), 0.3),
    "cur+tfidf0.3_pw1": blend_current(tfidf_probs(proto_weight=1.0), 0.3),
    "cur+tfidf0.3_C100": blend_current(tfidf_probs(C=100.0), 0.3),
    "cur+tfidf0.5": blend_current(tfidf_probs(), 0.5),
})



def centred(source="train", settings=None):
    """Every vector minus a common mean (the direction all conversation shares), then unit length."""
    def method(texts, labels, test_texts, issues, offtopic):
        from dataclasses import replace
        x, v = bench.encode(texts), bench.encode(test_texts)
        if source == "train":
            mean = np.vstack([x] + [i.definition[None] for i in issues] + [i.keywords for i in issues]
                             + [offtopic]).mean(axis=0)
        elif source == "examples":
            mean = x.mean(axis=0)
        else:
            mean = np.vstack([x, v]).mean(axis=0)
        def c(m):
            return assignment._unit_rows(np.asarray(m) - mean)
        issues_c = [replace(i, definition=c(i.definition)[0], keywords=c(i.keywords) if len(i.keywords) else
                            i.keywords) for i in issues]
        assigner = assignment.fit(c(x), labels, issues_c, c(offtopic), settings=settings)
        return assigner.predict(c(v), test_texts), assigner.top_k(c(v), 3, texts=test_texts)
    return method


def centred_zero_shot(texts, labels, test_texts, issues, offtopic):
    return centred("train")([], [], test_texts, issues, offtopic)


METHODS.update({
    "centre_zero_shot": centred_zero_shot,
    "centre_train": centred("train"),
    "centre_examples": centred("examples"),
    "centre_corpus": centred("corpus"),
})



def knn_only(k=5):
    def method(texts, labels, test_texts, issues, offtopic):
        assigner = assignment.fit(np.zeros((0, bench.dim())), [], issues, offtopic)
        return decide(assigner, knn_probs(k)(assigner, texts, labels, test_texts, issues), test_texts)
    return method


def ovr_balanced_blend(weight=0.7):
    """The present blend with its regression one-vs-rest and class-balanced (each class its own threshold)."""
    def method(texts, labels, test_texts, issues, offtopic):
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        assigner = assignment.fit(bench.encode(texts), labels, issues, offtopic)
        x, y, _ = training_rows(assigner, texts, labels, 0.2)  # unweighted: "balanced" weighs the classes
        model = OneVsRestClassifier(LogisticRegression(C=16.0, max_iter=3000, class_weight="balanced"))
        model.fit(x, y)
        v = bench.encode(test_texts)
        p = np.zeros((len(test_texts), len(assigner.classes)))
        p[:, model.classes_] = model.predict_proba(v)
        sim = assigner.similarity_scores(v, test_texts)
        soft = np.exp((sim - sim.max(axis=1, keepdims=True)) * 20.0)
        soft /= soft.sum(axis=1, keepdims=True)
        return decide(assigner, weight * p + (1 - weight) * soft, test_texts)
    return method


METHODS.update({"knn5": knn_only(5), "ovr_balanced_blend": ovr_balanced_blend()})



def sentence_mean(weight=0.5):
    """Each text's vector: (1 − weight)·whole + weight·mean of its sentences' vectors (texts of ≥ 2 sentences),
    for examples and segments alike."""
    def vec(texts):
        out = bench.encode(texts).copy()
        for r, text in enumerate(texts):
            parts = sentences(text)
            if len(parts) >= 2:
                out[r] = (1 - weight) * out[r] + weight * bench.encode(parts).mean(axis=0)
        return assignment._unit_rows(out)

    def method(texts, labels, test_texts, issues, offtopic):
        assigner = assignment.fit(vec(texts), labels, issues, offtopic)
        v = vec(test_texts)
        return assigner.predict(v, test_texts), assigner.top_k(v, 3, texts=test_texts)
    return method


METHODS.update({"sent_mean0.3": sentence_mean(0.3), "sent_mean0.5": sentence_mean(0.5)})


if __name__ == "__main__":
    main(sys.argv[1:])
