"""Complaint classifier benchmark on real complaints it has not seen.

Data: ``../shared/data/cfpb/train.csv`` (10,000 US consumer-finance complaint narratives
labelled by product; see that folder's README). Reports, with the machine described:

- accuracy and macro-F1, mean and range over 5-fold stratified cross-validation (the model
  of each fold never sees that fold's rows): this is what the targets are judged on;
- how well the confidence is calibrated over the same folds (log loss, and the expected
  calibration error of the top label's probability);
- for information, the same scores on the stratified 20% hold-out that ``branchcx
  complaints train-classifier`` also uses;
- training time on all 10,000 rows (the model that would be shipped);
- suggestion time for one narrative (p50/p95 over 300 single calls).

Targets: accuracy >= 0.83 and macro-F1 >= 0.79 (5-fold means), training <= 120 s,
one suggestion <= 20 ms (p95). Variants and how the model was chosen:
``benchmarks/classifier_variants.py``.

    python benchmarks/classifier.py        # writes benchmarks/results/classifier-<date>.md
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "cfpb" / "train.csv"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchcx.settings")

ACCURACY, MACRO_F1, TRAIN_SECONDS, SUGGEST_MS = 0.83, 0.79, 120, 20


def calibration(labels: list[str], probabilities: np.ndarray, classes: tuple[str, ...]) -> float:
    """Expected calibration error of the top label's probability (10 equal-width bins)."""
    confidence = probabilities.max(axis=1)
    correct = np.asarray(classes)[probabilities.argmax(axis=1)] == np.asarray(labels)
    edges = np.linspace(0, 1, 11)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def main() -> None:
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    from branchcx.complaints import classifier

    if not DATA.exists():
        raise SystemExit(f"missing data file {DATA}")
    texts, labels = classifier.read_csv(DATA, "Consumer complaint narrative", "Product")

    folds, losses, eces, fold_seconds = [], [], [], []
    for k, (train_idx, test_idx) in enumerate(
        StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels)
    ):
        fold = classifier.train([texts[i] for i in train_idx], [labels[i] for i in train_idx])
        test_x, test_y = [texts[i] for i in test_idx], [labels[i] for i in test_idx]
        folds.append(classifier.evaluate(fold, test_x, test_y))
        probabilities = fold.pipeline.predict_proba(test_x)
        losses.append(float(log_loss(test_y, probabilities, labels=list(fold.labels))))
        eces.append(calibration(test_y, probabilities, fold.labels))
        fold_seconds.append(fold.seconds)
        print(f"fold {k}: {folds[-1].line()} ({fold.seconds:.1f} s)", flush=True)

    train_x, test_x, train_y, test_y = classifier.split(texts, labels)
    held_out = classifier.evaluate(classifier.train(train_x, train_y), test_x, test_y)

    model = classifier.train(texts, labels)  # the model that would be shipped
    timings = []
    for text in test_x[:300]:
        started = time.perf_counter()
        model.suggest([text])
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50, p95 = statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    accs = [f.accuracy for f in folds]
    f1s = [f.macro_f1 for f in folds]
    acc, f1 = statistics.mean(accs), statistics.mean(f1s)
    date = time.strftime("%Y-%m-%d")
    lines = [
        f"# Benchmark: complaint classifier ({date})",
        "",
        f"Data: `cfpb/train.csv`, {len(texts):,} narratives, {len(set(labels))} products. "
        "Model: word SVM + character SVM + word NB-SVM stacked under a logistic regression "
        "(`branchcx/complaints/classifier.py`; chosen in "
        f"`classifier-variants-{date}.md`).",
        "Command: `python benchmarks/classifier.py` (via `make bench`).",
        "",
        "## Machine",
        f"- {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}",
        "",
        "## Results",
        "",
        "| measure | value | target | verdict |",
        "| --- | --- | --- | --- |",
        f"| accuracy, 5-fold mean (min–max) | {acc:.4f} ({min(accs):.4f}–{max(accs):.4f}) | "
        f"≥ {ACCURACY} | {verdict(acc >= ACCURACY)} |",
        f"| macro-F1, 5-fold mean (min–max) | {f1:.4f} ({min(f1s):.4f}–{max(f1s):.4f}) | "
        f"≥ {MACRO_F1} | {verdict(f1 >= MACRO_F1)} |",
        f"| training on all {model.trained_on:,} rows (s) | {model.seconds:.1f} | "
        f"≤ {TRAIN_SECONDS} | {verdict(model.seconds <= TRAIN_SECONDS)} |",
        f"| one suggestion p50 / p95 (ms) | {p50:.2f} / {p95:.2f} | ≤ {SUGGEST_MS} | "
        f"{verdict(p95 <= SUGGEST_MS)} |",
        "",
        "For information:",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| log loss of the confidence, 5-fold mean | {statistics.mean(losses):.3f} |",
        f"| calibration error (ECE, 10 bins) of the confidence, 5-fold mean | "
        f"{statistics.mean(eces):.3f} |",
        f"| training on a fold's 8,000 rows, mean (s) | {statistics.mean(fold_seconds):.1f} |",
        f"| accuracy / macro-F1 on the 20% hold-out of `train-classifier` ({held_out.n:,} "
        f"rows) | {held_out.accuracy:.4f} / {held_out.macro_f1:.4f} |",
        "",
        "The hold-out figures come from `branchcx complaints train-classifier --from-csv "
        "../shared/data/cfpb/train.csv --text-column 'Consumer complaint narrative' "
        "--label-column Product`, which ends by printing "
        f"`{held_out.line()}`. One split's score is not used to choose a model.",
        "",
    ]
    out = ROOT / "benchmarks" / "results" / f"classifier-{date}.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"results written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
