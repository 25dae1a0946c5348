"""Complaint classifier benchmark on real complaints it has not seen.

Data: ``../shared/data/cfpb/train.csv`` (10,000 US consumer-finance complaint narratives
labelled by product; see that folder's README). Reports, with the machine described:

- accuracy and macro-F1 on the stratified 20% hold-out that ``branchcx complaints
  train-classifier`` also uses (the model never sees those rows), and the mean and range
  over 5-fold cross-validation;
- training time on the 80%;
- suggestion time for one narrative (p50/p95 over 300 single calls).

Targets: accuracy >= 0.82, macro-F1 >= 0.78, training < 60 s, suggestion < 20 ms.

    python benchmarks/classifier.py        # writes benchmarks/results/classifier-<date>.md
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "cfpb" / "train.csv"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchcx.settings")


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    from branchcx.complaints import classifier

    if not DATA.exists():
        raise SystemExit(f"missing data file {DATA}")
    texts, labels = classifier.read_csv(DATA, "Consumer complaint narrative", "Product")
    train_x, test_x, train_y, test_y = classifier.split(texts, labels)
    model = classifier.train(train_x, train_y)
    held_out = classifier.evaluate(model, test_x, test_y)

    folds = []
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=0).split(
        texts, labels
    ):
        fold = classifier.train([texts[i] for i in train_idx], [labels[i] for i in train_idx])
        folds.append(
            classifier.evaluate(fold, [texts[i] for i in test_idx], [labels[i] for i in test_idx])
        )

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
    lines = [
        f"# Benchmark: complaint classifier ({time.strftime('%Y-%m-%d')})",
        "",
        f"Data: `cfpb/train.csv`, {len(texts):,} narratives, {len(set(labels))} products. "
        f"Hold-out: {held_out.n:,} rows (stratified 20%, never seen in training).",
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
        f"| accuracy (hold-out) | {held_out.accuracy:.4f} | ≥ 0.82 | "
        f"{verdict(held_out.accuracy >= 0.82)} |",
        f"| macro-F1 (hold-out) | {held_out.macro_f1:.4f} | ≥ 0.78 | "
        f"{verdict(held_out.macro_f1 >= 0.78)} |",
        f"| accuracy, 5-fold mean (min–max) | {statistics.mean(accs):.4f} "
        f"({min(accs):.4f}–{max(accs):.4f}) | ≥ 0.82 | {verdict(min(accs) >= 0.82)} |",
        f"| macro-F1, 5-fold mean (min–max) | {statistics.mean(f1s):.4f} "
        f"({min(f1s):.4f}–{max(f1s):.4f}) | ≥ 0.78 | {verdict(min(f1s) >= 0.78)} |",
        f"| training on {model.trained_on:,} (s) | {model.seconds:.1f} | < 60 | "
        f"{verdict(model.seconds < 60)} |",
        f"| one suggestion p50 / p95 (ms) | {p50:.2f} / {p95:.2f} | < 20 | {verdict(p95 < 20)} |",
        "",
        "The same figures come from `branchcx complaints train-classifier --from-csv "
        "../shared/data/cfpb/train.csv --text-column 'Consumer complaint narrative' "
        "--label-column Product`, which ends by printing "
        f"`{held_out.line()}`.",
        "",
    ]
    out = ROOT / "benchmarks" / "results" / f"classifier-{time.strftime('%Y-%m-%d')}.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"results written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
