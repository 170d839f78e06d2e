"""The API's JSON parser: DRF's, with a limit on nesting.

Python's JSON decoder recurses once per level: a body of a few thousand ``[`` raises RecursionError (a 500),
and a structure just under the interpreter's limit parses but breaks whatever walks it next (a JSONField saved,
a log line). The deepest Tavolo payload has two levels (an object holding a list of ids), so anything deeper
than MAX_DEPTH is refused with a 400 that says why, the same way wherever the request runs.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: Sixteen times the deepest payload of the API, and far below the ~1000 levels where Python gives up.
MAX_DEPTH = 32

_CONTAINERS = {dict, list}


def nesting_exceeds(data, limit: int) -> bool:
    """Whether `data` (what ``json.loads`` returns) holds containers more than `limit` levels deep.

    Level by level, without recursion (a recursive walk would hit the very limit it guards against). The types
    of a container's values are collected in C (``map(type, ...)``), so a flat list of a million numbers costs
    milliseconds, not a Python loop over each of them.
    """
    level = [data] if type(data) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for container in level:
            values = container.values() if type(container) is dict else container
            if not _CONTAINERS.isdisjoint(map(type, values)):
                deeper.extend(value for value in values if type(value) in _CONTAINERS)
        level = deeper
    return False


def too_deep_message() -> str:
    return _("The JSON body is nested too deeply (more than %(limit)d levels).") % {"limit": MAX_DEPTH}


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (strict: no NaN; invalid JSON or UTF-8 is a 400), refusing bodies nested deeper than
    MAX_DEPTH with a 400 ``json_too_deep``."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep_message(), code="json_too_deep") from None
        if nesting_exceeds(data, MAX_DEPTH):
            raise ParseError(too_deep_message(), code="json_too_deep")
        return data
