"""Message catalogues: every string a person reads, in zh-CN (the default) and en.

The catalogues are gettext .po files, read with Babel: `i18n/locale/<zh_CN|en>/LC_MESSAGES/*.po`,
one file per domain (messages.po for the API, others for pages and reports), merged per language.
A msgid is the English text itself (with `{name}` placeholders), so an English client can match on
it, and the en catalogue may leave a msgstr empty. tests/test_i18n.py checks that every msgid has a
zh-CN translation with the same placeholders.

    translate("no node {uid}", "zh-CN", uid="x")   # a catalogue's text, formatted
    negotiate("en-GB,en;q=0.9,zh;q=0.5")          # "en": the first supported language asked for

This package imports nothing of the project: every layer may use it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_DIRECTORIES = {"zh-CN": "zh_CN", "en": "en"}


def language(tag: str | None) -> str:
    """The supported language a tag names (zh, zh-Hans-CN, zh_TW, en-GB, EN → zh-CN or en); the
    default (zh-CN) for anything else or nothing."""
    primary = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return "en" if primary == "en" else DEFAULT if primary in ("zh", "") else DEFAULT


def negotiate(accept_language: str | None, default: str = DEFAULT) -> str:
    """The language an Accept-Language header prefers among LANGUAGES: its entries by quality
    (q, default 1; q=0 refused; order kept among equals); `default` when none is supported."""
    ranked = []
    for position, entry in enumerate((accept_language or "").split(",")):
        tag, _, params = entry.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in ("zh", "en"):
            ranked.append((-quality, position, "en" if primary == "en" else "zh-CN"))
    return min(ranked)[2] if ranked else default


def error_language(accept_language: str | None) -> str:
    """The language errors are said in: the Accept-Language's (negotiate), and English without one
    (or with none we speak), so a program that sends no header keeps matching the stable English
    text. /graphql, /export, /reports and POST /import all answer by this rule."""
    return negotiate(accept_language, default="en")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Every msgid → msgstr of a language's .po files (empty translations left out)."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / _DIRECTORIES[language(lang)] / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str) and message.string:
                    merged[message.id] = message.string
    return merged


def translate(msgid: str, lang: str | None = None, **params: object) -> str:
    """`msgid` in `lang` (zh-CN when None), its `{placeholders}` filled from `params`; the msgid
    itself (English) where the catalogue has no translation."""
    text = catalogue(language(lang)).get(msgid) or msgid
    return text.format(**params) if params else text


def enum_label(enum: str, value: str, lang: str | None = None) -> str:
    """The label of a graph/model.py enum value (enums.po, msgid `Enum.VALUE`): 水电 for
    ("DemandCategory", "UTILITIES") in zh-CN, "Utilities" in en; the value itself if unknown."""
    msgid = f"{enum}.{value}"
    text = catalogue(language(lang)).get(msgid)
    return text if text else value


def say(msgid: str, lang: str | None = None, **params: object) -> str:
    """Like `translate`, but the msgid is always a format string (`{{` for a literal brace), so a
    message without params formats the same way as one with; params that are `Message`s are said
    in `lang` too. A text the catalogue's placeholders do not fit is returned unformatted rather
    than raising (the catalogue tests keep that from happening)."""
    text = catalogue(language(lang)).get(msgid) or msgid
    values = {name: _said(value, lang) for name, value in params.items()}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return msgid if text is msgid else say(msgid, "en", **params)


class Message(str):
    """A reason in English that remembers its msgid and params, so it can be said in another
    language at the boundary (GraphQL errors, import reports). It *is* the English text as a str,
    so code that prints, compares or logs a reason is unchanged.

        reason = Message("must be at most {maximum}, got {value}", maximum=100, value=500)
        reason == "must be at most 100, got 500";  reason.say("zh-CN") == "不得大于 100，实为 500"
    """

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> "Message":
        self = super().__new__(cls, say(msgid, "en", **params))
        self.msgid, self.params = msgid, params
        return self

    def say(self, lang: str | None) -> str:
        """The message in `lang` (zh-CN or en; zh-CN when None)."""
        return say(self.msgid, lang, **self.params)

    def __reduce__(self):  # pickles (e.g. across processes) as the message it is
        return (_message, (self.msgid, self.params))


def _said(value: object, lang: str | None) -> object:
    """A param as said in `lang`: a Message translated, a tuple of Messages each translated and
    joined with ", " (a list of reasons); anything else (uids, numbers, enum values) as it is."""
    if isinstance(value, Message):
        return value.say(lang)
    if isinstance(value, tuple) and value and all(isinstance(item, Message) for item in value):
        return ", ".join(item.say(lang) for item in value)
    return value


def _message(msgid: str, params: dict[str, object]) -> Message:
    return Message(msgid, **params)


def message(reason: str, /, **params: object) -> Message:
    """`reason` as a Message: itself if it is one already (params then ignored), else a msgid."""
    return reason if isinstance(reason, Message) and not params else Message(reason, **params)
