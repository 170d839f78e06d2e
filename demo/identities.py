"""Fictional identities for the demo's people: countries of origin with their names, Italian birth places, and
the codice fiscale computed from them (the benchmarks under ``bench/`` use them too)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from stdnum.it import codicefiscale

# --- codice fiscale ---------------------------------------------------------------------------------

_MONTH_LETTERS = "ABCDEHLMPRST"
_VOWELS = frozenset("AEIOU")


def _cf_letters(value: str) -> tuple[list[str], list[str]]:
    from cases.text import name_key

    letters = name_key(value).upper()
    return [c for c in letters if c not in _VOWELS], [c for c in letters if c in _VOWELS]


def codice_fiscale(*, last_name: str, first_name: str, birth_date: datetime.date, sex: str, place_code: str) -> str:
    """The codice fiscale as the Agenzia delle Entrate computes it (without omocodia).

    Surname: consonants, then vowels, padded with X. Name: the same, but with four or more consonants
    the 1st, 3rd and 4th. Then year, month letter, day (+40 for women), the Belfiore code of the birth
    place (Z... for a foreign country) and python-stdnum's check character.
    """
    consonants, vowels = _cf_letters(last_name)
    surname = "".join(consonants + vowels + ["X"] * 3)[:3]
    consonants, vowels = _cf_letters(first_name)
    if len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    name = "".join(consonants + vowels + ["X"] * 3)[:3]
    day = birth_date.day + (40 if sex == "F" else 0)
    body = f"{surname}{name}{birth_date.year % 100:02d}{_MONTH_LETTERS[birth_date.month - 1]}{day:02d}{place_code}"
    return body + codicefiscale.calc_check_digit(body)


# --- fictional people -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    country: str
    code: str  # Belfiore code of the country of birth
    citizenship: str
    languages: str
    eu: bool
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    weight: int


ORIGINS = (
    Origin(
        "Marocco",
        "Z330",
        "marocchina",
        "arabo, francese",
        False,
        ("Mohamed", "Youssef", "Rachid", "Hicham"),
        ("Fatima", "Khadija", "Samira", "Naima"),
        ("El Idrissi", "Benali", "Amrani", "Bouzid", "Tahiri"),
        16,
    ),
    Origin(
        "Romania",
        "Z129",
        "romena",
        "romeno",
        True,
        ("Andrei", "Ionut", "Mihai", "Florin"),
        ("Elena", "Ioana", "Mariana", "Andreea"),
        ("Popescu", "Ionescu", "Dumitru", "Munteanu", "Stan"),
        12,
    ),
    Origin(
        "Albania",
        "Z100",
        "albanese",
        "albanese",
        False,
        ("Arben", "Gentian", "Ilir", "Besnik"),
        ("Elira", "Merita", "Blerina", "Anila"),
        ("Hoxha", "Shehu", "Leka", "Gjoka", "Dervishi"),
        9,
    ),
    Origin(
        "Perù",
        "Z611",
        "peruviana",
        "spagnolo",
        False,
        ("Luis", "José", "Carlos", "Jorge"),
        ("Rosa", "María", "Carmen", "Rosario"),
        ("Quispe", "Huamán", "Flores", "Mamani", "Rojas"),
        9,
    ),
    Origin(
        "Egitto",
        "Z336",
        "egiziana",
        "arabo",
        False,
        ("Ahmed", "Mahmoud", "Omar", "Tarek"),
        ("Mona", "Amina", "Rania", "Yasmin"),
        ("Hassan", "Abdelrahman", "Saleh", "Farouk", "Mansour"),
        9,
    ),
    Origin(
        "Ucraina",
        "Z138",
        "ucraina",
        "ucraino, russo",
        False,
        ("Oleksandr", "Andriy", "Serhiy", "Dmytro"),
        ("Olena", "Iryna", "Oksana", "Tetiana"),
        ("Kovalenko", "Shevchenko", "Bondarenko", "Melnyk"),
        7,
    ),
    Origin(
        "Senegal",
        "Z343",
        "senegalese",
        "wolof, francese",
        False,
        ("Mamadou", "Cheikh", "Ousmane", "Modou"),
        ("Awa", "Fatou", "Aminata", "Khady"),
        ("Diop", "Ndiaye", "Fall", "Sow", "Gueye"),
        6,
    ),
    Origin(
        "Ecuador",
        "Z605",
        "ecuadoriana",
        "spagnolo",
        False,
        ("Segundo", "Wilson", "Darwin", "Fabián"),
        ("Gladys", "Narcisa", "Rosa", "Jessica"),
        ("Cedeño", "Zambrano", "Vera", "Mendoza", "Rosales"),
        5,
    ),
    Origin(
        "Bangladesh",
        "Z249",
        "bengalese",
        "bengali, inglese",
        False,
        ("Mohammad", "Rahim", "Kamal", "Sumon"),
        ("Nasrin", "Shirin", "Ruma", "Taslima"),
        ("Hossain", "Rahman", "Islam", "Akter", "Uddin"),
        5,
    ),
    Origin(
        "Tunisia",
        "Z352",
        "tunisina",
        "arabo, francese",
        False,
        ("Sami", "Mehdi", "Nizar", "Walid"),
        ("Sonia", "Ines", "Hela", "Rim"),
        ("Ben Salah", "Trabelsi", "Jebali", "Gharbi", "Mejri"),
        4,
    ),
    Origin(
        "Bulgaria",
        "Z104",
        "bulgara",
        "bulgaro",
        True,
        ("Georgi", "Ivan", "Dimitar", "Nikolai"),
        ("Maria", "Desislava", "Ivanka", "Rositsa"),
        ("Ivanov", "Petrov", "Georgiev", "Dimitrov"),
        3,
    ),
    Origin(
        "Nigeria",
        "Z335",
        "nigeriana",
        "inglese",
        False,
        ("Chinedu", "Emeka", "Tunde", "Samuel"),
        ("Blessing", "Joy", "Precious", "Ngozi"),
        ("Okafor", "Adeyemi", "Eze", "Okonkwo", "Bello"),
        4,
    ),
)
# Italian birth places: (Belfiore code, name, weight).
ITALIAN_PLACES = (
    ("F205", "Milano", 40),
    ("C707", "Cinisello Balsamo", 25),
    ("F704", "Monza", 5),
    ("F839", "Napoli", 8),
    ("G273", "Palermo", 6),
    ("A662", "Bari", 4),
    ("C351", "Catania", 4),
    ("H224", "Reggio Calabria", 3),
    ("D643", "Foggia", 3),
    ("H501", "Roma", 2),
)
HOMELESS_ADDRESS = "Via della Casa Comunale 1"  # the registry address municipalities give to people without a home

# service code -> what it delivers: (intervention kind, value range in euros or None, maximum quantity)
