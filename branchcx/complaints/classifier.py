"""Suggesting a complaint's category from what the customer said (Chinese or English).

A linear support-vector machine over TF-IDF features of words (1-2-grams) and characters
(2-4-grams within words). Character n-grams let Chinese text work without a word
segmenter, and catch misspellings in English. Trained on the bank's own closed complaints
(or a CSV), it is saved in ``$BRANCHCX_DATA_DIR/models/``. Until a model exists, a keyword
lexicon gives cold-start suggestions.

Suggestions carry a confidence: a softmax over the SVM's decision scores. It ranks the
labels and separates clear cases from unclear ones; it is not a calibrated probability.
Suggestions are shown to staff and never applied without them.
"""

from __future__ import annotations

import csv
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

MODEL_FILE = "complaint-classifier.joblib"
TEST_SHARE = 0.2
SEED = 0

# Cold start: words that point at a business category (JR/T 0169 codes, see the reference
# data), in Chinese and English. Deliberately short; the trained model replaces it.
LEXICON: dict[str, tuple[str, ...]] = {
    "01": ("存款", "储蓄", "定期", "活期", "利息", "deposit", "savings"),
    "02": ("贷款", "房贷", "按揭", "还款", "利率上浮", "loan", "mortgage"),
    "03": ("信用卡", "借记卡", "银行卡", "分期", "年费", "盗刷", "credit card", "debit card"),
    "04": ("催收", "催款", "骚扰电话", "collection", "collector"),
    "05": ("转账", "汇款", "支付", "扣款", "transfer", "payment", "wire"),
    "06": ("征信", "个人信息", "泄露", "credit report", "personal information"),
    "07": ("理财", "净值", "收益", "wealth management"),
    "08": ("保险", "基金", "代销", "insurance", "fund"),
    "09": ("黄金", "贵金属", "gold"),
    "10": ("外汇", "购汇", "结汇", "foreign exchange"),
}


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float  # 0 to 1
    alternatives: tuple[tuple[str, float], ...] = ()
    source: str = "model"  # "model" or "lexicon"


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    n: int

    def line(self) -> str:
        return f"accuracy={self.accuracy:.4f} macro_f1={self.macro_f1:.4f}"


@dataclass
class TextClassifier:
    pipeline: Any
    labels: tuple[str, ...]
    trained_on: int
    seconds: float
    meta: dict[str, Any] = field(default_factory=dict)

    def suggest(self, texts: Sequence[str], top: int = 3) -> list[Suggestion]:
        scores = self.pipeline.decision_function(list(texts))
        if len(self.labels) == 2:  # binary: one score per text
            scores = [[-s, s] for s in scores]
        return [_ranked(self.labels, row, top) for row in scores]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def _ranked(labels: Sequence[str], scores: Sequence[float], top: int) -> Suggestion:
    peak = max(scores)
    weights = [math.exp(s - peak) for s in scores]
    total = sum(weights)
    ranked = sorted(
        ((str(label), w / total) for label, w in zip(labels, weights, strict=True)),
        key=lambda pair: -pair[1],
    )
    best, confidence = ranked[0]
    return Suggestion(best, round(confidence, 4), tuple(ranked[1:top]))


_DIGITS = re.compile(r"\d")


def _mask(text: str) -> str:
    """Digits become 0 before features are made: account, card and phone numbers then never
    reach the model's vocabulary (which is saved to disk), and amounts generalise."""
    return _DIGITS.sub("0", text.lower())


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    words = TfidfVectorizer(
        preprocessor=_mask, ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000
    )
    chars = TfidfVectorizer(
        preprocessor=_mask, analyzer="char_wb", ngram_range=(2, 4), min_df=3,
        sublinear_tf=True, max_features=300_000,
    )  # fmt: skip
    return make_pipeline(
        make_union(words, chars), LinearSVC(C=0.5, class_weight="balanced", random_state=SEED)
    )


def train(texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two different labels")
    started = time.perf_counter()
    pipeline = _pipeline()
    pipeline.fit(list(texts), list(labels))
    return TextClassifier(
        pipeline=pipeline,
        labels=tuple(str(label) for label in pipeline.classes_),
        trained_on=len(texts),
        seconds=time.perf_counter() - started,
    )


def evaluate(model: TextClassifier, texts: Sequence[str], labels: Sequence[str]) -> Scores:
    from sklearn.metrics import accuracy_score, f1_score

    predicted = model.predict(texts)
    return Scores(
        accuracy=float(accuracy_score(labels, predicted)),
        macro_f1=float(f1_score(labels, predicted, average="macro")),
        n=len(texts),
    )


def split(
    texts: Sequence[str], labels: Sequence[str], test_share: float = TEST_SHARE
) -> tuple[list[str], list[str], list[str], list[str]]:
    """A stratified, reproducible hold-out: the same data always splits the same way, so
    ``evaluate-classifier`` scores exactly the rows ``train-classifier`` did not see."""
    from collections import Counter

    from sklearn.model_selection import train_test_split

    # a label seen only once cannot be in both parts: stratify only when every label can
    stratify = list(labels) if min(Counter(labels).values()) >= 2 else None
    train_x, test_x, train_y, test_y = train_test_split(
        list(texts), list(labels), test_size=test_share, random_state=SEED, stratify=stratify
    )
    return train_x, test_x, train_y, test_y


def read_csv(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV (UTF-8, with a header); rows missing either are skipped."""
    texts, labels = [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {text_column, label_column} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path.name} has no column {', '.join(sorted(missing))}")
        for row in reader:
            text, label = (row[text_column] or "").strip(), (row[label_column] or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "models" / MODEL_FILE


def save(model: TextClassifier, path: Path | None = None) -> Path:
    import joblib

    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    joblib.dump(model, temporary)
    temporary.replace(path)
    return path


def load(path: Path | None = None) -> TextClassifier | None:
    """The saved model, or None before the first training. Only our own file is loaded."""
    import joblib

    path = path or model_path()
    if not path.exists():
        return None
    model: TextClassifier = joblib.load(path)
    return model


def lexicon_suggestion(text: str) -> Suggestion | None:
    """Cold start: the category whose keywords the text mentions most, if any."""
    lowered = text.lower()
    hits = {code: sum(lowered.count(w) for w in words) for code, words in LEXICON.items()}
    total = sum(hits.values())
    if not total:
        return None
    ranked = sorted(hits.items(), key=lambda pair: -pair[1])
    best, count = ranked[0]
    others = tuple((code, round(n / total, 4)) for code, n in ranked[1:3] if n)
    return Suggestion(best, round(count / total, 4), others, source="lexicon")
