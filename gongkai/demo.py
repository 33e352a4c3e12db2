"""`make demo`: the main job on the bundled demo corpus (for now: parse the seeds and print them)."""

from __future__ import annotations

from pathlib import Path

from gongkai.pipeline import parse_bytes
from gongkai.render import render_report

DEMO_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds"


def main() -> int:
    for path in sorted(DEMO_CORPUS.glob("*.txt")):
        print(render_report(parse_bytes(path.read_bytes(), str(path.relative_to(DEMO_CORPUS.parents[2])))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
