"""The one code version: which gongkai, parser and extractor made a lineage event or a report."""

from __future__ import annotations

import functools

import gongkai


@functools.cache
def code_version() -> str:
    """``gongkai 0.1.0; parser 1.2.0; extractor 5`` — stamped on every lineage event."""
    from gongkai.extract import EXTRACTOR_VERSION
    from gongkai.parse import PARSER_VERSION

    return f"gongkai {gongkai.__version__}; parser {PARSER_VERSION}; extractor {EXTRACTOR_VERSION}"
