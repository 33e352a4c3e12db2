"""A report as readable terminal tables (rich)."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.table import Table

from gongkai import forms
from gongkai.model import CellValue, Report


def _show(cell: CellValue | None) -> str:
    if cell is None or cell.value is None:
        return "·" if cell is None or not cell.raw else f"({cell.raw})"
    text = f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
    return text + ("*" if cell.flags else "")


def render_report(report: Report, width: int = 160) -> str:
    buffer = StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    console.print(
        f"[bold]{report.source}[/]  form={report.form_version}  year={report.report_year}  "
        f"agency={report.agency_name}  published={report.published_date}"
    )
    if report.active_disclosure:
        t = Table(title="表二 主动公开", show_lines=False)
        for col in ("item", "metric", "value", "unit"):
            t.add_column(col)
        for (item, metric), cell in report.active_disclosure.items():
            t.add_row(item, metric, _show(cell), cell.unit or "")
        console.print(t)
    if report.applications:
        t = Table(title="表三 依申请公开 (· blank, * flagged)")
        t.add_column("row")
        for col in forms.APPLICANT_KEYS:
            t.add_column(col, justify="right")
        rows = list(dict.fromkeys(r for r, _ in report.applications))
        for row in rows:
            t.add_row(row, *(_show(report.applications.get((row, c))) for c in forms.APPLICANT_KEYS))
        console.print(t)
    if report.review_litigation:
        t = Table(title="表四 行政复议·行政诉讼")
        t.add_column("block")
        for outcome in forms.REVIEW_OUTCOMES:
            t.add_column(outcome.key, justify="right")
        for block in forms.REVIEW_BLOCKS:
            t.add_row(
                block.key,
                *(_show(report.review_litigation.get(f"{block.key}_{o.key}")) for o in forms.REVIEW_OUTCOMES),
            )
        console.print(t)
    for p in report.problems:
        console.print(f"  {p.severity:7} {p.code}: {p.message}" + (f" [{p.where}]" if p.where else ""))
    return buffer.getvalue()
