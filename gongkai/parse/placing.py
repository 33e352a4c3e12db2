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


# ---------------------------------------------------------------- every reading at once

Group = tuple[str, ...]  # rows whose readings go together (a row and the rows whose label it lost)
Joint = tuple[Reading, ...]  # one reading of each row of a group
MAX_NODES = 200_000  # steps of the search over the rows' readings before it gives up
MAX_SUFFIX_SUMS = 50_000


def solve(
    result_rows: Sequence[str], groups: dict[Group, list[Joint]]
) -> dict[str, list[set[int | None]]] | None | bool:
    """Every choice of one reading per group that meets all the table's column identities at once (the
    identities of _equations, among the rows the groups hold): per row, per column, the values the cell
    takes over those choices. A cell is known where that set has one value. False when no choice meets
    the identities (the rows are not a table that adds up); None when no identity applies or the search
    is too large to finish (then nothing may be settled from it)."""
    rows = {r for group in groups for r in group}
    equations = _equations(tuple(result_rows), rows)
    if not equations:
        return None
    # first the identities one at a time on each row's own readings (cheap, and never drops a reading
    # some choice could use), then the groups' joint readings those leave
    domains: dict[str, list[Reading]] = {r: [] for r in rows}
    for group, joints in groups.items():
        for joint in joints:
            for row, reading in zip(group, joint, strict=True):
                domains[row].append(reading)
    domains = {r: list(dict.fromkeys(d)) for r, d in domains.items()}
    if not _narrow(domains, equations):
        return False
    kept = {r: set(d) for r, d in domains.items()}
    pruned = {
        g: [j for j in joints if all(r in kept[row] for row, r in zip(g, j, strict=True))]
        for g, joints in groups.items()
    }
    if any(not joints for joints in pruned.values()):
        return False
    order = sorted(pruned, key=lambda g: len(pruned[g]))
    terms = [(coefficients, column) for coefficients, column in equations]

    def contribution(group: Group, joint: Joint) -> tuple[int, ...]:
        return tuple(
            sum(
                coefficients.get(row, 0) * (reading[column] or 0)
                for row, reading in zip(group, joint, strict=True)
            )
            for coefficients, column in terms
        )

    contributions = [[contribution(g, j) for j in pruned[g]] for g in order]
    # per identity, the sums the groups from depth i on can still make (None: too many to follow)
    suffix: list[list[set[int] | None]] = [[{0}] * len(terms)]
    for options in reversed(contributions):
        following = suffix[0]
        level: list[set[int] | None] = []
        for t in range(len(terms)):
            after = following[t]
            if after is None:
                level.append(None)
                continue
            values = {c[t] for c in options}
            level.append(
                {a + b for a in values for b in after}
                if len(values) * len(after) <= MAX_SUFFIX_SUMS
                else None
            )
        suffix.insert(0, level)
    seen: dict[str, list[set[int | None]]] = {r: [set() for _ in range(len(domains[r][0]))] for r in rows}
    open_cells = sum(len(cells) for cells in seen.values())
    nodes = 0
    chosen: list[int] = []

    def settled() -> bool:
        return all(len(values) > 1 for cells in seen.values() for values in cells)

    def walk(depth: int, sums: tuple[int, ...]) -> bool:
        """False when the search must stop (too large, or every cell already has two values)."""
        nonlocal nodes
        if depth == len(order):
            if any(sums):
                return True
            for g, index in zip(order, chosen, strict=True):
                for row, reading in zip(g, pruned[g][index], strict=True):
                    for column, value in enumerate(reading):
                        seen[row][column].add(value)
            return not settled()
        for index, add in enumerate(contributions[depth]):
            nodes += 1
            if nodes > MAX_NODES:
                return False
            after = tuple(s + a for s, a in zip(sums, add, strict=True))
            if any(
                left is not None and -s not in left for s, left in zip(after, suffix[depth + 1], strict=True)
            ):
                continue
            chosen.append(index)
            going = walk(depth + 1, after)
            chosen.pop()
            if not going:
                return False
        return True

    finished = walk(0, (0,) * len(terms))
    if not finished and nodes > MAX_NODES:
        return None
    if open_cells and not any(values for cells in seen.values() for values in cells):
        return False
    return seen


def settle(
    result_rows: Sequence[str], groups: dict[Group, list[Joint]]
) -> dict[str, list[set[int | None]]] | bool:
    """Per row, per column, the values a cell may take under the table's column identities: from every
    choice of readings at once (solve), or, when that search is too large, from each identity on its own
    (narrow). False when the identities cannot hold or none applies: nothing may be settled by the sums."""
    found = solve(result_rows, groups)
    if found is not None:
        return found
    domains: dict[str, list[Reading]] = {}
    for group, joints in groups.items():
        for position, row in enumerate(group):
            domains[row] = list(dict.fromkeys(joint[position] for joint in joints))
    if not narrow(result_rows, domains):
        return False
    return {
        row: [{r[c] for r in readings} for c in range(len(readings[0]))] for row, readings in domains.items()
    }
