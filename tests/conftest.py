"""Suite-wide settings: Hypothesis profiles for the two lanes.

`make test` (CI) runs every property test at its full example count; `make check` runs the fast lane
with `--hypothesis-profile=fast`, where each property test draws a few dozen examples instead
(see `examples` in tests/parse/report_strategies.py)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("fast", max_examples=25, deadline=None)
