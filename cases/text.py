import unicodedata


def name_key(value: str) -> str:
    """Lower case, accents and everything but letters removed: 'D'Angelo  Nicolò' -> 'dangelonicolo'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch)).lower()
