"""Credit identifiers: the unified social credit code and the citizen ID number.

- USCC (统一社会信用代码), GB 32100-2015: 18 characters from a 31-character alphabet (digits and
  capitals without I, O, Z, S, V); the 18th is a weighted modulo-31 check character.
- Citizen ID (公民身份号码), GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit sequence
  and an ISO 7064 MOD 11-2 check character (0-9 or X).

Both are normalised first: surrounding blanks removed, full-width characters turned into
half-width, letters upper-cased. Errors name the position (1-based) that failed.

A batch checks one identifier a row (a million in a file): a valid identifier takes the fast
checks (whole-string tests, labels translated only for a message); the position-by-position
search runs only to name what is wrong.
"""

from __future__ import annotations

import datetime
import operator
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_ID_CHECK = "10X98765432"
_USCC_VALUES = {ch: value for value, ch in enumerate(USCC_ALPHABET)}
_USCC_CHARACTERS = frozenset(USCC_ALPHABET)
LABEL_USCC = gettext_lazy("A unified social credit code")
LABEL_CITIZEN_ID = gettext_lazy("A citizen ID number")

KIND_USCC = "uscc"
KIND_CITIZEN_ID = "citizen_id"


def normalize_identifier(value: str) -> str:
    """Strip, turn full-width into half-width (NFKC) and upper-case."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():  # ASCII is its own NFKC form
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).upper()


def _check_length(value: str, label: str) -> None:
    if len(value) != 18:
        raise ValidationError(
            _("%(label)s must have 18 characters; %(count)d were given.") % {"label": label, "count": len(value)},
            code="length",
        )


def uscc_check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed from 17 characters")
    total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, first17), USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the normalised unified social credit code, or raise ValidationError."""
    code = normalize_identifier(value)
    _check_length(code, LABEL_USCC)
    if not _USCC_CHARACTERS.issuperset(code):
        for position, ch in enumerate(code, start=1):
            if ch not in _USCC_CHARACTERS:
                raise ValidationError(
                    _("Character %(position)d (“%(char)s”) is not allowed in a unified social credit code.")
                    % {"position": position, "char": ch},
                    code="character",
                )
    if not code[2:8].isdigit():  # all of the (ASCII) alphabet here: isdigit() is 0-9
        for position in range(3, 9):
            if not code[position - 1].isdigit():
                raise ValidationError(
                    _(
                        "Character %(position)d (“%(char)s”) must be a digit: characters 3 to 8 are the "
                        "administrative region code."
                    )
                    % {"position": position, "char": code[position - 1]},
                    code="region",
                )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("Check character 18 is “%(given)s”; “%(expected)s” was expected.")
            % {"given": code[17], "expected": expected},
            code="check",
        )
    return code


def citizen_id_check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed from 17 digits")
    total = sum(map(operator.mul, map(int, first17), CITIZEN_ID_WEIGHTS))
    return CITIZEN_ID_CHECK[total % 11]


def validate_citizen_id(value: str) -> str:
    """Return the normalised citizen ID number, or raise ValidationError."""
    number = normalize_identifier(value)
    _check_length(number, LABEL_CITIZEN_ID)
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit()):
        for position, ch in enumerate(first17, start=1):
            if not ch.isdigit() or not ch.isascii():
                raise ValidationError(
                    _("Character %(position)d (“%(char)s”) of a citizen ID number must be a digit.")
                    % {"position": position, "char": ch},
                    code="character",
                )
    if not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("Character 18 (“%(char)s”) of a citizen ID number must be a digit or X.") % {"char": number[17]},
            code="character",
        )
    if number[0] == "0" or number[0] == "9":
        raise ValidationError(
            _("Characters 1 to 6 (“%(region)s”) are not an administrative region code.") % {"region": number[:6]},
            code="region",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("Characters 7 to 14 (“%(date)s”) are not a real birth date.") % {"date": number[6:14]},
            code="birth_date",
        ) from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(
            _("Characters 7 to 14 (“%(date)s”) give a birth date outside 1900 to today.") % {"date": number[6:14]},
            code="birth_date",
        )
    expected = citizen_id_check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("Check character 18 is “%(given)s”; “%(expected)s” was expected.")
            % {"given": number[17], "expected": expected},
            code="check",
        )
    return number


def _has_birth_date(code: str) -> bool:
    try:
        birth = datetime.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return False
    return birth.year >= 1900 and birth <= datetime.date.today()


def identifier_kind(value: str) -> str:
    """Whether an identifier is a citizen ID or a USCC.

    Seventeen digits whose characters 7–14 form a real birth date are a citizen ID, even with a
    wrong check character: a mistyped ID must be reported as such, never accepted as an
    organisation code (about 3% of such typos would pass the USCC check) and shown unmasked.
    """
    code = normalize_identifier(value)
    if len(code) == 18 and code[:17].isdigit() and code[0] not in "09" and _has_birth_date(code):
        return KIND_CITIZEN_ID
    return KIND_USCC


def validate_identifier(value: str) -> tuple[str, str]:
    """Validate either kind; returns (kind, normalised value)."""
    code = normalize_identifier(value)
    kind = identifier_kind(code)
    if kind == KIND_CITIZEN_ID:
        return kind, validate_citizen_id(code)
    return kind, validate_uscc(code)


def mask_identifier(value: str) -> str:
    """Mask a citizen ID for display (`320102********1234`); organisation codes are public."""
    code = normalize_identifier(value)
    if not code:
        return ""
    if identifier_kind(code) == KIND_CITIZEN_ID:
        return code[:6] + "*" * 8 + code[-4:]
    return code


def mask_name(name: str) -> str:
    """Mask a natural person's name for lists: keep the surname (张**)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
