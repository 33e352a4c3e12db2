"""Cells whose columns the source does not say, placed by the table's identities.

A 表三 row may reach the parser as its printed numbers with no positions: a crawler ran its cells together
and dropped the blank ones ('5038'), or a sanitizer removed its empty <td>s ('5 0 3 8'). Each way of
putting the numbers back into the seven columns is a *reading* (glued.row_readings lists them); the
table's column identities — (七)总计 = the result rows, 新收 + 上年结转 = (七)总计 + 结转下年, in every column,
a blank adding nothing — rule out readings no choice of the other rows' readings can balance. A cell is
taken only where every reading left gives it the same value; where they differ it stays null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

Reading = tuple[int | None, ...]
MAX_SUMS = 200_000  # partial sums one column identity follows before it gives up narrowing
MAX_PLACEMENTS = 4096  # placements of one row beyond which the row is left as it was read


def _equations(result_rows: tuple[str, ...], rows: set[str]) -> list[tuple[dict[str, int], int]]:
    """The table's column identities as Σ coefficient × cell = 0, per column: (七)总计 = the result rows;
    新收 + 上年结转 = (七)总计 + 结转下年. Only those whose rows were all read."""
    out: list[tuple[dict[str, int], int]] = []
    results = {r: 1 for r in result_rows}
    balance = {
        "new_requests": 1,
        "carried_over_from_last_year": 1,
        "results_total": -1,
        "carried_forward_to_next_year": -1,
    }
    for column in range(7):
        for coefficients in ({**results, "results_total": -1}, balance):
            if set(coefficients) <= rows:
                out.append((coefficients, column))
    return out


def _sums(left: set[int], right: set[int]) -> set[int] | None:
    if len(left) * len(right) > MAX_SUMS:
        return None
    return {a + b for a in left for b in right}


def _narrow(domains: dict[str, list[Reading]], equations: list[tuple[dict[str, int], int]]) -> bool:
    """Drop every reading of a row that no choice of the other rows' readings can balance in some column
    identity (a blank adds nothing), until nothing changes. False when the identities cannot all hold."""
    changed = True
    while changed:
        changed = False
        for coefficients, column in equations:
            keys = list(coefficients)
            values = [{coefficients[k] * (r[column] or 0) for r in domains[k]} for k in keys]
            before: list[set[int] | None] = [{0}]
            for v in values[:-1]:
                before.append(None if before[-1] is None else _sums(before[-1], v))
            after: list[set[int] | None] = [{0}]
            for v in reversed(values[1:]):
                after.append(None if after[-1] is None else _sums(after[-1], v))
            after.reverse()
            for i, key in enumerate(keys):
                sums_before, sums_after = before[i], after[i]
                if sums_before is None or sums_after is None:
                    continue  # too many sums to follow: this identity narrows nothing here
                small, large = sorted((sums_before, sums_after), key=len)
                kept = {v for v in values[i] if any(-v - s in large for s in small)}
                if not kept:
                    return False
                if len(kept) < len(values[i]):
                    domains[key] = [r for r in domains[key] if coefficients[key] * (r[column] or 0) in kept]
                    changed = True
    return True


def narrow(result_rows: Sequence[str], domains: dict[str, list[Reading]]) -> bool:
    """Narrow `domains` (each row's readings, in place) by the column identities among the rows it holds.
    False when no identity applies or they cannot all hold: then nothing may be settled by the sums."""
    equations = _equations(tuple(result_rows), set(domains))
    return bool(equations) and _narrow(domains, equations)


def placements(printed: Sequence[int | None], parts: int) -> list[Reading] | None:
    """The ways a row of `parts` cells and its 总计 may have printed `printed` (in order; None for a cell
    printed as a blank mark such as — or /) when its empty cells were dropped: 总计 is the last and the
    sum of the numbers before it, which sit in `parts` columns in their order; one number alone is the
    总计; marks alone are a blank row. None when the cells cannot be such a row."""
    if all(p is None for p in printed):
        return [(None,) * (parts + 1)]
    *before, total = printed
    if total is not None and all(p is None for p in before) and len(before) <= parts:
        return [(*(None,) * parts, total)]  # only 总计 printed (its parts blank or marked blank)
    if total is None or len(before) > parts or sum(p or 0 for p in before) != total:
        return None
    out: list[Reading] = []
    for columns in combinations(range(parts), len(before)):
        row: list[int | None] = [None] * (parts + 1)
        for column, number in zip(columns, before, strict=True):
            row[column] = number
        row[parts] = total
        out.append(tuple(row))
    return list(dict.fromkeys(out)) if len(out) <= MAX_PLACEMENTS else None


def agreed(readings: Iterable[Reading], width: int) -> list[tuple[bool, int | None]]:
    """Per column: (True, value) where every reading gives it that value, else (False, None)."""
    values: list[set[int | None]] = [set() for _ in range(width)]
    for reading in readings:
        for column, value in enumerate(reading):
            values[column].add(value)
    return [(True, next(iter(v))) if len(v) == 1 else (False, None) for v in values]
