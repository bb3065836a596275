import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.identifiers import (
    USCC_ALPHABET,
    USCC_WEIGHTS,
    mask_identifier,
    mask_name,
    normalize_identifier,
    validate_citizen_id,
    validate_identifier,
    validate_uscc,
)
from tests.factories import make_citizen_id, make_uscc


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


# --- the fast paths (a batch checks a million identifiers) against the rules, position by position

# Characters a typed identifier holds: its alphabet, letters it excludes, lower case, full-width
# forms, blanks, and digits NFKC turns into ASCII ones (²) or does not (Arabic-Indic ٣).
TYPED = USCC_ALPHABET + "IOZSVxyabg" + "０１９Ｘｘ" + " \t" + "²٣"


def _normalised(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _uscc_rule(value: str) -> tuple[str, str | None] | None:
    """GB 32100-2015 rule by rule, in the order of the messages: (error code, the character the
    message quotes) of the first rule broken, or None when the code is valid."""
    code = _normalised(value)
    if len(code) != 18:
        return "length", None
    for ch in code:
        if ch not in USCC_ALPHABET:
            return "character", ch
    for ch in code[2:8]:
        if ch not in "0123456789":
            return "region", ch
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    if code[17] != USCC_ALPHABET[(31 - total % 31) % 31]:
        return "check", None
    return None


def _typed(valid_codes):
    """A valid code, or one with a character replaced, inserted or removed, or random text."""
    edited = st.tuples(valid_codes, st.integers(0, 17), st.sampled_from(TYPED), st.sampled_from("rid")).map(
        lambda t: t[0][: t[1]] + {"r": t[2] + t[0][t[1] + 1 :], "i": t[2] + t[0][t[1] :], "d": t[0][t[1] + 1 :]}[t[3]]
    )
    return st.one_of(valid_codes, edited, st.text(alphabet=TYPED, min_size=16, max_size=20))


@settings(max_examples=400, deadline=None)
@given(_typed(st.integers(0, 10**9 - 1).map(make_uscc)))
def test_uscc_fast_paths_accept_and_refuse_as_the_rules_do(value):
    """GB 32100-2015: whatever is typed, validate_uscc passes exactly the codes the rules pass
    (returning the normalised code) and refuses the others with the first rule broken, quoting
    the offending character."""
    expected = _uscc_rule(value)
    if expected is None:
        assert validate_uscc(value) == _normalised(value)
        return
    with pytest.raises(ValidationError) as caught:
        validate_uscc(value)
    assert caught.value.code == expected[0]
    if expected[1] is not None:
        assert f"“{expected[1]}”" in caught.value.messages[0]


@settings(max_examples=400, deadline=None)
@given(
    _typed(
        st.tuples(st.integers(0, 999), st.dates().map(lambda d: d.strftime("%Y%m%d"))).map(
            lambda t: make_citizen_id(t[0], birth=t[1]) if len(t[1]) == 8 else make_citizen_id(t[0])
        )
    )
)
def test_citizen_id_fast_path_refuses_every_non_digit_as_the_rules_do(value):
    """GB 11643-1999: characters 1 to 17 must be ASCII digits; the first other one is quoted in
    the message, whether or not the whole-string test saw it first."""
    number = _normalised(value)
    if len(number) != 18:
        return
    wrong = next((ch for ch in number[:17] if not (ch.isdigit() and ch.isascii())), None)
    try:
        validate_citizen_id(value)
    except ValidationError as error:
        if wrong is not None:
            assert error.code == "character"
            assert f"“{wrong}”" in error.messages[0]
        else:
            assert error.code != "character" or not (number[17].isdigit() or number[17] == "X")
    else:
        assert wrong is None
