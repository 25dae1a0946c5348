"""Suggesting a complaint's category, cause and urgency from what the customer said (Chinese
or English).

Two TF-IDF blocks (sublinear term frequency, digits masked): words (1-2-grams) and
characters (2-4-grams within words). Words are scikit-learn's runs of letters and digits,
and Chinese runs are cut into words by jieba (the segmenter the survey comments use, which
ships its dictionary); character n-grams stay beside them, so Chinese works even where
jieba cuts badly, and misspellings in English are caught. Three linear base models read
them: a linear SVM on the words, one on the characters, and an NB-SVM on the words (an SVM
on features scaled by their naive-Bayes log-count ratios). A multinomial logistic regression
on the three models' scores gives the label and its probability. It learns from
out-of-fold scores (each training row scored by base models trained without it), so the
probabilities are those of text the base models have not seen. Chosen by 5-fold
cross-validation on 10,000 CFPB complaint narratives among the variants of
``benchmarks/classifier_variants.py`` (see ``docs/decisions.md``).

Trained on the bank's own closed complaints (or a CSV), a model is saved in
``$BRANCHCX_DATA_DIR/models/``. Until a model exists, a keyword lexicon gives cold-start
suggestions.

Suggestions carry a confidence: the regression's probability of the label, measured to be
well calibrated on unseen CFPB complaints (see the benchmark results). A model saved before
the stacked model still loads; its confidence is a softmax over the SVM's decision scores,
which ranks labels but is not a probability. Suggestions are shown to staff and never
applied without them.

One model per *target*: the business category (``business``), the cause (``cause``) and the
priority (``priority``), each in its own file. A saved model remembers its hold-out by
fingerprint (a SHA-256 of each held-out text, never the text: narratives are personal data),
so ``evaluate-classifier`` scores exactly the rows training did not see, even after more
complaints have been closed.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

MODEL_FILE = "complaint-classifier.joblib"  # the business category's model
TARGETS = ("business", "cause", "priority")
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

# Cold start for the cause axis (JR/T 0169 cause codes).
CAUSE_LEXICON: dict[str, tuple[str, ...]] = {
    "01": ("态度", "不耐烦", "排队", "等了", "服务差", "rude", "attitude", "waited"),
    "02": ("系统", "故障", "机器", "ATM", "吞卡", "app", "outage", "machine"),
    "03": ("规定", "流程", "手续", "证明", "不给办", "procedure", "policy"),
    "04": ("推销", "营销", "误导", "搭售", "mis-sold", "misled", "pushed"),
    "05": ("没告知", "未告知", "没说明", "未明示", "not told", "disclose"),
    "06": ("强制", "必须购买", "捆绑", "forced", "bundled"),
    "07": ("手续费", "年费", "收费", "费率", "多扣", "fee", "charge"),
    "08": ("收益", "亏损", "亏了", "净值", "return", "loss"),
    "09": ("合同", "条款", "格式条款", "contract", "terms"),
    "10": ("盗刷", "被骗", "资金被", "冻结", "fraud", "stolen", "unauthori"),
    "11": ("泄露", "个人信息", "隐私", "leak", "privacy"),
    "12": ("催收", "骚扰", "爆通讯录", "harass", "collector"),
}

# Cold start for urgency: words that call for a faster answer.
PRIORITY_LEXICON: dict[str, tuple[str, ...]] = {
    "urgent": (
        "媒体", "记者", "曝光", "网上发", "报警", "起诉", "律师", "监管", "12378", "金融监管",
        "自杀", "群体", "集体", "media", "journalist", "lawyer", "sue", "regulator", "police",
    ),
    "high": (
        "老人", "残疾", "住院", "急用", "再次投诉", "多次", "第二次", "盗刷", "冻结",
        "elderly", "hospital", "urgent", "again", "frozen", "fraud",
    ),
}  # fmt: skip
LEXICONS = {"business": LEXICON, "cause": CAUSE_LEXICON, "priority": PRIORITY_LEXICON}


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
        if hasattr(self.pipeline, "predict_proba"):
            rows = self.pipeline.predict_proba(list(texts))
            return [_ranked(self.labels, row, top) for row in rows]
        # a model saved before the stacked model: a softmax over the SVM's decision scores
        scores = self.pipeline.decision_function(list(texts))
        if len(self.labels) == 2:  # binary: one score per text
            scores = [[-s, s] for s in scores]
        return [_ranked(self.labels, _softmax(row), top) for row in scores]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def _softmax(scores: Sequence[float]) -> list[float]:
    peak = max(scores)
    weights = [math.exp(s - peak) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


def _ranked(labels: Sequence[str], probabilities: Sequence[float], top: int) -> Suggestion:
    ranked = sorted(
        ((str(label), float(p)) for label, p in zip(labels, probabilities, strict=True)),
        key=lambda pair: -pair[1],
    )
    best, confidence = ranked[0]
    alternatives = tuple((label, round(p, 4)) for label, p in ranked[1:top])
    return Suggestion(best, round(confidence, 4), alternatives)


_DIGITS = re.compile(r"\d")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
# a word is two or more letters or digits (scikit-learn's default), Chinese runs apart
_WORDS = re.compile(f"[{_HAN}]+|[^\\W{_HAN}]{{2,}}")
_LATIN_WORDS = re.compile(r"(?u)\b\w\w+\b")


def _mask(text: str) -> str:
    """Digits become 0 before features are made: account, card and phone numbers then never
    reach the model's vocabulary (which is saved to disk), and amounts generalise."""
    return _DIGITS.sub("0", text.lower())


def _tokens(text: str) -> list[str]:
    """The words of a (masked) text: runs of two or more letters or digits, as scikit-learn
    cuts them, and each run of Chinese characters cut into words by jieba (the segmenter
    the survey comments use, with its banking words). Text without Chinese never loads
    jieba."""
    if not _HAN_RUN.search(text):
        return _LATIN_WORDS.findall(text)
    from branchcx.surveys.comments import segmenter

    cut = segmenter().lcut
    words: list[str] = []
    for match in _WORDS.finditer(text):
        token = match.group()
        if _HAN_RUN.fullmatch(token):
            words.extend(w for w in cut(token, HMM=True) if w.strip())
        else:
            words.append(token)
    return words


def _vectorizers() -> tuple[Any, Any]:
    """Words (1-2-grams, jieba for Chinese) and characters (2-4-grams within words)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(
        preprocessor=_mask, tokenizer=_tokens, token_pattern=None, ngram_range=(1, 2),
        min_df=2, sublinear_tf=True, max_features=200_000, dtype=np.float32,
    )  # fmt: skip
    chars = TfidfVectorizer(
        preprocessor=_mask, analyzer="char_wb", ngram_range=(2, 4), min_df=3,
        sublinear_tf=True, max_features=300_000, dtype=np.float32,
    )  # fmt: skip
    return words, chars


class NBLinear:
    """NB-SVM (Wang and Manning, 2012), one class against the rest: each class's linear SVM
    sees the features scaled by their naive-Bayes log-count ratio for that class."""

    def __init__(self, C: float = 0.5, alpha: float = 1.0) -> None:
        self.C, self.alpha = C, alpha

    def fit(self, x: Any, y: Any) -> NBLinear:
        import numpy as np
        from sklearn.svm import LinearSVC

        y = np.asarray(y)
        self.classes_ = np.unique(y)
        present = (x > 0).astype(np.float32)
        self.ratios_, self.models_ = [], []
        for label in self.classes_:
            mine = y == label
            p = self.alpha + np.asarray(present[mine].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(present[~mine].sum(axis=0)).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
            model = LinearSVC(C=self.C, class_weight="balanced", random_state=SEED)
            self.ratios_.append(ratio)
            self.models_.append(model.fit(x.multiply(ratio).tocsr(), mine))
        return self

    def decision_function(self, x: Any) -> Any:
        import numpy as np

        pairs = zip(self.ratios_, self.models_, strict=True)
        return np.column_stack([m.decision_function(x.multiply(r).tocsr()) for r, m in pairs])


def _svc() -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=0.5, class_weight="balanced", random_state=SEED)


# The base models and the feature block each one reads (0: words, 1: characters).
BASES: tuple[tuple[str, int, Any], ...] = (
    ("word SVM", 0, _svc),
    ("character SVM", 1, _svc),
    ("word NB-SVM", 0, NBLinear),
)
INNER_FOLDS = 5
META_C = 0.3  # the regression on the base models' scores; unweighted (see the variants)


class StackedText:
    """Word and character TF-IDF blocks; linear base models on them (``BASES``); a
    multinomial logistic regression on the base models' scores gives the probabilities.
    The regression learns from out-of-fold scores (each training row scored by base models
    that did not see it), so its probabilities are calibrated on unseen text."""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> StackedText:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(labels)
        self.vectorizers_ = _vectorizers()
        blocks = [v.fit_transform(list(texts)) for v in self.vectorizers_]
        self.classes_ = np.unique(y)
        fewest = min(int((y == label).sum()) for label in self.classes_)
        inner = min(INNER_FOLDS, fewest)
        folds = []
        if inner >= 2:  # else too few rows of a label to hold any out: in-sample scores
            splitter = StratifiedKFold(inner, shuffle=True, random_state=SEED)
            folds = list(splitter.split(blocks[0], y))
        out_of_fold = []
        for _name, block, make in BASES:
            x = blocks[block]
            if not folds:
                out_of_fold.append(_scores(make().fit(x, y), x, self.classes_))
                continue
            scores = np.zeros((len(y), len(self.classes_)))
            for seen, unseen in folds:
                scores[unseen] = _scores(make().fit(x[seen], y[seen]), x[unseen], self.classes_)
            out_of_fold.append(scores)
        self.bases_ = [make().fit(blocks[block], y) for _name, block, make in BASES]
        self.meta_ = LogisticRegression(C=META_C, max_iter=1000)
        self.meta_.fit(np.hstack(out_of_fold), y)
        return self

    def _features(self, texts: Sequence[str]) -> Any:
        import numpy as np

        blocks = [v.transform(list(texts)) for v in self.vectorizers_]
        pairs = zip(BASES, self.bases_, strict=True)
        return np.hstack([_scores(m, blocks[b], self.classes_) for (_n, b, _m), m in pairs])

    def predict_proba(self, texts: Sequence[str]) -> Any:
        return self.meta_.predict_proba(self._features(texts))

    def predict(self, texts: Sequence[str]) -> Any:
        return self.meta_.predict(self._features(texts))


def _scores(model: Any, x: Any, classes: Any) -> Any:
    """One column per class, also for two classes (where linear models give one score) and
    when an inner fold lacked a class (a column of the lowest score)."""
    import numpy as np

    scores = model.decision_function(x)
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    if len(model.classes_) == len(classes):
        return scores
    full = np.full((x.shape[0], len(classes)), scores.min())
    full[:, np.searchsorted(classes, model.classes_)] = scores
    return full


def train(texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two different labels")
    started = time.perf_counter()
    pipeline = StackedText().fit(texts, [str(label) for label in labels])
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


def model_path(target: str = "business") -> Path:
    name = MODEL_FILE if target == "business" else f"complaint-{target}.joblib"
    return Path(settings.DATA_DIR) / "models" / name


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:32]


def remember_holdout(model: TextClassifier, texts: Sequence[str], source: str) -> None:
    """Keep which rows were held out (by fingerprint) and from where, with the model."""
    model.meta["holdout"] = sorted({fingerprint(t) for t in texts})
    model.meta["source"] = source


def holdout_rows(
    model: TextClassifier, texts: Sequence[str], labels: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The rows of ``texts`` that training held out (empty if the model kept no hold-out)."""
    held = set(model.meta.get("holdout", ()))
    rows = [(t, y) for t, y in zip(texts, labels, strict=True) if fingerprint(t) in held]
    return [t for t, _y in rows], [y for _t, y in rows]


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


def lexicon_suggestion(text: str, target: str = "business") -> Suggestion | None:
    """Cold start: the label whose keywords the text mentions most, if any."""
    lowered = text.lower()
    lexicon = LEXICONS[target]
    hits = {code: sum(lowered.count(w.lower()) for w in words) for code, words in lexicon.items()}
    total = sum(hits.values())
    if not total:
        return None
    ranked = sorted(hits.items(), key=lambda pair: -pair[1])
    best, count = ranked[0]
    others = tuple((code, round(n / total, 4)) for code, n in ranked[1:3] if n)
    return Suggestion(best, round(count / total, 4), others, source="lexicon")
