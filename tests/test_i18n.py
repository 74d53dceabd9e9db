"""The message catalogues (i18n/): every msgid translated into zh-CN with the same placeholders,
the language a tag or an Accept-Language header names, and translation with placeholders."""
from __future__ import annotations

import re
import string

import pytest
from babel.messages.pofile import read_po

import i18n
from tests import error_msgids


def _messages(lang_dir: str) -> dict[str, str]:
    found = {}
    for path in sorted((i18n.LOCALE_DIR / lang_dir / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            found.update({m.id: m.string for m in read_po(handle) if m.id})
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_chinese_translation_with_the_same_placeholders():
    zh, en = _messages("zh_CN"), _messages("en")
    assert zh and set(en) <= set(zh), sorted(set(en) - set(zh))
    for msgid, text in zh.items():
        assert text, f"no zh-CN text for {msgid!r}"
        assert re.search(r"[\u4e00-\u9fff]", text), f"zh-CN text without Chinese for {msgid!r}: {text!r}"
        assert _fields(text) == _fields(msgid), msgid
    for msgid, text in en.items():
        assert not text or _fields(text) == _fields(msgid), msgid


@pytest.mark.parametrize("tag, lang", [
    (None, "zh-CN"), ("", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("zh_TW", "zh-CN"),
    ("en", "en"), ("EN-gb", "en"), ("en_US", "en"), ("fr", "zh-CN"), ("english", "zh-CN"),
])
def test_a_tag_names_a_supported_language(tag, lang):
    assert i18n.language(tag) == lang


@pytest.mark.parametrize("header, lang", [
    (None, "zh-CN"), ("", "zh-CN"), ("*", "zh-CN"), ("en", "en"), ("en-US,en;q=0.9", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("fr;q=1, en;q=0.5, zh;q=0.4", "en"),
    ("en;q=0.2, zh-Hans;q=0.8", "zh-CN"), ("en;q=0, zh;q=0.1", "zh-CN"), ("en;q=0", "zh-CN"),
    ("de, fr", "zh-CN"), ("en;q=abc, zh;q=0.3", "zh-CN"), ("zh;q=0.5, en;q=0.5", "zh-CN"),
])
def test_accept_language_is_negotiated_by_quality(header, lang):
    assert i18n.negotiate(header) == lang


def test_translate_fills_placeholders_and_falls_back_to_the_msgid():
    assert i18n.translate("Chancheng regionalised party building", "zh-CN") == "禅城区域化党建"
    assert i18n.translate("Chancheng regionalised party building", "en") == "Chancheng regionalised party building"
    assert i18n.translate("no such message {x}", "zh-CN", x=1) == "no such message 1"


def _specs(text: str) -> list[tuple[str, str | None, str]]:
    return sorted((name, conversion, spec) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None)


def test_every_error_and_import_reason_in_the_code_is_in_the_catalogue():
    """Each msgid the code gives an error, a refusal or an import problem (tests/error_msgids.py
    reads them from the source) has a zh-CN text with the same fields, conversions and formats
    (`{uid!r}`, `{rows:,}`), and an entry in the en catalogue; and no reason is an f-string."""
    zh, en = _messages("zh_CN"), _messages("en")
    used = error_msgids.msgids()
    assert len(used) > 150, len(used)  # the scan finds the call sites (it would find none if they moved)
    missing = {msgid: where for msgid, where in used.items() if msgid not in zh or msgid not in en}
    assert not missing, missing
    for msgid in used:
        assert _specs(zh[msgid]) == _specs(msgid), (msgid, zh[msgid])
        sample = {name: 1 for name, _, _ in _specs(msgid) if name}
        said = i18n.say(msgid, "zh-CN", **sample)  # no placeholder left over: only the literal braces
        assert said.count("{") == zh[msgid].count("{{") and said != zh[msgid] or not sample, (msgid, said)
    assert not error_msgids.formatted(), "reasons given as f-strings (say them as a msgid with params)"


def test_a_message_is_its_english_text_and_says_itself_in_chinese():
    reason = i18n.Message("must be between 0 and {MAX_PAGE_SIZE}, got {first}", MAX_PAGE_SIZE=100, first=500)
    assert reason == "must be between 0 and 100, got 500" and isinstance(reason, str)
    assert reason.say("en") == reason and reason.say("zh-CN") == "须在 0 到 100 之间，实为 500"
    nested = i18n.Message("item {i}: {problem}", i=2, problem=i18n.Message("must not be empty"))
    assert nested == "item 2: must not be empty" and nested.say("zh-CN") == "第 2 项：不能为空"
    assert i18n.Message("null is not a filter; {{}} matches every node") == "null is not a filter; {} matches every node"
