"""The cases API with the case pathway: opening a case starts it, closing a case ends it, reopening restarts it."""

from __future__ import annotations

from cases.api.case_file import CaseViewSet
from workflows.services import casepath


class PathwayCaseViewSet(CaseViewSet):
    """`cases.api.case_file.CaseViewSet` driving the workflows services (registered in its place)."""

    open_case = staticmethod(casepath.case_open_with_pathway)
    close_case = staticmethod(casepath.case_close_now)
    set_case_status = staticmethod(casepath.case_set_status_with_pathway)
