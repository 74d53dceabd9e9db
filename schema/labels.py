"""Labels for people: the Chinese or English name of an enum value or a statistics group's key.

Every value of graph/model.py's enums has a zh-CN and an en label in the catalogue
(i18n/locale/*/LC_MESSAGES/enums.po, msgid `Enum.VALUE`). They reach clients three ways:
- each enum value's description in the schema: "水电 · Utilities" (introspection, codegen);
- `label(lang:)` on the statistics groups (DemandGroup, KindCount, LevelCount, MatchingGroup),
  so `groupBy: CATEGORY` shows 水电 rather than UTILITIES;
- GET /i18n/{zh-CN|en}.json for the pages.

`label(lang:)` without `lang` follows the request's Accept-Language (i18n.negotiate), and with
neither gives Simplified Chinese: a label is read by a person (error messages, read by programs
too, default to English instead: docs/errors.md).
"""
from __future__ import annotations

import enum
from typing import Optional

import strawberry
from strawberry.types import Info

import i18n

Language = strawberry.enum(enum.Enum("Language", {"ZH_CN": "zh-CN", "EN": "en"}),
                           description="A language of the labels: ZH_CN (简体中文, the default) or EN (English).")

LABEL_DOC = ("The key as a person reads it, in `lang` (default: the request's Accept-Language, else "
             "Simplified Chinese): an enum value's label (水电 for UTILITIES), a node group's name, a period "
             "as is; 未归属 / Unassigned for the group of demands with none.")
UNASSIGNED = "unassigned"
# A demandStatistics groupBy whose keys are values of an enum of graph/model.py.
ENUM_OF_GROUP = {"CATEGORY": "DemandCategory", "STATUS": "DemandStatus", "LEVEL": "EscalationLevel"}


def enum_value_description(enum_name: str, value: str) -> str:
    """"水电 · Utilities": both labels, for the schema's description of a value."""
    return f"{i18n.enum_label(enum_name, value, 'zh-CN')} · {i18n.enum_label(enum_name, value, 'en')}"


def language_of(info: Info, lang: Optional[enum.Enum]) -> str:
    """`lang` when given, else the request's Accept-Language, else zh-CN."""
    if lang is not None:
        return lang.value
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
