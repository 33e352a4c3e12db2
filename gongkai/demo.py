"""`make demo`: the real main job, on the bundled fixture portal, into ./lake.

1. starts the fixture government portal (gongkai.fetch.portal) on 127.0.0.1 — its agencies publish
   reports for 2020, 2023 and 2024 as PDF, DOCX and HTML pages, some listings in GBK;
2. runs the Prefect backfill flow over those years for those agencies into ./lake (Prefect's temporary
   local API: nothing to install or configure);
3. prints the run summary, `gongkai status` for the lake, and where the lake and the Data Docs are.

Run it twice: the second run asks the portal nothing and changes nothing in the lake.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", default="lake", help="where to put the lake (default ./lake)")
    parser.add_argument("--verbose", action="store_true", help="show Prefect's logs")
    args = parser.parse_args(argv)

    from gongkai.commands.run import prepare_environment, print_summary, report_console

    prepare_environment(argparse.Namespace(verbose=args.verbose, dask=None))

    from gongkai.commands.backfill import run_backfill
    from gongkai.commands.status import print_status
    from gongkai.fetch.portal import DEMO_YEARS, start_portal
    from gongkai.lake.store import open_store
    from gongkai.status import lake_status, registry_expectations

    console = report_console()  # the terminal's width, or 80 columns piped: the tables fit 80
    lake = str(Path(args.lake).resolve())
    with tempfile.TemporaryDirectory(prefix="gongkai-demo-") as scratch, start_portal() as portal:
        registry = portal.write_registry(Path(scratch) / "portal-registry.toml")
        agencies = [a.slug for a in portal.registry.agencies]
        expected = registry_expectations(portal.registry)
        console.print(
            f"fixture portal: {portal.base_url}  ({len(agencies)} agencies, report years "
            f"{', '.join(map(str, DEMO_YEARS))})",
            highlight=False,
        )
        console.print(f"running the Prefect flow into {lake} …", highlight=False)
        state = run_backfill(
            min(DEMO_YEARS),
            max(DEMO_YEARS),
            years=list(DEMO_YEARS),
            agencies=agencies,
            registry=str(registry),
            lake=lake,
        )
    if not state.is_completed():
        print(f"demo: the flow run failed: {state.message or state.name}", file=sys.stderr)
        return 2
    summary = state.result().value
    print_summary(summary, console)
    store = open_store(lake)
    console.print()
    print_status(lake_status(store, agencies, expected_years=expected), store.uri, console=console)
    console.print(
        f"\nThe lake: {lake}/tables/<table>/report_year=<YYYY>/*.parquet "
        "(pandas, DuckDB, Polars, Spark, Athena: docs/readers.md)",
        highlight=False,
    )
    console.print(f"Run report (HTML, opens offline): {lake}/runs/{summary.run_id}.html", highlight=False)
    if Path(lake, "data_docs", "index.html").is_file():
        console.print(f"Data Docs (validation results, HTML): {lake}/data_docs/index.html", highlight=False)
    console.print(
        "Run records: " + str(Path(lake, "runs")) + "   ·   again: make demo (changes nothing)",
        highlight=False,
    )
    return summary.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
