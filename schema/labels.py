"""Labels for people: the Chinese or English name of an enum value or a statistics group's key.

Every value of graph/model.py's enums has a zh-CN and an en label in the catalogue
(i18n/locale/*/LC_MESSAGES/enums.po, msgid `Enum.VALUE`). They reach clients three ways:
- each enum value's description in the schema: "水电 · Utilities" (introspection, codegen);
- `label(lang:)` on the statistics groups (DemandGroup, KindCount, LevelCount, MatchingGroup),
  so `groupBy: CATEGORY` shows 水电 rather than UTILITIES;
- GET /i18n/{zh-CN|en}.json for the pages.

`label(lang:)` without `lang` follows the request's Accept-Language (i18n.negotiate), and with
neither gives Simplified Chinese: a label is read by a person (error messages, read by programs
too, default to English instead: docs/errors-language.md).
"""
from __future__ import annotations

from typing import Any, NewType, Optional

import strawberry
from graphql import EnumValueNode, StringValueNode, ValueNode
from strawberry.types import Info

import i18n

# A scalar, not an enum, so that the forms people write all work: "zh-CN", "en", "zh", "en-GB" (as
# in Accept-Language), or ZH_CN, EN, zh_CN unquoted. Anything else is refused by validation.
Language = NewType("Language", str)
_TAGS = {"zh": "zh-CN", "en": "en"}


def _parse_language(value: Any) -> str:
    tag = value.strip().replace("_", "-") if isinstance(value, str) else ""
    primary = tag.split("-")[0].lower()
    if not tag or primary not in _TAGS or len(tag) > 35:
        raise ValueError(f"a language is zh-CN or en (ZH_CN, EN, zh, en-GB… are read the same), "
                         f"got {str(value)[:40]!r}")
    return _TAGS[primary]


def _parse_language_literal(node: ValueNode, variables: Any = None) -> str:
    if isinstance(node, (StringValueNode, EnumValueNode)):
        return _parse_language(node.value)
    raise ValueError("a language is a string such as \"zh-CN\" or \"en\"")


LANGUAGE_SCALAR = strawberry.scalar(
    name="Language", serialize=str, parse_value=_parse_language, parse_literal=_parse_language_literal,
    description='A language of the labels: "zh-CN" (简体中文, the default) or "en" (English). zh, zh-Hans, en-GB '
                "… are read as the nearest; unquoted ZH_CN and EN are accepted too.")

LABEL_DOC = ("The key as a person reads it, in `lang` (default: the request's Accept-Language, else "
             "Simplified Chinese): an enum value's label (水电 for UTILITIES), a node group's name, a period "
             "as is; 未归属 / Unassigned for the group of demands with none.")
UNASSIGNED = "unassigned"
# A demandStatistics groupBy whose keys are values of an enum of graph/model.py.
ENUM_OF_GROUP = {"CATEGORY": "DemandCategory", "STATUS": "DemandStatus", "LEVEL": "EscalationLevel"}


def enum_value_description(enum_name: str, value: str) -> str:
    """"水电 · Utilities": both labels, for the schema's description of a value."""
    return f"{i18n.enum_label(enum_name, value, 'zh-CN')} · {i18n.enum_label(enum_name, value, 'en')}"


def language_of(info: Info, lang: Optional[str]) -> str:
    """`lang` when given (already "zh-CN" or "en"), else the request's Accept-Language, else zh-CN."""
    if lang is not None:
        return lang
    request = info.context.get("request") if isinstance(info.context, dict) else None
    header = request.headers.get("accept-language") if request is not None else None
    return i18n.negotiate(header, default=i18n.DEFAULT)


def group_label(lang: str, key: Optional[str], name: Optional[str], enum_name: Optional[str] = None,
                type_key: bool = False) -> str:
    """A group's label: `enum_name`'s label of `key`; a model type's name (`type_key`, e.g.
    Organisation → 党组织); else the group's `name` (a node's own name, kept in every language),
    else the key. The group of demands with none: 未归属 / Unassigned."""
    if key is None or key == UNASSIGNED:
        return i18n.translate("Unassigned", lang)
    if enum_name:
        return i18n.enum_label(enum_name, key, lang)
    if type_key:
        return i18n.translate(key, lang)
    return name or key
