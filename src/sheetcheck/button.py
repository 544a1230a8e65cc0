"""The Validate sheet button: one definition for the template that draws it and the xlwings
Lite script that binds to it.

xlwings Lite runs a script from a sheet button this way: the button is a shape with a name
and a hyperlink to a cell it covers; clicking it selects that cell, and the script whose
``button`` is ``[shape name]Sheet!Cell`` runs. The generated templates carry the shape
(:mod:`sheetcheck.template.button` draws it); ``sheetcheck excel lite`` writes the binding.
"""

from __future__ import annotations

SHAPE_NAME = "SheetCheckValidate"
SHEET = "Instructions"
CELL = "A3"  # row 3 of the Instructions sheet is kept free for the button
ROW = 3
LABEL = "Validate"
HINT = (
    "xlwings Lite: click Validate to check every rule and list the issues. "
    "Desktop Excel: SheetCheck tab > Validate."
)
BINDING = f"[{SHAPE_NAME}]{SHEET}!{CELL}"
