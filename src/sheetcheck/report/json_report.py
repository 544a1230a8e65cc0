"""The JSON report; its shape is published as schemas/report.schema.json."""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..model import FileReport, Report


def file_dict(item: FileReport) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file": item.file,
        "template": item.template,
        "sheet": item.sheet,
        "header_row": item.header_row,
        "valid": item.is_valid(),
        "summary": {
            "rows": item.rows,
            "errors": item.errors,
            "warnings": item.warnings,
            "infos": item.infos,
        },
        "issues": [issue.to_dict() for issue in item.issues],
    }
    if item.template_reason:
        data["template_reason"] = item.template_reason
    if item.error is not None:
        data["error"] = item.error
    for key, value in item.extra.items():
        if key not in data and not key.startswith("_") and key not in ("first_col", "sections"):
            data[key] = value
    return data


def report_dict(report: Report) -> dict[str, Any]:
    return {"valid": report.valid, "files": [file_dict(f) for f in report.files]}


def write_json(report: Report, out: TextIO) -> None:
    json.dump(report_dict(report), out, indent=2, ensure_ascii=False)
    out.write("\n")
