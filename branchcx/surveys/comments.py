"""What a survey comment says: whether it is positive, neutral or negative, and which SERVQUAL
dimensions it talks about.

The comment is cut into words by jieba (accurate mode, with its HMM for words it does not
know), with the banking terms of ``lexicon/banking_terms.txt`` and every theme and sentiment
word added to its dictionary, so that "大堂经理" or "叫号机" stay one word. Then, word by word:

- a sentiment word (``positive.txt``, ``negative.txt``) adds its weight to the score;
- a negation word (``negation.txt``) flips the next sentiment word within three words, and two
  negations cancel ("没有不满意" is praise);
- a degree word (``degree.txt``) weighs the next sentiment word ("非常满意", "有点慢");
- after a contrast ("但是", "不过", "but") sentiment weighs half as much again: in
  "服务很好 但是排队太久" the complaint is what the customer came to say;
- punctuation ends a clause: a negation or degree word does not reach past it;
- a word written with its negation or degree word ("不方便", "太慢") is read as the two.

The comment is positive when the score is above ``THRESHOLD``, negative when below minus it,
neutral otherwise. A comment is under every dimension one of whose theme words it uses
(``theme_<dimension>.txt``), so "柜员很专业 但是排队太久了" is about assurance and
responsiveness. English comments go through the same steps (jieba keeps Latin words whole).

No database here. The segmenter is loaded once per process, on first use (about a second),
and keeps its cache file in the data directory.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from branchcx.surveys.definition import DIMENSIONS

LEXICON_DIR = Path(__file__).with_name("lexicon")
WINDOW = 3  # words a negation or degree word reaches
CONTRAST_WEIGHT = 1.5
THRESHOLD = 0.3
MAX_CHARS = 5000  # a longer text is read up to here (a comment box allows far less)
CONTRAST = frozenset({"但", "但是", "可是", "不过", "然而", "只是", "就是", "but", "however"})
PARTICLES = "了的啊呢吧啦哦呀嘛"  # stripped from a word's end before looking it up
_PUNCTUATION = re.compile(r"^[\W_]+$")
# English contractions jieba would cut at the apostrophe ("didn", "'", "t")
_CONTRACTIONS = ((re.compile(r"\b(can)'?t\b"), r"\1 not"), (re.compile(r"\bwon'?t\b"), "will not"),
                 (re.compile(r"n't\b"), " not"))  # fmt: skip
_PHRASES = (("out of service", "broken"), ("out of order", "broken"))

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommentAnalysis:
    sentiment: int  # -1, 0, 1
    score: float  # the weighted sum of the sentiment words
    themes: tuple[str, ...]  # SERVQUAL dimensions, in the questionnaire's order


NEUTRAL = CommentAnalysis(0, 0.0, ())


@dataclass(frozen=True)
class Lexicon:
    polarity: dict[str, float]  # positive words > 0, negative words < 0
    negation: frozenset[str]
    degree: dict[str, float]
    themes: dict[str, frozenset[str]]  # word -> dimensions
    terms: tuple[str, ...]  # extra words for the segmenter's dictionary
    prefixes: tuple[str, ...]  # negation and degree words, longest first

    def themes_of(self, word: str, stem: str) -> frozenset[str]:
        """The dimensions a word is about. A compound jieba knows whole ("服务态度",
        "办事效率") is about what the theme words inside it are about."""
        found = self.themes.get(stem) or self.themes.get(word)
        if found is not None:
            return found
        if len(word) < 3 or word.isascii() or word in self.terms:
            return frozenset()
        inside = [d for w, d in self.themes.items() if len(w) > 1 and w in word]
        return frozenset().union(*inside)

    def dictionary_words(self) -> list[str]:
        """Words the segmenter must keep whole: multi-character Chinese words of the lexicon."""
        words = {*self.terms, *self.polarity, *self.themes}
        return sorted(w for w in words if len(w) > 1 and not w.isascii())


def _lines(name: str) -> list[list[str]]:
    text = (LEXICON_DIR / name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip() and line[0] != "#"]


@cache
def lexicon() -> Lexicon:
    """The word lists of ``lexicon/``, read once."""
    polarity: dict[str, float] = {}
    for name, sign in (("positive.txt", 1), ("negative.txt", -1)):
        for parts in _lines(name):
            polarity[parts[0]] = sign * (float(parts[1]) if len(parts) > 1 else 1.0)
    themes: dict[str, set[str]] = {}
    for dimension in DIMENSIONS:
        for parts in _lines(f"theme_{dimension}.txt"):
            themes.setdefault(parts[0], set()).add(dimension)
    negation = frozenset(parts[0] for parts in _lines("negation.txt"))
    degree = {parts[0]: float(parts[1]) for parts in _lines("degree.txt")}
    return Lexicon(
        polarity=polarity,
        negation=negation,
        degree=degree,
        themes={word: frozenset(found) for word, found in themes.items()},
        terms=tuple(parts[0] for parts in _lines("banking_terms.txt")),
        prefixes=tuple(sorted(negation | set(degree), key=len, reverse=True)),
    )


_lock = threading.Lock()
_segmenter: Any = None


def segmenter() -> Any:
    """jieba's tokenizer with the lexicon's words, loaded once per process. Its cache file
    goes to the data directory (jieba would write to the system's temporary directory), and
    its progress messages are dropped (jieba prints them on stderr)."""
    global _segmenter
    if _segmenter is not None:
        return _segmenter
    with _lock:
        if _segmenter is None:
            with warnings.catch_warnings():
                # jieba 0.42 imports pkg_resources, deprecated in recent setuptools
                warnings.simplefilter("ignore")
                import jieba

            jieba.default_logger.removeHandler(jieba.log_console)
            jieba.setLogLevel(logging.WARNING)  # its failures still reach our logging
            tokenizer = jieba.Tokenizer()
            cache_dir = Path(settings.DATA_DIR) / "cache"
            cache_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(cache_dir)
            tokenizer.initialize()
            for word in lexicon().dictionary_words():
                tokenizer.add_word(word)
            _segmenter = tokenizer
    return _segmenter


def normalise(text: str) -> str:
    """Half-width letters, digits and punctuation, lower case, contractions spelt out."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()[:MAX_CHARS]
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    for phrase, replacement in _PHRASES:
        text = text.replace(phrase, replacement)
    return text


def words(text: str) -> list[str]:
    """The comment's words as jieba cuts them (spaces dropped)."""
    clean = normalise(text)
    if not clean:
        return []
    return [w for w in (w.strip() for w in segmenter().cut(clean, HMM=True)) if w]


def _parse(lex: Lexicon, word: str) -> tuple[int, float, str]:
    """A word as (negations, degree, stem): "不太好" is (1, 1.0, "好") and "非常不满意"
    (1, 2.0, "满意"); a word the lexicon knows whole stays whole ("不耐烦")."""
    negations, degree = 0, 1.0
    known = word in lex.polarity or word in lex.themes
    stem = word if known else word.rstrip(PARTICLES) or word
    while stem not in lex.polarity:
        prefix = next((p for p in lex.prefixes if stem.startswith(p) and len(stem) > len(p)),
                      None)  # fmt: skip
        if prefix is None:
            break
        if prefix in lex.negation:
            negations += 1
        degree *= lex.degree.get(prefix, 1.0)
        stem = stem[len(prefix) :]
    return negations, degree, stem


def analyse(text: str) -> CommentAnalysis:
    """The comment's sentiment, score and themes (neutral and no theme for an empty one)."""
    lex = lexicon()
    score = 0.0
    themes: set[str] = set()
    weight = 1.0  # CONTRAST_WEIGHT after a contrast word
    negations, negation_left = 0, 0
    degree, degree_left = 1.0, 0
    for word in words(text):
        if _PUNCTUATION.match(word) or word in CONTRAST:
            negations, degree = 0, 1.0  # a clause ends
            if word in CONTRAST:
                weight = CONTRAST_WEIGHT
            continue
        if word in lex.negation:
            negations, negation_left = negations + 1, WINDOW
            continue
        if word in lex.degree:
            degree, degree_left = degree * lex.degree[word], WINDOW
            continue
        prefix_negations, prefix_degree, stem = _parse(lex, word)
        themes |= lex.themes_of(word, stem)
        polarity = lex.polarity.get(stem, 0.0)
        if polarity:
            flipped = (negations + prefix_negations) % 2 == 1
            score += polarity * degree * prefix_degree * weight * (-1 if flipped else 1)
            negations, degree = 0, 1.0
            continue
        negation_left, degree_left = negation_left - 1, degree_left - 1
        if negation_left <= 0:
            negations = 0
        if degree_left <= 0:
            degree = 1.0
    sentiment = 1 if score > THRESHOLD else -1 if score < -THRESHOLD else 0
    return CommentAnalysis(sentiment, round(score, 3), tuple(d for d in DIMENSIONS if d in themes))


def analyse_or_none(text: str, *, ref: Any = None) -> CommentAnalysis | None:
    """``analyse``, or None when it fails: a comment is kept whether or not it can be read,
    so a failure is logged (by ``ref``, never with the text, which is personal data) and
    left to the re-analysis command."""
    try:
        return analyse(text)
    except Exception as exc:
        log.error("Comment analysis failed (%s): %s", ref, type(exc).__name__)
        return None
