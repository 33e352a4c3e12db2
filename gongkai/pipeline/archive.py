"""Archive: local files → records whose bytes are kept in the lake's raw zone (what `gongkai load` does
instead of fetching). Also which files in a folder are report files, and why others are skipped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gongkai.clock import now_iso
from gongkai.extract import READABLE_SUFFIXES, DocumentTooLarge, read_document_file
from gongkai.lake.raw import archive_raw, raw_key
from gongkai.pipeline.batch import Batch
from gongkai.pipeline.parse import parse_record
from gongkai.pipeline.plan import lake_store
from gongkai.pipeline.record import DocumentRecord


@dataclass(frozen=True)
class Skipped:
    """A file in a folder that is not loaded, and why."""

    path: Path
    reason: str


def find_files(paths: Sequence[Path], skipped: list[Skipped] | None = None) -> Iterator[Path]:
    """The files named, and the report files in the folders named (by suffix, the list extraction reads);
    every other file in those folders is added to `skipped` with its reason."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for child in sorted(path.rglob("*")):
            if not child.is_file():
                continue
            hidden = next((p for p in child.relative_to(path).parts if p.startswith(".")), None)
            if hidden:
                reason = "hidden file" if hidden == child.name else f"in the hidden folder {hidden}"
            elif child.suffix.lower() not in READABLE_SUFFIXES:
                reason = (
                    f"not a report format: {child.suffix or 'no suffix'} is not one of "
                    f"{' '.join(sorted(READABLE_SUFFIXES))}"
                )
            else:
                yield child
                continue
            if skipped is not None:
                skipped.append(Skipped(child, reason))


def archive_file(
    path: Path, lake: str | None, *, agency_id: str | None = None
) -> tuple[DocumentRecord, bytes | None]:
    """Read a local file and keep its bytes in the raw zone, with its archive event. Never raises for the
    file: an unreadable one is a record failed at the archive stage (the lake failing does raise)."""
    store = lake_store(lake)
    record = DocumentRecord(agency_id=agency_id, year=None, source=path.resolve().as_uri(), path=str(path))
    started = now_iso()
    try:
        data = read_document_file(path)  # the size cap checked before reading
    except DocumentTooLarge as exc:
        record.fail("archive", exc.code, f"cannot read {path}: {exc.strerror}")
        record.event("archive", "failed", started, now_iso(), report_year=None, error=str(exc))
        return record, None
    except OSError as exc:
        record.fail(
            "archive",
            "unreadable_file",
            f"cannot read {path}: {exc.strerror}; check the path and permissions",
        )
        record.event("archive", "failed", started, now_iso(), report_year=None, error=str(exc))
        return record, None
    import hashlib

    already = store.exists(raw_key(hashlib.sha256(data).hexdigest()))
    record.sha256, record.raw_uri = archive_raw(store, data)
    record.outcomes["archive"] = "unchanged" if already else "ok"
    record.event(
        "archive",
        record.outcomes["archive"],
        started,
        now_iso(),
        report_year=None,
        output_uri=record.raw_uri,
        output_sha256=record.sha256,
    )
    return record, data


def archive_and_parse(paths: Sequence[Path], lake: str | None, *, agency_id: str | None = None) -> Batch:
    """Archive then extract + parse each local file (bytes read once): a batch ready for validation."""
    records = []
    for path in paths:
        record, data = archive_file(path, lake, agency_id=agency_id)
        if data is not None:
            parse_record(record, data)
        records.append(record)
    return Batch(lake, records)
