"""The complaint classifier: trains, suggests with confidence, scores, and falls back to
keywords before any training."""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from branchcx.complaints import classifier, suggestions

TOPICS = {
    "03": ["信用卡分期手续费太高", "信用卡被盗刷", "credit card annual fee charged twice"],
    "02": ["房贷利率上浮不合理", "贷款提前还款违约金", "mortgage payment was misapplied"],
    "05": ["转账一直没有到账", "汇款被退回", "wire transfer never arrived"],
}


def examples(n_per_label: int = 30, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    fillers = ["客户表示不满", "要求尽快处理", "please fix this", "第二次来", "非常生气", "today"]
    texts, labels = [], []
    for label, phrases in TOPICS.items():
        for _ in range(n_per_label):
            texts.append(f"{rng.choice(phrases)}，{rng.choice(fillers)} {rng.choice(fillers)}")
            labels.append(label)
    return texts, labels


def test_trained_model_suggests_categories_with_confidence():
    train_x, test_x, train_y, test_y = classifier.split(*examples())
    model = classifier.train(train_x, train_y)

    scores = classifier.evaluate(model, test_x, test_y)
    (card, wire) = model.suggest(["我的信用卡分期手续费被多收了", "my wire transfer never arrived"])

    assert scores.accuracy == 1.0 and scores.n == len(test_x)
    assert (card.label, wire.label) == ("03", "05")
    assert 0.34 < card.confidence <= 1 and card.source == "model"
    assert [label for label, _c in card.alternatives] and card.alternatives[0][1] <= card.confidence


def test_the_split_is_reproducible_and_stratified():
    texts, labels = examples()
    first, second = classifier.split(texts, labels), classifier.split(texts, labels)
    assert first == second
    assert sorted(set(first[3])) == ["02", "03", "05"]  # every label is in the hold-out


def test_before_any_training_keywords_suggest_a_category():
    suggestion = classifier.lexicon_suggestion("信用卡年费和分期手续费都被多扣了")
    assert (suggestion.label, suggestion.source) == ("03", "lexicon")
    assert classifier.lexicon_suggestion("今天天气很好") is None


def write_csv(path: Path, texts: list[str], labels: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["narrative", "product"])
        writer.writerows(zip(texts, labels, strict=True))
    return path


SCORE_LINE = re.compile(r"^accuracy=\d\.\d{4} macro_f1=\d\.\d{4}$")


def test_commands_train_save_and_score_ending_with_the_score_line(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    data = write_csv(tmp_path / "train.csv", *examples())
    columns = ["--text-column", "narrative", "--label-column", "product"]

    out = io.StringIO()
    call_command("complaints", "train-classifier", "--from-csv", str(data), *columns, stdout=out)
    assert SCORE_LINE.match(out.getvalue().strip().splitlines()[-1])
    assert (tmp_path / "models" / classifier.MODEL_FILE).exists()

    out = io.StringIO()
    test = write_csv(tmp_path / "test.csv", *examples(5, seed=9))
    call_command("complaints", "evaluate-classifier", "--test-csv", str(test), *columns, stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "accuracy=1.0000 macro_f1=1.0000"


def test_commands_explain_what_is_missing(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="No trained model"):
        call_command("complaints", "evaluate-classifier", "--from-csv", str(tmp_path / "x.csv"))
    data = write_csv(tmp_path / "train.csv", *examples())
    with pytest.raises(CommandError, match="no column label, text"):
        call_command("complaints", "train-classifier", "--from-csv", str(data))


def test_evaluation_scores_exactly_the_rows_training_held_out(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    texts, labels = examples()
    texts = [f"{text} (case {i})" for i, text in enumerate(texts)]  # every narrative distinct
    data = write_csv(tmp_path / "train.csv", texts, labels)
    columns = ["--text-column", "narrative", "--label-column", "product"]
    out = io.StringIO()
    call_command("complaints", "train-classifier", "--from-csv", str(data), *columns, stdout=out)
    held_out = int(re.search(r"held-out (\d+)", out.getvalue()).group(1))

    # more rows arrive: a fresh split would mix rows the model was trained on into the test
    more_texts, more_labels = examples(40, seed=3)
    more_texts = [f"{text} (new case {i})" for i, text in enumerate(more_texts)]
    write_csv(data, texts + more_texts, labels + more_labels)
    out = io.StringIO()
    call_command("complaints", "evaluate-classifier", "--from-csv", str(data), *columns, stdout=out)
    assert f"scored on {held_out}:" in out.getvalue()
    # the model file keeps fingerprints, never the narratives themselves
    assert texts[0].encode() not in (tmp_path / "models" / classifier.MODEL_FILE).read_bytes()

    other = write_csv(tmp_path / "other.csv", *examples(5, seed=11))
    with pytest.raises(CommandError, match="none of its held-out rows"):
        call_command("complaints", "evaluate-classifier", "--from-csv", str(other), *columns)


def test_cause_and_urgency_are_suggested_from_keywords_before_any_training(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    found = suggestions.suggest("信用卡年费被多扣了，再不处理我就找媒体曝光")
    assert (found["business"].label, found["cause"].label) == ("03", "07")
    assert (found["priority"].label, found["priority"].source) == ("urgent", "lexicon")
    assert suggestions.suggest("   ") == {"business": None, "cause": None, "priority": None}


def test_a_trained_cause_model_replaces_the_lexicon(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    texts, labels = examples()
    cause_of = {"02": "09", "03": "07", "05": "02"}  # a made-up mapping to cause codes
    data = write_csv(tmp_path / "causes.csv", texts, [cause_of[label] for label in labels])
    columns = ["--text-column", "narrative", "--label-column", "product"]
    call_command(
        "complaints", "train-classifier", "--target", "cause", "--from-csv", str(data), *columns,
        stdout=io.StringIO(),
    )  # fmt: skip
    assert (tmp_path / "models" / "complaint-cause.joblib").exists()
    found = suggestions.suggest("my wire transfer never arrived")
    assert (found["cause"].label, found["cause"].source) == ("02", "model")
    assert found["business"].source == "lexicon"  # no business model was trained here
