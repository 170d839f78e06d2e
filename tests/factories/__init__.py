"""factory_boy factories and the shortcuts that build rows through the services (so groups, grants and the audit
stay as the application keeps them). One module per app; everything is importable from `tests.factories`."""

from tests.factories.cases import PersonFactory, open_case, register_person
from tests.factories.partners import (
    PASSWORD,
    ServiceTypeFactory,
    UserFactory,
    login,
    make_member,
    make_organisation,
)

__all__ = [
    "PASSWORD",
    "PersonFactory",
    "ServiceTypeFactory",
    "UserFactory",
    "login",
    "make_member",
    "make_organisation",
    "open_case",
    "register_person",
]
