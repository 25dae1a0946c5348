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
    call_command(
        "complaints", "train-classifier", "--keep-holdout", "--from-csv", str(data), *columns,
        stdout=out,
    )  # fmt: skip
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


def test_the_saved_model_learns_from_every_row_given(tmp_path, settings):
    """Chosen by its hold-out, the model kept is trained on all rows; evaluating it without
    a test file repeats the estimate rather than scoring rows it has seen."""
    settings.DATA_DIR = tmp_path
    texts, labels = examples()
    data = write_csv(tmp_path / "train.csv", texts, labels)
    columns = ["--text-column", "narrative", "--label-column", "product"]
    out = io.StringIO()
    call_command("complaints", "train-classifier", "--from-csv", str(data), *columns, stdout=out)
    estimate = out.getvalue().strip().splitlines()[-1]
    model = classifier.load(tmp_path / "models" / classifier.MODEL_FILE)
    assert model.trained_on == len(texts)
    assert "holdout" not in model.meta
    out = io.StringIO()
    call_command("complaints", "evaluate-classifier", "--from-csv", str(data), *columns, stdout=out)
    assert "estimated at training" in out.getvalue()
    assert out.getvalue().strip().splitlines()[-1] == estimate


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


CHINESE = {
    "card": [
        "我的信用卡昨天晚上被盗刷了三笔",
        "信用卡额度突然被降低，没有任何通知",
        "申请的信用卡一直没有寄到",
        "信用卡账单上有一笔我没有消费过的交易",
        "借记卡在取款机被吞了，柜台说要等三天",
        "银行卡被冻结，无法刷卡消费",
        "信用卡还款后额度没有恢复",
    ],
    "loan": [
        "房贷利率比合同约定的高",
        "提前还款被收取高额违约金",
        "贷款审批拖了两个月还没有结果",
        "按揭贷款的还款日被银行擅自更改",
        "经营贷款到期后银行不同意续贷",
        "消费贷款的实际年化利率远高于宣传",
        "车贷已经还清但是抵押一直没有解除",
    ],
    "wealth": [
        "理财产品到期亏损，客户经理说保本",
        "购买的理财产品净值一直下跌",
        "理财经理推荐高风险产品却没有做风险评估",
        "理财产品赎回资金迟迟不到账",
        "客户经理承诺理财收益百分之五，实际只有一半",
        "老人被误导购买了五年期理财产品",
        "理财产品说明书和销售人员说的不一致",
    ],
    "fee": [
        "账户管理费每月被扣十元，从来没人告诉我",
        "短信通知服务费在未开通的情况下被扣",
        "跨行转账手续费比公布的标准高",
        "小额账户管理费收费不合理",
        "柜台取现被收取手续费，没有提前说明",
        "异地存款也要收手续费，收费太多",
        "工本费和挂失手续费收了两次",
    ],
}
CHINESE_UNSEEN = [
    ("信用卡被人在境外盗刷了两次", "card"),
    ("银行卡额度被降了，也没有短信通知", "card"),
    ("我想提前还房贷，银行要收违约金", "loan"),
    ("贷款利率和合同上写的不一样", "loan"),
    ("买的理财产品亏了很多，当初说是保本的", "wealth"),
    ("理财产品赎回三周了钱还没到账", "wealth"),
    ("每个月都被扣账户管理费", "fee"),
    ("转账手续费收得比标准高", "fee"),
]


def test_chinese_complaints_are_cut_into_words_and_classified(tmp_path, settings):
    settings.DATA_DIR = tmp_path  # jieba's cache goes there
    texts = [text for phrases in CHINESE.values() for text in phrases]
    labels = [label for label, phrases in CHINESE.items() for _text in phrases]
    model = classifier.train(texts, labels)

    words, _chars = model.pipeline.vectorizers_
    assert {"信用卡", "理财产品", "手续费", "贷款"} <= set(words.vocabulary_)
    unseen, expected = zip(*CHINESE_UNSEEN, strict=True)
    assert model.predict(unseen) == list(expected)
    found = model.suggest(unseen)
    assert [s.label for s in found] == list(expected)
    assert all(0 < s.confidence <= 1 and s.alternatives for s in found)


def test_words_are_jieba_words_in_chinese_and_scikit_learn_words_elsewhere(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    assert classifier._tokens("my card was charged twice, a fee of 00") == [
        "my", "card", "was", "charged", "twice", "fee", "of", "00",
    ]  # fmt: skip
    words = classifier._tokens("信用卡被盗刷了 card fee")
    assert "信用卡" in words and words[-2:] == ["card", "fee"]


def test_a_model_saved_before_the_stacked_model_still_suggests(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels = examples()
    old = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)), LinearSVC())
    old.fit(texts, labels)
    path = classifier.save(classifier.TextClassifier(old, tuple(old.classes_), len(texts), 0.1),
                           tmp_path / "old.joblib")  # fmt: skip
    (wire,) = classifier.load(path).suggest(["wire transfer never arrived"])
    assert wire.label == "05" and 0 < wire.confidence <= 1 and len(wire.alternatives) == 2
