"""Model selection for the complaint classifier: every variant scored by the same 5-fold
stratified cross-validation on ``../shared/data/cfpb/train.csv``.

Each variant is a set of TF-IDF feature blocks and a model on top. The feature blocks of a
fold are fitted on that fold's training rows only (never on its test rows) and cached for
the run, so many models can be compared on the same features. A variant's training time is
its feature blocks' fitting time plus its model's, on the 8,000 training rows of a fold
(mean over the folds); the shipped model's time on all 10,000 rows is measured by
``benchmarks/classifier.py``.

Results accumulate in ``benchmarks/results/classifier-variants-<date>.json`` (one record per
variant, re-running a variant replaces its record) and are rendered to the ``.md`` beside it.

    python benchmarks/classifier_variants.py                 # every variant not yet scored
    python benchmarks/classifier_variants.py svc-C0.5 lr-C30 # these (again)
    python benchmarks/classifier_variants.py --list
    python benchmarks/classifier_variants.py --render        # only rewrite the .md
    python benchmarks/classifier_variants.py --render stack-3-u-C0.3 notes.md  # with choice
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "cfpb" / "train.csv"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchcx.settings")
DATE = time.strftime("%Y-%m-%d")
RESULTS = ROOT / "benchmarks" / "results"
TARGET_ACCURACY, TARGET_F1 = 0.83, 0.79


# --- feature blocks ------------------------------------------------------------------------


def _mask(text: str) -> str:
    from branchcx.complaints.classifier import _mask as mask

    return mask(text)


def _plain() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer()


def _tfidf(**kwargs: Any) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(preprocessor=_mask, dtype=np.float32, **kwargs)


FEATURES: dict[str, Callable[[], Any]] = {
    # plain baseline: sklearn's defaults
    "plain": lambda: _plain(),
    # the model shipped before this work: words 1-2 and characters 2-4
    "w12": lambda: _tfidf(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000),
    "c24": lambda: _tfidf(
        analyzer="char_wb", ngram_range=(2, 4), min_df=3, sublinear_tf=True, max_features=300_000
    ),
    "w12-all": lambda: _tfidf(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
    "w13": lambda: _tfidf(ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=400_000),
    "w13x": lambda: _tfidf(
        ngram_range=(1, 3),
        min_df=2,
        sublinear_tf=True,
        max_features=400_000,
        token_pattern=r"(?u)\b(?!x{2,}\b)\w\w+\b",  # noqa: S106
    ),
    "w1": lambda: _tfidf(ngram_range=(1, 1), min_df=2, sublinear_tf=True),
    "c25": lambda: _tfidf(
        analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=500_000
    ),
    "c35": lambda: _tfidf(
        analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True, max_features=500_000
    ),
    "w12-lin": lambda: _tfidf(ngram_range=(1, 2), min_df=2, max_features=200_000),
    "w12-df5": lambda: _tfidf(
        ngram_range=(1, 2), min_df=5, max_df=0.9, sublinear_tf=True, max_features=200_000
    ),
}


@dataclass
class Fold:
    train_idx: np.ndarray
    test_idx: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


class Data:
    def __init__(self) -> None:
        from sklearn.model_selection import StratifiedKFold

        from branchcx.complaints import classifier

        texts, labels = classifier.read_csv(DATA, "Consumer complaint narrative", "Product")
        self.texts = np.array(texts, dtype=object)
        self.labels = np.array(labels)
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels)
        self.folds = [Fold(a, b, self.labels[a], self.labels[b]) for a, b in folds]
        self._cache: dict[tuple[str, int], tuple[Any, Any, float]] = {}

    def block(self, name: str, k: int) -> tuple[Any, Any, float]:
        """The feature block ``name`` of fold ``k``: (train matrix, test matrix, seconds)."""
        key = (name, k)
        if key not in self._cache:
            fold = self.folds[k]
            vectorizer = FEATURES[name]()
            started = time.perf_counter()
            x_train = vectorizer.fit_transform(list(self.texts[fold.train_idx]))
            seconds = time.perf_counter() - started
            x_test = vectorizer.transform(list(self.texts[fold.test_idx]))
            self._cache[key] = (x_train, x_test, seconds)
        return self._cache[key]

    def drop(self, keep: set[str]) -> None:
        for key in [key for key in self._cache if key[0] not in keep]:
            del self._cache[key]


# --- models on top of the features -----------------------------------------------------------


def _svc(C: float = 0.5, balanced: bool = True) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=C, class_weight="balanced" if balanced else None, random_state=0)

    return make


def _lr(C: float, balanced: bool = True) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=C, class_weight="balanced" if balanced else None, max_iter=300, random_state=0
        )

    return make


def _calibrated(C: float = 0.5, method: str = "sigmoid", cv: int = 5) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.calibration import CalibratedClassifierCV

        return CalibratedClassifierCV(_svc(C)(), method=method, cv=cv)

    return make


def _sgd(alpha: float = 2e-5, loss: str = "modified_huber") -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(
            loss=loss, alpha=alpha, class_weight="balanced", max_iter=50, tol=1e-4, random_state=0
        )

    return make


def _cnb(alpha: float = 0.3) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=alpha)

    return make


def _nbsvm(
    C: float = 0.5, alpha: float = 1.0, beta: float = 1.0, kind: str = "svc"
) -> Callable[[], Any]:
    def make() -> Any:
        return NBLinear(C=C, alpha=alpha, beta=beta, kind=kind)

    return make


class NBLinear:
    """NB-SVM (Wang and Manning 2012), one-vs-rest: each class's linear model sees the
    features scaled by their naive-Bayes log-count ratio for that class."""

    def __init__(self, C: float = 0.5, alpha: float = 1.0, beta: float = 1.0, kind: str = "svc"):
        self.C, self.alpha, self.beta, self.kind = C, alpha, beta, kind

    def fit(self, x: Any, y: Any) -> NBLinear:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        y = np.asarray(y)
        self.classes_ = np.unique(y)
        present = (x > 0).astype(np.float32)
        self.ratios_, self.models_ = [], []
        for label in self.classes_:
            mine = y == label
            p = self.alpha + np.asarray(present[mine].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(present[~mine].sum(axis=0)).ravel()
            r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
            if self.kind == "svc":
                model = LinearSVC(C=self.C, class_weight="balanced", random_state=0)
            else:
                model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=300)
            model.fit(x.multiply(r).tocsr(), mine)
            self.ratios_.append(r)
            self.models_.append(model)
        return self

    def decision_function(self, x: Any) -> Any:
        return np.column_stack(
            [
                m.decision_function(x.multiply(r).tocsr())
                for r, m in zip(self.ratios_, self.models_, strict=True)
            ]
        )

    def predict(self, x: Any) -> Any:
        return self.classes_[self.decision_function(x).argmax(axis=1)]


def _scores(model: Any, x: Any) -> Any:
    if hasattr(model, "decision_function"):
        return model.decision_function(x)
    return model.predict_log_proba(x)


class Stack:
    """Base models on some of the feature blocks; their out-of-fold scores (inner stratified
    folds on the training rows) feed a logistic regression that gives the probabilities."""

    blockwise = True

    def __init__(self, bases: list[tuple[tuple[int, ...], Callable[[], Any]]], C: float = 1.0,
                 balanced: bool | str = True, inner: int = 5):  # fmt: skip
        self.bases, self.C, self.balanced, self.inner = bases, C, balanced, inner

    def _x(self, blocks: list[Any], which: tuple[int, ...]) -> Any:
        import scipy.sparse as sp

        return sp.hstack([blocks[i] for i in which], format="csr")

    def fit(self, blocks: list[Any], y: Any) -> Stack:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y)
        self.classes_ = np.unique(y)
        folds = list(StratifiedKFold(self.inner, shuffle=True, random_state=1).split(y, y))
        columns, self.models_ = [], []
        for which, make in self.bases:
            x = self._x(blocks, which)
            oof = np.zeros((len(y), len(self.classes_)), dtype=np.float64)
            for a, b in folds:
                oof[b] = _scores(make().fit(x[a], y[a]), x[b])
            columns.append(oof)
            self.models_.append(make().fit(x, y))
        if self.balanced == "sqrt":
            counts = {c: (y == c).sum() for c in self.classes_}
            weights: Any = {c: (len(y) / n) ** 0.5 for c, n in counts.items()}
        else:
            weights = "balanced" if self.balanced else None
        self.meta_ = LogisticRegression(C=self.C, class_weight=weights, max_iter=1000).fit(
            np.hstack(columns), y
        )
        return self

    def predict_proba(self, blocks: list[Any]) -> Any:
        z = np.hstack(
            [
                _scores(m, self._x(blocks, which))
                for (which, _make), m in zip(self.bases, self.models_, strict=True)
            ]
        )
        return self.meta_.predict_proba(z)

    def predict(self, blocks: list[Any]) -> Any:
        return self.classes_[self.predict_proba(blocks).argmax(axis=1)]


class Vote:
    """The mean of the members' probabilities (soft voting); members see all blocks."""

    def __init__(self, members: list[Callable[[], Any]]):
        self.members = members

    def fit(self, x: Any, y: Any) -> Vote:
        self.models_ = [make().fit(x, y) for make in self.members]
        self.classes_ = self.models_[0].classes_
        return self

    def predict_proba(self, x: Any) -> Any:
        return np.mean([m.predict_proba(x) for m in self.models_], axis=0)

    def predict(self, x: Any) -> Any:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]


def _stack(bases: list[tuple[tuple[int, ...], Callable[[], Any]]], **kw: Any) -> Callable[[], Any]:
    return lambda: Stack(bases, **kw)


@dataclass
class Variant:
    name: str
    blocks: tuple[str, ...]
    model: Callable[[], Any]
    note: str = ""


VARIANTS = [
    Variant("baseline-plain", ("plain",), lambda: __import__("sklearn.svm").svm.LinearSVC(),
            "sklearn defaults: TfidfVectorizer() + LinearSVC()"),
    Variant("current", ("w12", "c24"), _svc(0.5), "shipped before: LinearSVC C=0.5 balanced"),
    Variant("svc-C0.5-unbalanced", ("w12", "c24"), _svc(0.5, balanced=False)),
    Variant("svc-C0.25", ("w12", "c24"), _svc(0.25)),
    Variant("svc-C1", ("w12", "c24"), _svc(1.0)),
    Variant("svc-C0.1", ("w12", "c24"), _svc(0.1)),
    Variant("svc-words-only", ("w12",), _svc(0.5)),
    Variant("svc-chars-only", ("c24",), _svc(0.5)),
    Variant("svc-w12all-c24", ("w12-all", "c24"), _svc(0.5)),
    Variant("svc-w13-c24", ("w13", "c24"), _svc(0.5)),
    Variant("svc-w12-c25", ("w12", "c25"), _svc(0.5)),
    Variant("svc-w12-c35", ("w12", "c35"), _svc(0.5)),
    Variant("svc-w12df5-c24", ("w12-df5", "c24"), _svc(0.5)),
    Variant("svc-w12lin-c24", ("w12-lin", "c24"), _svc(0.5), "no sublinear tf on words"),
    Variant("cal-svc-sigmoid", ("w12", "c24"), _calibrated(0.5, "sigmoid"),
            "CalibratedClassifierCV(LinearSVC C=0.5 balanced, sigmoid, 5 folds)"),
    Variant("cal-svc-isotonic", ("w12", "c24"), _calibrated(0.5, "isotonic")),
    Variant("lr-C10", ("w12", "c24"), _lr(10)),
    Variant("lr-C30", ("w12", "c24"), _lr(30)),
    Variant("lr-C30-unbalanced", ("w12", "c24"), _lr(30, balanced=False)),
    Variant("sgd-mhuber", ("w12", "c24"), _sgd()),
    Variant("cnb-w12", ("w12",), _cnb(0.3)),
    Variant("cnb-w12-a0.1", ("w12",), _cnb(0.1)),
    Variant("nbsvm-w12", ("w12",), _nbsvm(0.5), "NB-SVM one-vs-rest, LinearSVC C=0.5"),
    Variant("nbsvm-w12-c24", ("w12", "c24"), _nbsvm(0.5)),
    Variant("stack-svcw-svcc", ("w12", "c24"), _stack([((0,), _svc(0.5)), ((1,), _svc(0.5))]),
            "word SVC + char SVC -> LR (C=1, balanced) on out-of-fold scores"),
    Variant("stack-svcw-svcc-cnb", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _cnb(0.3))]),
            "word SVC + char SVC + word CNB -> LR"),
    Variant("stack-svcw-svcc-nbsvm", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5))]),
            "word SVC + char SVC + word NB-SVM -> LR"),
    Variant("stack-svcw-svcc-u", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5))], balanced=False),
            "word SVC + char SVC -> LR (C=1, unbalanced)"),
    Variant("stack-svcw-svcc-nbsvm-u", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5))], balanced=False),
            "word SVC + char SVC + word NB-SVM -> LR unbalanced"),
    Variant("stack-w13-svcw-svcc-nbsvm-u", ("w13", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5))], balanced=False),
            "as above with word trigrams"),
    Variant("stack-svcwc-u", ("w12", "c24"), _stack([((0, 1), _svc(0.5))], balanced=False),
            "one SVC on words+chars -> LR unbalanced (a calibration)"),
    Variant("nbsvm-w13-c24", ("w13", "c24"), _nbsvm(0.5)),
    Variant("nbsvm-w12-c24-lr", ("w12", "c24"), _nbsvm(10, kind="lr"),
            "NB-LR one-vs-rest, C=10"),
    Variant("svc-w13x-c24", ("w13x", "c24"), _svc(0.5), "redaction marks XXXX dropped"),
    Variant("stack-4-u", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5)),
                    ((1,), _nbsvm(0.5))], balanced=False),
            "word SVC + char SVC + word NB-SVM + char NB-SVM -> LR unbalanced"),
    Variant("stack-4cnb-u", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5)),
                    ((0,), _cnb(0.1))], balanced=False),
            "word SVC + char SVC + word NB-SVM + word CNB -> LR unbalanced"),
    Variant("stack-3-u-C0.3", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5))], balanced=False,
                   C=0.3), "stack-svcw-svcc-nbsvm-u with meta C=0.3"),
    Variant("stack-3-u-C3", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5))], balanced=False,
                   C=3), "stack-svcw-svcc-nbsvm-u with meta C=3"),
    Variant("stack-3-sqrt", ("w12", "c24"),
            _stack([((0,), _svc(0.5)), ((1,), _svc(0.5)), ((0,), _nbsvm(0.5))],
                   balanced="sqrt"), "meta LR class weights (n/n_c)^0.5, between the two"),
    Variant("stack-svcwc", ("w12", "c24"), _stack([((0, 1), _svc(0.5))]),
            "one SVC on words+chars -> LR on its out-of-fold scores (a calibration)"),
]  # fmt: skip
BY_NAME = {v.name: v for v in VARIANTS}


def run(data: Data, variant: Variant) -> dict[str, Any]:
    import scipy.sparse as sp
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    accs, f1s, seconds, losses, eces = [], [], [], [], []
    for k, fold in enumerate(data.folds):
        parts = [data.block(name, k) for name in variant.blocks]
        model = variant.model()
        if getattr(model, "blockwise", False):
            x_train, x_test = [p[0] for p in parts], [p[1] for p in parts]
        else:
            x_train = sp.hstack([p[0] for p in parts], format="csr")
            x_test = sp.hstack([p[1] for p in parts], format="csr")
        started = time.perf_counter()
        model.fit(x_train, fold.y_train)
        seconds.append(time.perf_counter() - started + sum(p[2] for p in parts))
        predicted = model.predict(x_test)
        accs.append(float(accuracy_score(fold.y_test, predicted)))
        f1s.append(float(f1_score(fold.y_test, predicted, average="macro")))
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(x_test)
            losses.append(float(log_loss(fold.y_test, proba, labels=model.classes_)))
            eces.append(expected_calibration_error(fold.y_test, proba, model.classes_))
        print(f"  fold {k}: acc={accs[-1]:.4f} f1={f1s[-1]:.4f} {seconds[-1]:.1f}s", flush=True)
    return record(variant.name, variant.blocks, variant.note, accs, f1s, seconds, losses, eces)


def record(
    name: str, blocks: tuple[str, ...], note: str, accs: list[float], f1s: list[float],
    seconds: list[float], losses: list[float] | None = None, eces: list[float] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name,
        "blocks": list(blocks),
        "note": note,
        "accuracy": accs,
        "macro_f1": f1s,
        "seconds": statistics.mean(seconds),
        "log_loss": statistics.mean(losses) if losses else None,
        "ece": statistics.mean(eces) if eces else None,
        "date": DATE,
    }


def expected_calibration_error(y: Any, proba: Any, classes: Any, bins: int = 10) -> float:
    """How far the top label's probability is from its accuracy, over 10 equal-width bins."""
    confidence = proba.max(axis=1)
    correct = np.asarray(classes)[proba.argmax(axis=1)] == np.asarray(y)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


# --- results -------------------------------------------------------------------------------


def results_path() -> Path:
    return RESULTS / f"classifier-variants-{DATE}.json"


def load_results() -> dict[str, dict[str, Any]]:
    path = results_path()
    if not path.exists():
        return {}
    return {r["name"]: r for r in json.loads(path.read_text(encoding="utf-8"))}


def store(result: dict[str, Any]) -> None:
    results = load_results()
    results[result["name"]] = result
    results_path().write_text(json.dumps(list(results.values()), indent=1) + "\n", encoding="utf-8")


def render(chosen: str | None = None, notes: str = "") -> None:
    results = load_results()
    lines = [
        f"# Complaint classifier: variants by 5-fold cross-validation ({DATE})",
        "",
        f"Data: `cfpb/train.csv`, 10,000 narratives, 8 products. Folds: `StratifiedKFold(5, "
        "shuffle=True, random_state=0)`, the same as `benchmarks/classifier.py`. Every feature "
        "block is fitted on the fold's training rows only. Target: accuracy >= "
        f"{TARGET_ACCURACY}, macro-F1 >= {TARGET_F1} (5-fold mean).",
        "Training time: feature blocks plus model on one fold's 8,000 rows, mean over the "
        "folds, on this 2-core machine (another process was running tests at times, so "
        "times are indicative). Log loss and ECE (expected calibration error of the top "
        "label's probability, 10 bins) only for variants that give probabilities.",
        "Command: `python benchmarks/classifier_variants.py` (raw figures in the `.json` "
        "beside this file).",
        "",
        "| variant | features | accuracy mean (min–max) | macro-F1 mean (min–max) | "
        "train s | log loss | ECE | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results.values():
        acc, f1 = r["accuracy"], r["macro_f1"]
        mark = " **(chosen)**" if r["name"] == chosen else ""
        loss = f"{r['log_loss']:.3f}" if r.get("log_loss") is not None else "–"
        ece = f"{r['ece']:.3f}" if r.get("ece") is not None else "–"
        lines.append(
            f"| `{r['name']}`{mark} | {' + '.join(r['blocks'])} | "
            f"{statistics.mean(acc):.4f} ({min(acc):.4f}–{max(acc):.4f}) | "
            f"{statistics.mean(f1):.4f} ({min(f1):.4f}–{max(f1):.4f}) | "
            f"{r['seconds']:.1f} | {loss} | {ece} | {r['note']} |"
        )
    lines += ["", "Feature blocks (all lower-cased, digits masked to 0, float32):", ""]
    lines += [f"- `{name}`: {_describe(name)}" for name in FEATURES]
    if notes:
        lines += ["", notes.strip()]
    out = RESULTS / f"classifier-variants-{DATE}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")


def _describe(name: str) -> str:
    v = FEATURES[name]()
    params = {k: v.get_params()[k] for k in ("analyzer", "ngram_range", "min_df", "max_df",
                                              "sublinear_tf", "max_features")}  # fmt: skip
    return ", ".join(f"{k}={val}" for k, val in params.items())


def main(argv: list[str]) -> None:
    if "--list" in argv:
        print("\n".join(v.name for v in VARIANTS))
        return
    if "--render" in argv:  # --render [CHOSEN NOTES.md]: mark the choice, append the notes
        rest = argv[argv.index("--render") + 1 :]
        chosen = rest[0] if rest else None
        notes = Path(rest[1]).read_text(encoding="utf-8") if len(rest) > 1 else ""
        render(chosen, notes)
        return
    names = argv or [v.name for v in VARIANTS if v.name not in load_results()]
    data = Data()
    for i, name in enumerate(names):
        variant = BY_NAME[name]
        print(f"{name} ({' + '.join(variant.blocks)})", flush=True)
        store(run(data, variant))
        data.drop({block for later in names[i + 1 :] for block in BY_NAME[later].blocks})
    render()


if __name__ == "__main__":
    main(sys.argv[1:])
