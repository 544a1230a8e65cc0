"""The action names the public xlwings Office.js client executes.

xlwings Lite (and xlwings Server) run the actions that Python queues in ``book.json()`` in an
Office.js client that looks each action up by name in its ``funcs`` map and calls it without a
guard: an action missing from the map throws in real Excel, after the actions before it have
run. xlwings' remote engine in CPython accepts many more actions than that map has, so the tests
hold the Excel front end to this list (``tests/excel_payloads/model.py`` refuses anything else).

Source: xlwings/xlwings-server, ``xlwings_server/static/js/custom-scripts/index.js``, the
``funcs`` map ("// Functions map"), at commit 26fda44409f0b981893d77f8377a02d738d4c711.
A later commit of the same file (00061e095249bc6bd27e3c8152c99efccb1c573b) adds more actions
(``setFormula``, ``addConditionalFormat``, ``setSheetVisibility``, ``setColumnWidth``,
``setNameRefersTo``, ...); every name below is in both, so a workbook served by either client
runs what sheetcheck sends. Users do not choose their client's version, so we use only these.
"""

from __future__ import annotations

OFFICE_JS_ACTIONS: frozenset[str] = frozenset(
    {
        "setValues",
        "addSheet",
        "setSheetName",
        "setAutofit",
        "setRangeColor",
        "activateSheet",
        "addHyperlink",
        "setNumberFormat",
        "setPictureName",
        "setPictureWidth",
        "setPictureHeight",
        "deletePicture",
        "addPicture",
        "updatePicture",
        "alert",
        "setRangeName",
        "namesAdd",
        "nameDelete",
        "runMacro",
        "rangeDelete",
        "rangeInsert",
        "rangeSelect",
        "rangeClearContents",
        "rangeClearFormats",
        "rangeGroup",
        "rangeUngroup",
        "rangeClear",
        "rangeAdjustIndent",
        "addTable",
        "setTableName",
        "resizeTable",
        "showAutofilterTable",
        "showHeadersTable",
        "showTotalsTable",
        "setTableStyle",
        "copyRange",
        "copyFromRange",
        "sheetDelete",
        "sheetClear",
        "sheetClearFormats",
        "sheetClearContents",
        "freezePaneAtRange",
        "freezePaneUnfreeze",
        "setFontProperty",
    }
)
