"""Input rules for the person registry."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale


def normalise_codice_fiscale(value: str) -> str:
    """Validate a person's codice fiscale and return it compact and upper case.

    python-stdnum checks the format, the check character and the encoded birth date, and accepts the
    omocodic variants the Agenzia delle Entrate issues (digits replaced by the letters L-V); a
    malformed omocodic substitution fails the format check.
    """
    compact = codicefiscale.compact(value or "")
    if len(compact) != 16:
        raise ValidationError(_("A person's codice fiscale has 16 characters."), code="cf_length")
    try:
        return codicefiscale.validate(compact)
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The codice fiscale's check character is wrong: check for typos."), code="cf_checksum"
        ) from exc
    except (InvalidFormat, InvalidLength) as exc:
        raise ValidationError(_("This is not a valid codice fiscale."), code="cf_format") from exc
    except (InvalidComponent, StdnumError) as exc:
        raise ValidationError(
            _("The birth date encoded in the codice fiscale is not valid."), code="cf_birth_date"
        ) from exc


def codice_fiscale_mismatches(cf: str, *, birth_date: datetime.date | None, sex: str) -> list[str]:
    """Messages for each piece of personal data that contradicts the codice fiscale."""
    problems = []
    encoded_birth = codicefiscale.get_birth_date(cf)
    # The code holds the year's last two digits only.
    if birth_date is not None and (encoded_birth.year % 100, encoded_birth.month, encoded_birth.day) != (
        birth_date.year % 100,
        birth_date.month,
        birth_date.day,
    ):
        problems.append(_("The birth date does not match the codice fiscale."))
    if sex in ("M", "F") and codicefiscale.get_gender(cf) != sex:
        problems.append(_("The sex does not match the codice fiscale."))
    return problems


def validate_birth_date(value: datetime.date | None) -> None:
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The birth date cannot be in the future."), code="birth_in_future")
    if value.year < 1900:
        raise ValidationError(_("The birth date is too far in the past."), code="birth_too_old")
