"""Person registry and case file, one module per entity:

- `persons`: Person, PersonMerge;
- `households`: Household, HouseholdMember;
- `consents`: Consent;
- `cases`: Case, its grant tables, PersonAccess, CaseShare;
- `records`: Assessment, Plan/Goal/Action, Note, Document, Intervention;
- `timeline`: CaseEvent and its kinds.

Every model (and choice) is imported here: Django and the rest of the code find them in `cases.models`.
"""

from cases.models.cases import (
    Case,
    CaseGroupObjectPermission,
    CaseShare,
    CaseStatus,
    CaseUserObjectPermission,
    ClosureOutcome,
    PersonAccess,
    ShareSection,
)
from cases.models.consents import (
    Consent,
    ConsentPurpose,
    ConsentQuerySet,
    consent_document_path,
)
from cases.models.households import (
    Household,
    HouseholdMember,
    Relationship,
)
from cases.models.persons import (
    IdentifierKind,
    Person,
    PersonMerge,
    PersonQuerySet,
    Sex,
)
from cases.models.records import (
    Action,
    Assessment,
    Document,
    DocumentKind,
    Domain,
    Goal,
    Intervention,
    InterventionKind,
    ItemStatus,
    Note,
    Plan,
    Severity,
    document_path,
    recipient_key_of,
)
from cases.models.timeline import (
    CaseEvent,
    TimelineKind,
)

__all__ = [
    "Action",
    "Assessment",
    "Case",
    "CaseEvent",
    "CaseGroupObjectPermission",
    "CaseShare",
    "CaseStatus",
    "CaseUserObjectPermission",
    "ClosureOutcome",
    "Consent",
    "ConsentPurpose",
    "ConsentQuerySet",
    "Document",
    "DocumentKind",
    "Domain",
    "Goal",
    "Household",
    "HouseholdMember",
    "IdentifierKind",
    "Intervention",
    "InterventionKind",
    "ItemStatus",
    "Note",
    "Person",
    "PersonAccess",
    "PersonMerge",
    "PersonQuerySet",
    "Plan",
    "Relationship",
    "Severity",
    "Sex",
    "ShareSection",
    "TimelineKind",
    "consent_document_path",
    "document_path",
    "recipient_key_of",
]
