"""Record-field schemas: forbidden personal information (Nanjing art. 29, Tianjin art. 16,
Dalian art. 18, Ningbo art. 19) and the values records carry."""

import pytest
from django.core.exceptions import ValidationError

from apps.catalog.schema import clean_record_values, validate_field_schema

PERSONS = ["natural_person"]


def field(name="note", label="备注", type="text", **extra):
    return {"name": name, "label": label, "type": type, **extra}


@pytest.mark.parametrize(
    ("name", "label", "article"),
    [
        ("belief", "宗教信仰", "29"),
        ("blood_type", "血液分组", "29"),
        ("fingerprint_hash", "指纹摘要", "29"),
        ("face_image", "照片", "29"),
        ("gene_marker", "标记", "29"),
        ("medical_history", "既往史", "29"),
        ("whereabouts", "去向", ""),
        ("remark", "疾病情况", "29"),
    ],
)
def test_forbidden_personal_information_is_refused_naming_the_article(name, label, article):
    """Nanjing art. 29, Tianjin art. 16, Dalian art. 18, Ningbo art. 19: never collected."""
    with pytest.raises(ValidationError) as caught:
        validate_field_schema([field(name, label)], consent_collected=False, subject_types=PERSONS)
    message = " ".join(caught.value.messages)
    # the active policy's (Nanjing's) article; where Nanjing is silent, it says so and names no city
    chinese = {"29": "第二十九条", "": "本市条例未作规定"}[article]
    assert chinese in message and "天津" not in message and "宁波" not in message
    # Written consent does not make these collectable.
    with pytest.raises(ValidationError):
        validate_field_schema([field(name, label)], consent_collected=True, subject_types=PERSONS)


@pytest.mark.parametrize(
    ("name", "label"), [("monthly_income", "月收入"), ("deposit", "存款"), ("house", "不动产情况")]
)
def test_financial_details_need_written_consent(name, label):
    """Nanjing art. 29 ¶2: income, deposits, securities, insurance, real estate, tax amounts."""
    with pytest.raises(ValidationError) as caught:
        validate_field_schema([field(name, label)], consent_collected=False, subject_types=PERSONS)
    assert "书面同意" in " ".join(caught.value.messages) or "written consent" in " ".join(caught.value.messages)
    assert validate_field_schema([field(name, label)], consent_collected=True, subject_types=PERSONS)[0]["name"] == name


def test_financial_details_of_organisations_are_fine():
    fields = [field("arrears_amount", "欠税金额", "decimal"), field("tax_amount", "纳税数额", "decimal")]
    assert len(validate_field_schema(fields, consent_collected=False, subject_types=["legal_person"])) == 2


def test_harmless_words_are_not_mistaken():
    fields = [field("blood_donation_times", "无偿献血次数", "integer"), field("surface_area", "经营面积", "decimal")]
    assert len(validate_field_schema(fields, consent_collected=False, subject_types=PERSONS)) == 2


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ([field("Bad Name")], "lower-case"),
        ([field("a"), field("a")], "twice"),
        ([field("a", "")], "label"),
        ([field("a", type="money")], "type"),
        ([field("a", type="choice", choices=["only"])], "two choices"),
        ([field("a", type="integer", max_length=5)], "maximum length"),
    ],
)
def test_malformed_schemas_are_refused_with_the_position(fields, fragment, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_field_schema(fields, consent_collected=False, subject_types=PERSONS)
    text = " ".join(caught.value.messages)
    assert fragment in text and "Field " in text


SCHEMA = [
    {
        "name": "kind",
        "label": "处罚类别",
        "type": "choice",
        "required": True,
        "max_length": None,
        "choices": ["警告", "罚款"],
    },
    {"name": "amount", "label": "罚款金额", "type": "decimal", "required": False, "max_length": None, "choices": []},
    {"name": "days", "label": "天数", "type": "integer", "required": False, "max_length": None, "choices": []},
    {"name": "decided", "label": "决定日期", "type": "date", "required": False, "max_length": None, "choices": []},
    {"name": "paid", "label": "是否缴纳", "type": "boolean", "required": False, "max_length": None, "choices": []},
    {"name": "note", "label": "备注", "type": "text", "required": False, "max_length": 5, "choices": []},
]


def test_record_values_are_cleaned_by_name_or_label():
    cleaned, errors = clean_record_values(
        SCHEMA, {"处罚类别": "罚款", "amount": "1,200.50", "days": "3", "decided": "2026/3/1", "是否缴纳": "是"}
    )
    assert errors == {}
    assert cleaned == {"kind": "罚款", "amount": "1200.50", "days": 3, "decided": "2026-03-01", "paid": True}


def test_record_value_errors_name_the_field():
    _cleaned, errors = clean_record_values(
        SCHEMA,
        {"kind": "拘留", "amount": "abc", "days": "1.5", "decided": "昨天", "note": "太长的备注内容", "extra": "x"},
    )
    assert set(errors) == {"kind", "amount", "days", "decided", "note", "extra"}
    assert "警告" in errors["kind"]
    _cleaned, errors = clean_record_values(SCHEMA, {})
    assert set(errors) == {"kind"}


def test_numbers_with_too_many_digits_are_refused():
    """A pasted 4,000-digit number is a typing error, not an amount (and JSON cannot hold it)."""
    _cleaned, errors = clean_record_values(SCHEMA, {"kind": "警告", "amount": "9" * 31, "days": "1" * 4301})
    assert set(errors) == {"amount", "days"} and "30" in errors["days"]
    cleaned, errors = clean_record_values(SCHEMA, {"kind": "警告", "amount": "9" * 30})
    assert not errors and cleaned["amount"] == "9" * 30


def test_the_article_named_is_the_active_policy_s(settings):
    """Whereabouts: only Ningbo's regulation forbids them (art. 19); under its preset the refusal
    names that article, under Nanjing's none."""
    settings.CREDIT_POLICY = "ningbo"
    with pytest.raises(ValidationError) as caught:
        validate_field_schema([field("whereabouts", "去向")], consent_collected=False, subject_types=PERSONS)
    assert "第十九条" in " ".join(caught.value.messages)
