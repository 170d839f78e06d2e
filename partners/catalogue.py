"""The sections of a case file each service of the network's catalogue usually needs, by service code.

Data minimisation: the personal data, assessment and plan (`file`) where the service works on the person's
situation (household, income and ISEE, housing, work); `documents` where it checks papers (ISEE certificate,
contracts, residence permit, CV); `notes` where it takes over the accompaniment; the case summary alone where a
name and a reason are enough (language courses, clothing, volunteering). The timeline is never suggested: the
sender ticks it when it matters. Migration 0003 wrote the same values into existing rows; the demo catalogue
reads them from here. A manager changes them per service in the admin.
"""

from __future__ import annotations

SERVICE_SECTIONS: dict[str, list[str]] = {
    "food-aid": ["file"],
    "listening-centre": ["file", "notes"],
    "emergency-shelter": ["file"],
    "temporary-housing": ["file", "documents"],
    "social-housing-support": ["file", "documents"],
    "job-placement": ["file", "documents"],
    "job-centre": ["file", "documents"],
    "training": ["file"],
    "legal-aid": ["file", "documents"],
    "health": ["file"],
    "psychological-support": ["file", "notes"],
    "family-support": ["file", "notes"],
    "debt-counselling": ["file", "documents"],
    "school-support": ["file"],
    "economic-support": ["file", "documents"],
    "medicines": ["file"],
    "maternity-support": ["file", "notes"],
    "disability-support": ["file", "documents"],
    "elderly-support": ["file"],
}


def default_share_sections(code: str) -> list[str]:
    """The sections suggested for a catalogue service (empty: the case summary is enough)."""
    return list(SERVICE_SECTIONS.get(code, []))
