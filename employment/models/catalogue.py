"""The catalogue the profiles and offers share: skills, languages and CEFR levels, education, mobility,
shifts, the DID and the days of the week (a bit mask)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SkillKind(models.TextChoices):
    SKILL = "skill", _("Skill")
    QUALIFICATION = "qualification", _("Qualification or certificate")
    LICENCE = "licence", _("Licence")


class Skill(models.Model):
    """An entry of the skills catalogue (ESCO-inspired codes; labels in Italian, as the territory uses them)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=SkillKind.choices, default=SkillKind.SKILL)

    class Meta:
        ordering = ["kind", "label"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.label


class Language(models.TextChoices):
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    ARABIC = "ar", _("Arabic")
    ROMANIAN = "ro", _("Romanian")
    UKRAINIAN = "uk", _("Ukrainian")
    RUSSIAN = "ru", _("Russian")
    CHINESE = "zh", _("Chinese")
    ALBANIAN = "sq", _("Albanian")
    TIGRINYA = "ti", _("Tigrinya")
    WOLOF = "wo", _("Wolof")
    PORTUGUESE = "pt", _("Portuguese")
    GERMAN = "de", _("German")
    URDU = "ur", _("Urdu")
    BENGALI = "bn", _("Bengali")
    TAGALOG = "tl", _("Tagalog")


class CefrLevel(models.IntegerChoices):
    """CEFR levels as integers, so that "at least B1" is `level >= 3` in SQL."""

    A1 = 1, "A1"
    A2 = 2, "A2"
    B1 = 3, "B1"
    B2 = 4, "B2"
    C1 = 5, "C1"
    C2 = 6, "C2"


class EducationLevel(models.TextChoices):
    NONE = "none", _("No formal education")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary (licenza media)")
    VOCATIONAL = "vocational", _("Vocational qualification (IeFP)")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary diploma")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree or higher")
    FOREIGN_UNRECOGNISED = "foreign", _("Foreign title not recognised")


class Mobility(models.IntegerChoices):
    """How far the person can get to work; an opportunity's area uses the same scale (comparable in SQL)."""

    LOCAL = 1, _("Cinisello Balsamo and neighbouring towns")
    METRO = 2, _("Milan and the metropolitan area by public transport")
    WIDE = 3, _("Anywhere reachable with their own vehicle")


class Shift(models.TextChoices):
    DAY = "day", _("Daytime")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")


class DidStatus(models.TextChoices):
    """The DID (dichiarazione di immediata disponibilità) at the job centre."""

    NONE = "none", _("Not made")
    ACTIVE = "active", _("Made and valid")
    LAPSED = "lapsed", _("Lapsed")


# Working days as a bit mask, so "the person is free every day the job asks" is one bitwise AND in SQL.
DAY_BITS = {"mon": 1, "tue": 2, "wed": 4, "thu": 8, "fri": 16, "sat": 32, "sun": 64}
WEEKDAYS_MASK = 1 | 2 | 4 | 8 | 16
ALL_DAYS_MASK = 127


def day_labels() -> list[tuple[str, object]]:
    return [
        ("mon", _("Mon")),
        ("tue", _("Tue")),
        ("wed", _("Wed")),
        ("thu", _("Thu")),
        ("fri", _("Fri")),
        ("sat", _("Sat")),
        ("sun", _("Sun")),
    ]
