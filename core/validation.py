"""Small checks shared by the services (the file format has its own schema)."""

import re

from core.errors import ValidationFailed

# Domain bounds both apps check (the models' database constraints use them too).
KEY_MAX_LENGTH = 100
CREDENCE_MIN = 0.01
CREDENCE_MAX = 0.99

_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")  # fullmatch: `$` would allow a final "\n"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Half a surrogate pair (a JSON "\ud800" escape) is not Unicode text: the
# database cannot encode it, so it must be refused before any write.
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def check_key(value: object, *, field: str = "key") -> str:
    if not isinstance(value, str) or not value:
        raise ValidationFailed(f"{field} must be a non-empty string", fields={field: ["required"]})
    if len(value) > KEY_MAX_LENGTH or not _KEY_RE.fullmatch(value):
        raise ValidationFailed(
            f"{field} {value[:60]!r} must be lowercase letters, digits, '-' or '_' "
            f"(at most {KEY_MAX_LENGTH}, starting with a letter or digit)",
            fields={field: ["invalid format"]},
        )
    return value


def check_probability(value: object, *, field: str) -> float:
    """A credence or prior: a real number in [0.01, 0.99] (booleans and strings refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(
            f"{field} must be a number between {CREDENCE_MIN} and {CREDENCE_MAX}",
            fields={field: ["must be a number"]},
        )
    # Compared as given: an int too large for a float must not reach math.isfinite
    # (OverflowError); NaN fails every comparison, infinities are out of range.
    if not CREDENCE_MIN <= value <= CREDENCE_MAX:
        shown = f"{value:.6g}" if isinstance(value, float) or abs(value) < 10**20 else "(huge)"
        raise ValidationFailed(
            f"{field} {shown} is outside [{CREDENCE_MIN}, {CREDENCE_MAX}] (1 % to 99 %)",
            fields={field: [f"must be between {CREDENCE_MIN} and {CREDENCE_MAX}"]},
        )
    return float(value)


def check_text(value: object, *, field: str, max_length: int, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", fields={field: ["must be a string"]})
    if _CONTROL_RE.search(value):
        raise ValidationFailed(
            f"{field} contains control characters", fields={field: ["control characters"]}
        )
    if _SURROGATE_RE.search(value):
        raise ValidationFailed(
            f"{field} contains an unpaired surrogate (invalid Unicode)",
            fields={field: ["unpaired surrogate"]},
        )
    if len(value) > max_length:
        raise ValidationFailed(
            f"{field} is longer than {max_length} characters",
            fields={field: [f"at most {max_length} characters"]},
        )
    if not allow_empty and not value.strip():
        raise ValidationFailed(f"{field} must not be empty", fields={field: ["must not be empty"]})
    return value
