"""The highlighting design shared by every place that paints cells.

The generated template's conditional formatting, the annotated copy and the Excel Validate
button all use these colours, so a user sees the same red for an error everywhere.
Colours are RRGGBB hex without '#'.
"""

from __future__ import annotations

from .model import Severity

FILLS: dict[Severity, str] = {
    "error": "FFC7CE",  # Excel's "Light Red Fill"
    "warning": "FFEB9C",  # Excel's "Yellow Fill"
    "info": "DDEBF7",  # pale blue
}
FONTS: dict[Severity, str] = {
    "error": "9C0006",  # "Dark Red Text"
    "warning": "9C5700",  # "Dark Yellow Text"
    "info": "1F4E78",
}
HEADER_FILL = "1F4E78"
HEADER_FONT = "FFFFFF"

ISSUES_SHEET = "Issues"  # the sheet listing every issue (annotated copy, Validate button)
