"""Which encoding an imported file is in, and its text.

Chinese Excel saves "CSV" as GB18030 (GBK) without a byte-order mark; Excel's "CSV UTF-8"
and our own exports start with a UTF-8 BOM. Statistical detection (charset-normalizer) is
unreliable on the few dozen bytes of a small file (it reads 示例镇 in GB18030 as Big5 or
Korean), so the strict decoders come first: valid UTF-8 is UTF-8; otherwise a file that is
valid GB18030 is GB18030; only then is charset-normalizer asked for its best guess.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from i18n import Message

import charset_normalizer

UTF8_BOM = codecs.BOM_UTF8


class EncodingProblem(ValueError):
    """The file cannot be decoded; `line` is the line of the first bad byte (1 if unknown)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason  # an i18n.Message


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # what the report says, e.g. "UTF-8", "UTF-8 with BOM", "GB18030"
    guessed: bool = False  # charset-normalizer's best guess, not a strict decode


def check_encoding_name(name: str) -> str:
    """The codec's canonical name; ValueError with a readable reason for an unknown one."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}; try utf-8 or gb18030") from None


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """The file's text: in `encoding` when given, otherwise detected. Raises EncodingProblem."""
    if encoding is not None:
        codec = check_encoding_name(encoding)
        if codec == "utf-8" and data.startswith(UTF8_BOM):
            return Decoded(_strict(data[len(UTF8_BOM):], "utf-8", encoding), "UTF-8 with BOM")
        return Decoded(_strict(data, codec, encoding).removeprefix("\ufeff"), _label(codec))
    if data.startswith(UTF8_BOM):
        return Decoded(_strict(data[len(UTF8_BOM):], "utf-8", "UTF-8"), "UTF-8 with BOM")
    for codec in ("utf-8", "gb18030"):
        try:
            return Decoded(data.decode(codec).removeprefix("\ufeff"), _label(codec))
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise EncodingProblem(1, "is neither UTF-8 nor GB18030, and its encoding cannot be told; "
                                 "save it as \"CSV UTF-8\", or give --encoding")
    return Decoded(str(best).removeprefix("\ufeff"), best.encoding, guessed=True)


def _strict(data: bytes, codec: str, asked: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start:error.end].hex(" ")
        raise EncodingProblem(line, Message("is not valid {encoding}: bytes {bad} cannot be decoded; give the "
                                            "file's encoding with --encoding",
                                            encoding=_label(asked), bad=bad)) from None


def _label(codec: str) -> str:
    name = codecs.lookup(codec).name
    return {"utf-8": "UTF-8", "gb18030": "GB18030", "gbk": "GBK", "utf-8-sig": "UTF-8"}.get(name, name)


def describe(decoded: Decoded) -> str:
    """How the report says what was found: "read as GB18030"."""
    if decoded.guessed:
        return Message("read as {encoding} (a guess; give --encoding if the names look wrong)",
                       encoding=decoded.encoding)
    return Message("read as {encoding}", encoding=decoded.encoding)
