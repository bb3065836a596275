import pytest
from django.core.exceptions import ValidationError

from apps.core.identifiers import (
    mask_identifier,
    mask_name,
    normalize_identifier,
    validate_citizen_id,
    validate_identifier,
    validate_uscc,
)


@pytest.mark.parametrize("code", ["914403001922038216", "9144030071526726XG"])
def test_real_unified_codes_pass(code):
    """GB 32100-2015: real codes validate unchanged."""
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("9144030071526726xg", "9144030071526726XG"),
        ("９１４４０３００１９２２０３８２１６", "914403001922038216"),
        (" 9144 0300 7152 6726 XG ", "9144030071526726XG"),
        ("９１４４０３００７１５２６７２６ｘｇ", "9144030071526726XG"),
    ],
)
def test_unified_codes_typed_in_lower_case_or_full_width_are_normalised(typed, expected):
    assert normalize_identifier(typed) == expected
    assert validate_uscc(typed) == expected


def test_wrong_uscc_check_character_names_the_expected_one():
    with pytest.raises(ValidationError) as caught:
        validate_uscc("914403001922038217")
    assert caught.value.code == "check"
    assert "“6”" in caught.value.messages[0]
    assert "18" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("code", "error", "fragment"),
    [
        ("91440300192203821", "length", "17"),
        ("9144030019220382161", "length", "19"),
        ("9I4403001922038216", "character", "2"),
        ("91440300192203821O", "character", "18"),
        ("9144A3001922038216", "region", "5"),
    ],
)
def test_bad_uscc_errors_name_the_position(code, error, fragment):
    with pytest.raises(ValidationError) as caught:
        validate_uscc(code)
    assert caught.value.code == error
    assert fragment in caught.value.messages[0]


def test_citizen_id_with_x_check_passes():
    """GB 11643-1999, ISO 7064 MOD 11-2 with X."""
    assert validate_citizen_id("11010519491231002X") == "11010519491231002X"
    assert validate_citizen_id("11010519491231002x") == "11010519491231002X"


def test_citizen_id_with_31_february_fails():
    # 19490231 is not a date; the check character is irrelevant.
    with pytest.raises(ValidationError) as caught:
        validate_citizen_id("110105194902310024")
    assert caught.value.code == "birth_date"
    assert "19490231" in caught.value.messages[0]


def test_citizen_id_wrong_check_character_names_the_expected_one():
    with pytest.raises(ValidationError) as caught:
        validate_citizen_id("110105194912310021")
    assert caught.value.code == "check"
    assert "“X”" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("11010519491231002", "length"),
        ("1101051949123100AX", "character"),
        ("11010519491231002Y", "character"),
        ("010105194912310029", "region"),
        ("110105189912310020", "birth_date"),
    ],
)
def test_bad_citizen_ids(number, error):
    with pytest.raises(ValidationError) as caught:
        validate_citizen_id(number)
    assert caught.value.code == error


def test_validate_identifier_tells_the_kinds_apart():
    assert validate_identifier("11010519491231002X") == ("citizen_id", "11010519491231002X")
    assert validate_identifier("９１４４０３００１９２２０３８２１６") == ("uscc", "914403001922038216")


def test_masking_hides_citizen_ids_but_not_organisation_codes():
    assert mask_identifier("11010519491231002X") == "110105********002X"
    assert mask_identifier("914403001922038216") == "914403001922038216"
    assert mask_name("张三丰") == "张**"


def test_a_mistyped_citizen_id_is_reported_as_one_not_taken_for_a_uscc():
    """320102199003071239 is a valid ID; …1238 passes the USCC check digit by chance."""
    from apps.core.identifiers import identifier_kind, uscc_check_character

    assert uscc_check_character("32010219900307123") == "8"
    assert identifier_kind("320102199003071238") == "citizen_id"
    with pytest.raises(ValidationError) as caught:
        validate_identifier("320102199003071238")
    assert caught.value.code == "check" and "“9”" in caught.value.messages[0]
    assert mask_identifier("320102199003071238") == "320102********1238"
