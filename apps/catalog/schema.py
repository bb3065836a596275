"""The small declared schema of a catalog item's record fields, and the values records carry.

A field: {"name": "penalty_amount", "label": "罚款金额", "type": "decimal", "required": true,
"max_length": null, "choices": []}. `validate_field_schema` checks a schema when an item is
drafted; `clean_record_values` checks one record's values against it when data is ingested.

Some personal information may never be collected, and some only with written consent; a field
whose name or label matches such a term is refused with the article that forbids it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import FieldType, SubjectType

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_TEXT_LENGTH = 2000
MAX_FIELDS = 40


@dataclass(frozen=True)
class ForbiddenTerm:
    """Terms (Chinese substrings, English word sequences) and the articles that forbid them."""

    topic: str
    chinese: tuple[str, ...]
    english: tuple[tuple[str, ...], ...]
    articles: dict  # policy code → the article of that city's regulation
    consent_allows: bool = False

    def article(self) -> str:
        """The article of the active policy's regulation (CREDIT_POLICY), or that its regulation
        is silent: a page cites only the city's own regulation."""
        from django.conf import settings

        return str(self.articles.get(settings.CREDIT_POLICY) or MSG_CITY_SILENT)


# Where each city's regulation forbids collecting personal information.
ARTICLES = {
    "nanjing": gettext_lazy("Nanjing art. 29"),
    "tianjin": gettext_lazy("Tianjin art. 16"),
    "dalian": gettext_lazy("Dalian art. 18"),
    "ningbo": gettext_lazy("Ningbo art. 19"),
}
MSG_CITY_SILENT = gettext_lazy("the city's regulation is silent; the platform follows the rule of the other cities")


def _articles(*codes: str) -> dict:
    return {code: ARTICLES[code] for code in codes}


# Nanjing art. 29, Tianjin art. 16, Dalian art. 18, Ningbo art. 19.
FORBIDDEN_TERMS = (
    ForbiddenTerm(
        gettext_lazy("religious belief"),
        ("宗教", "信仰"),
        (("religion",), ("religious",), ("faith",)),
        _articles("nanjing", "tianjin", "dalian", "ningbo"),
    ),
    ForbiddenTerm(
        gettext_lazy("genes"),
        ("基因",),
        (("gene",), ("genes",), ("genetic",), ("dna",)),
        _articles("nanjing"),
    ),
    ForbiddenTerm(
        gettext_lazy("fingerprints and other biometric information"),
        ("指纹", "生物识别", "人脸", "面部特征", "虹膜", "声纹", "掌纹"),
        (
            ("fingerprint",),
            ("fingerprints",),
            ("biometric",),
            ("biometrics",),
            ("iris",),
            ("facial",),
            ("face", "image"),
            ("face", "photo"),
            ("voiceprint",),
            ("palmprint",),
        ),
        _articles("nanjing", "tianjin", "dalian", "ningbo"),
    ),
    ForbiddenTerm(
        gettext_lazy("blood type"),
        ("血型",),
        (("blood", "type"), ("blood", "group")),
        _articles("nanjing", "tianjin", "dalian"),
    ),
    ForbiddenTerm(
        gettext_lazy("disease and medical history"),
        ("疾病", "病史", "病历", "诊断", "健康状况"),
        (("disease",), ("diseases",), ("illness",), ("medical", "history"), ("medical", "record"), ("diagnosis",)),
        _articles("nanjing", "tianjin", "dalian"),
    ),
    ForbiddenTerm(
        gettext_lazy("whereabouts"),
        ("行踪", "行动轨迹"),
        (("whereabouts",), ("trajectory",), ("location", "track")),
        _articles("ningbo"),
    ),
    ForbiddenTerm(
        gettext_lazy("income, deposits, securities, commercial insurance, real estate or tax amounts"),
        (
            "收入",
            "工资",
            "薪酬",
            "存款",
            "有价证券",
            "股票",
            "债券",
            "商业保险",
            "不动产",
            "房产",
            "纳税数额",
            "纳税额",
            "纳税金额",
        ),
        (
            ("income",),
            ("salary",),
            ("wage",),
            ("wages",),
            ("deposit",),
            ("deposits",),
            ("savings",),
            ("securities",),
            ("insurance",),
            ("real", "estate"),
            ("tax", "amount"),
            ("tax", "paid"),
        ),
        _articles("nanjing", "tianjin", "dalian"),
        consent_allows=True,
    ),
)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def _matches(term: ForbiddenTerm, text: str) -> bool:
    if any(chinese in text for chinese in term.chinese):
        return True
    words = _words(text)
    for phrase in term.english:
        n = len(phrase)
        if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            return True
    return False


def forbidden_term(name: str, label: str, *, consent_collected: bool, natural_persons: bool) -> ForbiddenTerm | None:
    """The forbidden term a field matches, if any.

    The sensitive personal terms are refused on every item. The financial terms protect natural
    persons: an item only about organisations may record, say, a tax amount, and an item collected
    with the person's written consent may carry them.
    """
    for term in FORBIDDEN_TERMS:
        if term.consent_allows and (consent_collected or not natural_persons):
            continue
        if _matches(term, name) or _matches(term, label):
            return term
    return None


def validate_field_schema(fields, *, consent_collected: bool, subject_types) -> list[dict]:
    """Check and normalise a schema; raises ValidationError naming the field (position) at fault."""
    if not isinstance(fields, list):
        raise ValidationError(_("The record fields must be a list."), code="schema")
    if len(fields) > MAX_FIELDS:
        raise ValidationError(_("An item may declare at most %(n)d fields.") % {"n": MAX_FIELDS}, code="schema")
    natural_persons = SubjectType.NATURAL_PERSON in (subject_types or [])
    seen = set()
    cleaned = []
    errors = []
    for position, field in enumerate(fields, start=1):
        if not isinstance(field, dict):
            errors.append(_("Field %(n)d: not a field definition.") % {"n": position})
            continue
        name = str(field.get("name", "")).strip()
        label = str(field.get("label", "")).strip()
        field_type = str(field.get("type", "")).strip()
        where = _("Field %(n)d (“%(name)s”)") % {"n": position, "name": name or label}
        if not FIELD_NAME.match(name):
            errors.append(
                _("%(where)s: the name must start with a lower-case letter and use only a–z, 0–9 and _.")
                % {"where": where}
            )
        elif name in seen:
            errors.append(_("%(where)s: the name is used twice.") % {"where": where})
        seen.add(name)
        if not label:
            errors.append(_("%(where)s: a label is required.") % {"where": where})
        if field_type not in FieldType.values:
            errors.append(
                _("%(where)s: the type must be one of %(types)s.")
                % {"where": where, "types": ", ".join(FieldType.values)}
            )
        max_length = field.get("max_length") or None
        if max_length is not None:
            try:
                max_length = int(max_length)
            except (TypeError, ValueError):
                max_length = -1
            if field_type != FieldType.TEXT or not 1 <= max_length <= MAX_TEXT_LENGTH:
                errors.append(
                    _("%(where)s: a maximum length (1 to %(max)d) is only for text fields.")
                    % {"where": where, "max": MAX_TEXT_LENGTH}
                )
        choices = [str(c).strip() for c in (field.get("choices") or []) if str(c).strip()]
        if field_type == FieldType.CHOICE and len(choices) < 2:
            errors.append(_("%(where)s: a choice field needs at least two choices.") % {"where": where})
        if field_type != FieldType.CHOICE and choices:
            errors.append(_("%(where)s: only choice fields have choices.") % {"where": where})
        term = forbidden_term(name, label, consent_collected=consent_collected, natural_persons=natural_persons)
        if term is not None:
            if term.consent_allows:
                message = _(
                    "%(where)s: %(topic)s of natural persons may only be collected with their written consent "
                    "(%(articles)s); mark the item as collected with written consent, or remove the field."
                )
            else:
                message = _("%(where)s: %(topic)s of natural persons may not be collected (%(articles)s).")
            errors.append(message % {"where": where, "topic": term.topic, "articles": term.article()})
        cleaned.append(
            {
                "name": name,
                "label": label,
                "type": field_type,
                "required": bool(field.get("required")),
                "max_length": max_length if field_type == FieldType.TEXT else None,
                "choices": choices,
            }
        )
    if errors:
        raise ValidationError(errors, code="schema")
    return cleaned


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(text: str) -> datetime.date | None:
    """A date as agencies write it (2026-03-01, 2026/3/1, 20260301, 2026年3月1日), or None."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def clean_record_values(fields: list[dict], values: dict) -> tuple[dict, dict[str, str]]:
    """Check one record's values against an item's schema.

    Returns (cleaned values as JSON-safe types, {field name: error}). Undeclared fields are errors.
    """
    declared = {f["name"]: f for f in fields}
    labels = {f["label"]: f["name"] for f in fields}
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for key, raw in (values or {}).items():
        name = labels.get(key, key)
        if name not in declared:
            errors[key] = _("“%(field)s” is not a field of this catalog item.") % {"field": key}
            continue
        field = declared[name]
        text = "" if raw is None else str(raw).strip()
        if text == "":
            continue
        try:
            cleaned[name] = _coerce(field, raw, text)
        except ValueError as error:
            errors[name] = str(error)
    for field in fields:
        if field["required"] and field["name"] not in cleaned and field["name"] not in errors:
            errors[field["name"]] = _("“%(label)s” is required.") % {"label": field["label"]}
    return cleaned, errors


MAX_DIGITS = 30  # amounts and counts; more is a typing error (and JSON cannot hold huge integers)


def _coerce(field: dict, raw, text: str):
    kind = field["type"]
    if kind == FieldType.TEXT:
        if field.get("max_length") and len(text) > field["max_length"]:
            raise ValueError(
                _("“%(label)s” has %(count)d characters; at most %(max)d are allowed.")
                % {"label": field["label"], "count": len(text), "max": field["max_length"]}
            )
        return text
    if kind in (FieldType.INTEGER, FieldType.DECIMAL) and sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise ValueError(_("“%(label)s” has more than %(max)d digits.") % {"label": field["label"], "max": MAX_DIGITS})
    if kind == FieldType.INTEGER:
        if isinstance(raw, bool) or not re.fullmatch(r"[+-]?\d+(\.0+)?", text.replace(",", "")):
            raise ValueError(
                _("“%(label)s” must be a whole number, not “%(value)s”.") % {"label": field["label"], "value": text}
            )
        return int(Decimal(text.replace(",", "")))
    if kind == FieldType.DECIMAL:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(
                _("“%(label)s” must be a number, not “%(value)s”.") % {"label": field["label"], "value": text}
            ) from None
        if not number.is_finite():
            raise ValueError(
                _("“%(label)s” must be a number, not “%(value)s”.") % {"label": field["label"], "value": text}
            )
        return str(number)
    if kind == FieldType.DATE:
        if isinstance(raw, datetime.datetime):
            return raw.date().isoformat()
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        day = parse_date(text)
        if day is not None:
            return day.isoformat()
        raise ValueError(
            _("“%(label)s” must be a date such as 2026-03-01, not “%(value)s”.")
            % {"label": field["label"], "value": text}
        )
    if kind == FieldType.CHOICE:
        if text not in field["choices"]:
            raise ValueError(
                _("“%(label)s” must be one of %(choices)s, not “%(value)s”.")
                % {"label": field["label"], "choices": "、".join(field["choices"]), "value": text}
            )
        return text
    if kind == FieldType.BOOLEAN:
        if text.lower() in {"1", "true", "yes", "y", "是", "有"}:
            return True
        if text.lower() in {"0", "false", "no", "n", "否", "无"}:
            return False
        raise ValueError(_("“%(label)s” must be 是 or 否, not “%(value)s”.") % {"label": field["label"], "value": text})
    raise ValueError(f"unknown field type {kind}")  # pragma: no cover - schema was validated
