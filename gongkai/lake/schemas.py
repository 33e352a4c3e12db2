"""The lake contract: one explicit, versioned pyarrow schema per table.

Files hold every column except the partition column `report_year`, which lives in the path
(`tables/<table>/report_year=<YYYY>/…parquet`, 0 when the year is not known) so that pandas,
pyarrow.dataset, DuckDB and Polars all read the tables with hive partitioning and no extra code.
Each column carries its meaning and Chinese label as field metadata; docs/data-dictionary.md is
generated from these definitions (`python -m gongkai.dictionary`).

Bump a table's `version` whenever its columns change; the version is written into every Parquet
footer (`gongkai.schema_version`) and into each commit record.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

PARTITION_COLUMN = "report_year"
UNKNOWN_YEAR = 0  # partition value for reports whose year could not be read
STATUSES = ("valid", "warnings", "quarantined", "failed")
SEVERITIES = ("error", "warning")
LINEAGE_STAGES = ("discover", "fetch", "archive", "extract", "parse", "validate", "write")
LINEAGE_STATUSES = ("ok", "unchanged", "skipped", "failed")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    label: str = ""  # Chinese label, where the column has one
    nullable: bool = True

    def field(self) -> pa.Field:
        meta = {"doc": self.doc}
        if self.label:
            meta["label"] = self.label
        return pa.field(self.name, self.type, nullable=self.nullable, metadata=meta)


@dataclass(frozen=True)
class TableDef:
    name: str
    version: int
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # what makes a row unique within the table

    @property
    def schema(self) -> pa.Schema:
        """Schema of the Parquet files (no partition column)."""
        return pa.schema(
            [c.field() for c in self.columns],
            metadata={"gongkai.table": self.name, "gongkai.schema_version": str(self.version)},
        )

    @property
    def dataset_schema(self) -> pa.Schema:
        """Schema as readers see it: the file columns plus `report_year` from the path."""
        return self.schema.append(PARTITION_FIELD)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


PARTITION_FIELD = pa.field(
    PARTITION_COLUMN,
    pa.int32(),
    nullable=False,
    metadata={
        "doc": "Report year (the year reported on, not published); 0 when unknown. Partition column.",
        "label": "报告年度",
    },
)

_STR = pa.string()
_TS = pa.timestamp("us", tz="UTC")
_FLAGS = pa.list_(pa.string())


def _ids() -> tuple[Column, ...]:
    return (
        Column(
            "report_id",
            _STR,
            "Report version id: first 16 hex digits of the source document's sha256.",
            nullable=False,
        ),
        Column(
            "agency_id",
            _STR,
            "Agency slug (ASCII): given, or derived from the printed name (gongkai/agency.py).",
        ),
    )


def _cell_columns(value_type: pa.DataType) -> tuple[Column, ...]:
    return (
        Column(
            "value",
            value_type,
            "The number as printed; null when the cell is blank or holds no number (a blank is not a zero).",
        ),
        Column("raw", _STR, "The cell text as printed, trimmed."),
        Column(
            "flags",
            _FLAGS,
            "What a person may want to look at: text_in_cell, label_inferred, "
            "unit_converted, value_not_integer, …",
        ),
        Column(
            "status",
            _STR,
            "The report's validation status (valid, warnings, quarantined, failed), "
            "repeated here so a reader can filter without a join.",
        ),
    )


REPORTS = TableDef(
    "reports",
    1,
    "One row per report version (one source document). Re-processing the same bytes replaces the row.",
    (
        *_ids(),
        Column("agency_name", _STR, "Agency name as printed in the report.", "机关名称"),
        Column("form_version", _STR, "Statistical form layout: f2021, f2019, pre2019, unknown."),
        Column("published_date", pa.date32(), "Publication date as printed (成文日期), if any.", "成文日期"),
        Column("source_url", _STR, "Where the document came from: URL or the loaded file's path."),
        Column(
            "raw_uri",
            _STR,
            "The document's bytes in the lake's raw zone, relative to the lake root "
            "(raw/<sha256[:2]>/<sha256>); rows of older lakes hold an absolute file:// or s3:// URI.",
        ),
        Column("sha256", _STR, "SHA-256 of the source bytes (hex).", nullable=False),
        Column("media_type", _STR, "Detected media type of the source document."),
        Column(
            "status",
            _STR,
            "valid | warnings (only warning checks failed) | quarantined (an error check "
            "failed; rows still written) | failed (no statistical tables could be read).",
            nullable=False,
        ),
        Column("problem_codes", _FLAGS, "Stable codes of parser problems and failed validation checks."),
        Column(
            "problems",
            pa.list_(pa.struct([("code", _STR), ("severity", _STR), ("message", _STR), ("where", _STR)])),
            "Parser and validation problems with their messages.",
        ),
        Column("n_errors", pa.int32(), "Number of failed error-severity validation checks."),
        Column("n_warnings", pa.int32(), "Number of failed warning-severity validation checks."),
        Column(
            "parser_version",
            _STR,
            "PARSER_VERSION (gongkai/parse) of the parser that read the report, e.g. 1.3.0; the whole "
            "code version (gongkai, parser, extractor) is the `code_version` of its lineage events.",
        ),
        Column(
            "extractor",
            _STR,
            "Extractor that read the document and EXTRACTOR_VERSION (gongkai/extract), e.g. pdf@7.",
        ),
        Column(
            "content_hash",
            _STR,
            "Hash of this report's rows in all tables (except times): unchanged re-loads are skipped.",
        ),
        Column("ingested_at", _TS, "When these rows were written (UTC)."),
    ),
    ("report_id",),
)

ACTIVE_DISCLOSURE = TableDef(
    "active_disclosure",
    1,
    "Section 二 主动公开政府信息情况: one row per (report, item, metric).",
    (
        *_ids(),
        Column("form_version", _STR, "Form layout of the report."),
        Column("section", _STR, "Clause of 条例 第二十条 the item belongs to, e.g. 20(1)."),
        Column(
            "item", _STR, "Item key (forms.md), e.g. rules, administrative_licensing.", "项目", nullable=False
        ),
        Column(
            "metric",
            _STR,
            "Metric key (forms.md), e.g. issued, decisions, fee_amount.",
            "指标",
            nullable=False,
        ),
        *_cell_columns(pa.float64()),
        Column("unit", _STR, "Unit of the value: 件, 万元, 元, …"),
    ),
    ("report_id", "item", "metric"),
)

APPLICATIONS = TableDef(
    "applications",
    1,
    "Section 三 收到和处理政府信息公开申请情况: one row per (report, row, column) cell of the matrix.",
    (
        *_ids(),
        Column("form_version", _STR, "Form layout of the report."),
        Column(
            "row",
            _STR,
            "Row key (forms.md), e.g. new_requests, granted, results_total.",
            "行",
            nullable=False,
        ),
        Column(
            "applicant",
            _STR,
            "Applicant column key (forms.md), e.g. natural_person, total. Named so that "
            "SQL needs no quoting (COLUMN is reserved).",
            "申请人情况",
            nullable=False,
        ),
        *_cell_columns(pa.int64()),
    ),
    ("report_id", "row", "applicant"),
)

REVIEW_LITIGATION = TableDef(
    "review_litigation",
    1,
    "Section 四 行政复议、行政诉讼: one row per (report, key); key = <block>_<outcome>.",
    (
        *_ids(),
        Column("form_version", _STR, "Form layout of the report."),
        Column(
            "key",
            _STR,
            "Cell key <block>_<outcome> (forms.md), e.g. review_upheld, suit_direct_total.",
            "栏目",
            nullable=False,
        ),
        Column("block", _STR, "review | suit_direct | suit_after_review.", "行政复议/行政诉讼"),
        Column("outcome", _STR, "upheld | corrected | other | pending | total.", "结果"),
        *_cell_columns(pa.int64()),
    ),
    ("report_id", "key"),
)

HISTORICAL_FIGURES = TableDef(
    "historical_figures",
    1,
    "Figures stated by reports before 2019 (prose and 统计表), in the vocabulary of gongkai/historical.py "
    "(docs/historical-metrics.md): one row per figure read.",
    (
        *_ids(),
        Column("form_version", _STR, "Form layout of the report (pre2019 for these)."),
        Column(
            "metric",
            _STR,
            "Metric key of the historical vocabulary, e.g. requests_received.",
            "指标名称",
            nullable=False,
        ),
        Column("period", _STR, "year (本年度) or cumulative (历年累计).", "统计期"),
        Column("value", pa.float64(), "The figure; null when it could not be read as a number."),
        Column("unit", _STR, "Unit as printed or implied: 件, 条, 万元, …", "计量单位"),
        Column("source", _STR, "prose (a sentence) or table (a 统计表 cell)."),
        Column("raw", _STR, "The sentence or table cell the figure was read from."),
        Column("flags", _FLAGS, "What a person may want to look at."),
        Column("status", _STR, "The report's validation status, repeated for filtering."),
    ),
    ("report_id", "metric", "period", "source"),
)

VALIDATION_RESULTS = TableDef(
    "validation_results",
    1,
    "One row per failed or warned check on a report, naming the failing cell.",
    (
        *_ids(),
        Column("run_id", _STR, "Validation run that produced the row (its Data Docs carry the same id)."),
        Column(
            "check_name",
            _STR,
            "Check name, e.g. applications.row_sum, review_litigation.block_total "
            "(expectations/*.json, meta.check).",
            nullable=False,
        ),
        Column("expectation", _STR, "Great Expectations expectation type that failed."),
        Column("table_name", _STR, "Lake table the failing cell belongs to.", nullable=False),
        Column(
            "row_key", _STR, "Row of the failing cell: applications row, active_disclosure item, or null."
        ),
        Column(
            "column_key",
            _STR,
            "Column of the failing cell: applicant, review_litigation key, metric, or the reports column.",
        ),
        Column("expected", _STR, "What the check expected, as text (a number, a set, a range)."),
        Column("observed", _STR, "What the report holds, as text."),
        Column("severity", _STR, "error (the report is quarantined) or warning.", nullable=False),
        Column("message", _STR, "What is wrong and what to do, for a person."),
        Column("validated_at", _TS, "When the check ran (UTC)."),
    ),
    ("report_id", "check_name", "table_name", "row_key", "column_key"),
)

LINEAGE = TableDef(
    "lineage",
    1,
    "One row per distinct stage event on a document (discover, fetch, archive, extract, parse, validate, "
    "write). Replaying an identical event adds nothing; a changed outcome (new code, new bytes) adds a row.",
    (
        Column(
            "event_id",
            _STR,
            "Hash of the event's content (stage, ids, inputs, outputs, code, status, "
            "error) — times and run ids excluded.",
            nullable=False,
        ),
        Column("report_id", _STR, "Report version id, when known at that stage."),
        Column("agency_id", _STR, "Agency slug, when known."),
        Column(
            "stage", _STR, "discover | fetch | archive | extract | parse | validate | write.", nullable=False
        ),
        Column("status", _STR, "ok | unchanged | skipped | failed.", nullable=False),
        Column("started_at", _TS, "Stage start (UTC)."),
        Column("ended_at", _TS, "Stage end (UTC)."),
        Column("input_uri", _STR, "What the stage read: a URL, a file, or a key relative to the lake root."),
        Column("input_sha256", _STR, "SHA-256 of the input bytes."),
        Column(
            "output_uri",
            _STR,
            "What the stage wrote: a key relative to the lake root (older lakes: an absolute URI).",
        ),
        Column("output_sha256", _STR, "SHA-256 of the output bytes."),
        Column("code_version", _STR, "gongkai version (and parser/extractor) that ran the stage."),
        Column("flow_run_id", _STR, "Orchestrator flow run id, if any."),
        Column("task_run_id", _STR, "Orchestrator task run id, if any."),
        Column("error", _STR, "Error message when the stage failed."),
        Column("details", _STR, "Stage-specific details as a JSON object."),
    ),
    ("event_id",),
)

TABLES: dict[str, TableDef] = {
    t.name: t
    for t in (
        REPORTS,
        ACTIVE_DISCLOSURE,
        APPLICATIONS,
        REVIEW_LITIGATION,
        HISTORICAL_FIGURES,
        VALIDATION_RESULTS,
        LINEAGE,
    )
}
# tables whose rows belong to one report version and are replaced when it is re-processed
REPORT_TABLES = (
    "reports",
    "active_disclosure",
    "applications",
    "review_litigation",
    "historical_figures",
    "validation_results",
)


def partition_value(report_year: int | None) -> int:
    return report_year if isinstance(report_year, int) and 1900 < report_year < 3000 else UNKNOWN_YEAR


def partition_dir(table: str, report_year: int) -> str:
    return f"tables/{table}/{PARTITION_COLUMN}={report_year}"
