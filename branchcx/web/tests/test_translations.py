"""The Simplified Chinese catalogue is complete, consistent with its sources, and compiled.

After adding user-facing strings, run (from ``branchcx/``)::

    branchcx makemessages -l zh_Hans --no-obsolete -i "static/*" -i "*/tests/*"
    # translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po
    branchcx compilemessages -l zh_Hans
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    # "msgstr" for singular entries, "msgstr[0]", "msgstr[1]", ... for plural ones.
    msgstr: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise AssertionError(f"{where}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: entries in file order, obsolete (#~) entries skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    keyword: str | None = None

    def finish() -> None:
        nonlocal current, keyword
        if current is not None and (current.msgid or current.msgstr):
            entries.append(current)
        current, keyword = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if current is not None and keyword is not None:
                finish()  # a comment after msgstr starts the next entry
            current = current or Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith('"'):
            if current is None or keyword is None:
                raise AssertionError(f"{where}: continuation line outside an entry")
            value = _unquote(line, where)
            if keyword == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            elif keyword == "msgid":
                current.msgid += value
            elif keyword == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgstr[keyword] += value
        else:
            match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(.*)", line)
            if match is None:
                raise AssertionError(f"{where}: cannot read {raw!r}")
            keyword, value = match.group(1), _unquote(match.group(2), where)
            if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
                finish()  # no blank line between two entries
                keyword = match.group(1)
            current = current or Entry(line=number)
            if keyword == "msgctxt":
                current.msgctxt = value
            elif keyword == "msgid":
                current.msgid = value
            elif keyword == "msgid_plural":
                current.msgid_plural = value
            else:
                current.msgstr[keyword] = value
    finish()
    return entries


def _header(entries: list[Entry]) -> Entry:
    assert entries, "django.po has no entries"
    first = entries[0]
    assert first.msgid == "" and first.msgctxt is None, "django.po must start with its header"
    return first


def _messages(entries: list[Entry]) -> list[Entry]:
    _header(entries)
    return entries[1:]


# %(name)s, %s, %d ... (python-format) -- "%%" is a literal percent sign, not a placeholder.
PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifreExXgGcoa%]")
# {{ name }} from a template, {name} / {0} from str.format.
BRACES = re.compile(r"\{\{\s*[\w.]+\s*\}\}|\{[\w.]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str) -> Counter[str]:
    found = [p for p in PERCENT.findall(text) if p != "%%"]
    found += [re.sub(r"\s+", "", b) for b in BRACES.findall(text)]
    found += HTML_TAG.findall(text)
    return Counter(found)


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing; run makemessages -l zh_Hans"
    return parse_po(PO_PATH)


def test_parser_reads_a_catalogue_with_context_plurals_and_wrapping(tmp_path: Path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid ""\n"Hello %(name)s, "\n"\\"you\\""\n'
        'msgstr "你好"\n\n'
        'msgctxt "menu"\nmsgid "Open"\nmsgstr "打开"\n\n'
        'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s 项"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "已删除"\n',
        encoding="utf-8",
    )
    header, hello, menu, items = parse_po(sample)
    assert header.msgstr["msgstr"] == "Language: zh_Hans\n"
    assert hello.msgid == 'Hello %(name)s, "you"'
    assert hello.flags == {"fuzzy", "python-format"}
    assert (menu.msgctxt, menu.msgid, menu.msgstr) == ("menu", "Open", {"msgstr": "打开"})
    assert items.msgid_plural == "%(n)s items"
    assert items.msgstr == {"msgstr[0]": "%(n)s 项"}
    assert placeholders(hello.msgid) == Counter({"%(name)s": 1})
    assert placeholders("{{ a }} <b>{b}</b> 100%%") == Counter(
        {"{{a}}": 1, "{b}": 1, "<b>": 1, "</b>": 1}
    )


def test_catalogue_header_declares_chinese_utf8_and_one_plural_form(po_entries: list[Entry]):
    header = _header(po_entries)
    assert "fuzzy" not in header.flags, "remove '#, fuzzy' from the header once it is filled in"
    text = header.msgstr.get("msgstr", "")
    assert "Language: zh_Hans\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text


def test_every_entry_is_translated(po_entries: list[Entry]):
    messages = _messages(po_entries)
    assert messages, "the catalogue has no messages; did makemessages run?"
    untranslated = [
        e.label for e in messages if not e.msgstr or any(not s.strip() for s in e.msgstr.values())
    ]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated}"


def test_no_entry_is_fuzzy(po_entries: list[Entry]):
    fuzzy = [e.label for e in _messages(po_entries) if "fuzzy" in e.flags]
    assert fuzzy == [], f"review these and remove '#, fuzzy': {fuzzy}"


def test_translations_keep_the_placeholders_and_tags_of_their_source(po_entries: list[Entry]):
    mismatched = []
    for entry in _messages(po_entries):
        for key, msgstr in entry.msgstr.items():
            # With nplurals=1 the single form must carry every placeholder of the plural.
            source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
            if msgstr and placeholders(source) != placeholders(msgstr):
                mismatched.append(
                    f"{entry.label} {key}: {sorted(placeholders(source).elements())} "
                    f"!= {sorted(placeholders(msgstr).elements())}"
                )
    assert mismatched == [], "\n".join(mismatched)


def test_compiled_catalogue_matches_the_po_file(po_entries: list[Entry]):
    assert MO_PATH.is_file(), f"{MO_PATH} is missing; run compilemessages -l zh_Hans"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("language") == "zh_Hans"
    stale = []
    for entry in _messages(po_entries):
        if entry.msgid_plural is not None:
            expected = entry.msgstr.get("msgstr[0]", "")
            if entry.msgctxt is None:
                actual = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            else:
                actual = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
        else:
            expected = entry.msgstr.get("msgstr", "")
            if entry.msgctxt is None:
                actual = compiled.gettext(entry.msgid)
            else:
                actual = compiled.pgettext(entry.msgctxt, entry.msgid)
        if actual != expected:
            stale.append(f"{entry.label}: .mo has {actual!r}, .po has {expected!r}")
    assert stale == [], "run compilemessages -l zh_Hans:\n" + "\n".join(stale)


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "Sign in" not in html


def test_login_page_is_english_with_the_language_cookie(client, db):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "登录" not in html
