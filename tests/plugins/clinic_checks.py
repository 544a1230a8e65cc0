"""A third-party check function module, as a pack for another platform would bring one.

Registered the plug-in way: the test's distribution metadata names this module in the
``sheetcheck.functions`` entry point group; importing it registers the function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from sheetcheck.functions import Context, Finding, TableView, check_function

_NAME = {"type": "string", "minLength": 1}


@check_function(
    "visit-before-registration",
    "table",
    {
        "type": "object",
        "required": ["related", "key", "date", "registered"],
        "properties": {"related": _NAME, "key": _NAME, "date": _NAME, "registered": _NAME},
        "additionalProperties": False,
    },
    columns_from=("key", "date"),
)
def visit_before_registration(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Visits dated before the patient's registration day in the related registry.

    The dates go into the finding as dates; the engine writes them in the pack's format.
    """
    registry = view.related(args["related"])
    if registry is None:
        return
    registered: dict[Any, dt.date] = {}
    keys, days = registry.json(args["key"]), registry.typed(args["registered"])
    for index in registry.rows:
        if isinstance(days[index], dt.date):
            registered.setdefault(keys[index], days[index])
    patients, visits = view.json(args["key"]), view.typed(args["date"])
    for index in view.rows:
        day, since = visits[index], registered.get(patients[index])
        if isinstance(day, dt.date) and since is not None and day < since:
            yield Finding(index, args["date"], {"visit": day, "registered": since})
