"""Cells glued together with no separator ('2100000021' for 21 0 0 0 0 0 21): split them back only
where the form's shape and identities leave exactly one reading. Never invent a number."""

from __future__ import annotations

import itertools
import re

MAX_READINGS = 2  # we only need to know whether a reading is unique

GLUED = re.compile(r"^\d{2,}$")


def looks_glued(text: str, cells: int) -> bool:
    """A run of digits too long to be one count of this table, or one with a leading zero."""
    t = text.strip()
    return bool(GLUED.match(t)) and len(t) >= cells and (t[0] == "0" or len(t) > 9)


def pieces_of(run: str) -> tuple[str, frozenset[int], frozenset[int]]:
    """'12 0 -3' → ('1203', {2, 3}, {3}): the digits, the positions a separator forces a cut at, and the
    positions where a number starts with a minus sign (本年增/减 may be negative)."""
    digits = ""
    cuts: set[int] = set()
    negatives: set[int] = set()
    for piece in re.findall(r"-?\d[\d.]*", run):  # a decimal point stays: such runs are not cut
        if digits:
            cuts.add(len(digits))
        if piece.startswith("-"):
            negatives.add(len(digits))
        digits += piece.lstrip("-")
    return digits, frozenset(cuts), frozenset(negatives)


def _number(text: str) -> int | float | None:
    """A cut piece as a number, or None when no printed number looks like it: a leading zero is a number
    only as '0' itself or '0.xx', a decimal point needs a digit either side."""
    if text.startswith(".") or text.endswith(".") or text.count(".") > 1:
        return None
    if text[0] == "0" and len(text) > 1 and text[1] != ".":
        return None
    return float(text) if "." in text else int(text)


def readings(
    digits: str,
    blocks: list[int],
    totals: bool,
    cuts: frozenset[int] = frozenset(),
    negatives: frozenset[int] = frozenset(),
    limit: int = MAX_READINGS,
) -> list[list[int | float]]:
    """The ways to cut `digits` into numbers, block by block (sizes in `blocks`); with `totals`, the last
    number of each block must equal the sum of the others. A number never spans a position in `cuts`
    (a separator the source did print); a number starting at a position in `negatives` is negative.
    A decimal point stays inside one number ('012.5' is 0 and 12.5, or 01… which no one prints); with
    `totals` no decimal is cut (the forms' totals are counts). Stops after `limit` readings."""
    found: list[list[int | float]] = []
    if not re.fullmatch(r"[\d.]*\d", digits) or digits.startswith(".") or (totals and "." in digits):
        return found
    if sum(blocks) > len(digits.replace(".", "")):
        return found
    decimal = "." in digits
    next_cut = [len(digits)] * (len(digits) + 1)
    for position in range(len(digits) - 1, -1, -1):
        next_cut[position] = position + 1 if position + 1 in cuts else next_cut[position + 1]
    if totals and len(blocks) == 1 and not negatives:
        return _block_readings(digits, blocks[0], next_cut, limit)

    def numbers_at(position: int, numbers_left: int) -> list[tuple[int | float, int]]:
        if position >= len(digits) or digits[position] == ".":
            return []
        sign = -1 if position in negatives else 1
        # leave at least one digit for each number still to come
        last = min(next_cut[position], len(digits) - (numbers_left - 1))
        if not decimal:  # counts only: a '0' is the number 0, anything else runs on
            if digits[position] == "0":
                return [(0, position + 1)]
            return [(sign * int(digits[position:end]), end) for end in range(position + 1, last + 1)]
        out: list[tuple[int | float, int]] = []
        for end in range(position + 1, last + 1):
            number = _number(digits[position:end])
            if number is not None:
                out.append((sign * number, end))
            elif digits[position] == "0" and end > position + 1 and digits[position + 1] != ".":
                break  # '0' followed by a digit is the number 0, never the start of a longer one
        return out

    def left_after(block: int, in_block: int) -> int:
        return blocks[block] - in_block + sum(blocks[block + 1 :])

    def walk(position: int, block: int, in_block: list[int | float], done: list[int | float]) -> None:
        if len(found) >= limit:
            return
        if block == len(blocks):
            if position == len(digits):
                found.append(done)
            return
        if len(digits) - position < left_after(block, len(in_block)):
            return
        size = blocks[block]
        if totals and len(in_block) == size - 1:
            total = str(sum(in_block))
            end = position + len(total)
            if digits.startswith(total, position) and next_cut[position] >= end:
                walk(end, block + 1, [], done + in_block + [int(total)])
            return
        for number, end in numbers_at(position, left_after(block, len(in_block))):
            parts = [*in_block, number]
            still = size - len(parts) - 1 + sum(blocks[block + 1 :])
            if totals and len(parts) < size and len(str(sum(parts))) + still > len(digits) - end:
                break  # the block's total could no longer fit in the digits left
            if len(parts) == size:
                walk(end, block + 1, [], done + parts)
            else:
                walk(end, block, parts, done)

    walk(0, 0, [], [])
    return found


def _block_readings(digits: str, size: int, next_cut: list[int], limit: int) -> list[list[int | float]]:
    """readings() of one block of counts whose last is the sum of the others: each way the total can end
    the digits, then the ways the digits before it cut into size - 1 numbers adding up to it (memoised)."""
    memo: dict[tuple[int, int, int], list[list[int]]] = {}

    def parts(start: int, end: int, count: int, target: int) -> list[list[int]]:
        if count == 0:
            return [[]] if start == end and target == 0 else []
        if end - start < count:
            return []
        if count == 1:  # the last part is all the digits left
            whole = digits[start:end]
            fits = next_cut[start] >= end and (whole[0] != "0" or end - start == 1) and int(whole) == target
            return [[target]] if fits else []
        key = (start, count, target)
        if key in memo:
            return memo[key]
        out: list[list[int]] = []
        last = min(next_cut[start], end - (count - 1))
        for stop in range(start + 1, last + 1):
            number = int(digits[start:stop])
            if number > target:
                break
            for rest in parts(stop, end, count - 1, target - number):
                out.append([number, *rest])
                if len(out) > limit:
                    break
            if digits[start] == "0" or len(out) > limit:
                break  # a '0' is the number 0, never the start of a longer one
        memo[key] = out
        return out

    found: list[list[int | float]] = []
    for start in range(size - 1, len(digits)):
        if next_cut[start] < len(digits) or (digits[start] == "0" and start < len(digits) - 1):
            continue
        total = int(digits[start:])
        memo.clear()
        for numbers in parts(0, start, size - 1, total):
            found.append([*numbers, total])
            if len(found) >= limit:
                return found
    return found


def row_readings(
    digits: str,
    parts: int,
    cuts: frozenset[int] = frozenset(),
    negatives: frozenset[int] = frozenset(),
    limit: int = 4096,
) -> list[tuple[int | None, ...]] | None:
    """Every way a row of `parts` cells and their 总计 (last) may have printed `digits` when its blank
    cells were printed as nothing: 总计 is printed whenever any part is, and equals the sum of the parts
    printed (a blank adds nothing); which of the parts are blank is not known, so each choice of columns
    is a reading. A row whose digits are all one number may also be a row that prints only its 总计.
    None when there are more than `limit` readings (the row cannot help settle anything)."""
    found: list[tuple[int | None, ...]] = []
    if not digits:
        return [(None,) * (parts + 1)]
    whole = _number(digits)
    if not cuts and isinstance(whole, int) and not negatives:
        found.append((*(None,) * parts, whole))  # only 总计 printed
    for printed in range(1, parts + 1):
        for numbers in readings(digits, [printed + 1], True, cuts, negatives, limit=limit + 1):
            for columns in itertools.combinations(range(parts), printed):
                row: list[int | None] = [None] * (parts + 1)
                for column, number in zip(columns, numbers, strict=False):
                    row[column] = int(number)
                row[parts] = int(numbers[-1])
                found.append(tuple(row))
                if len(found) > limit:
                    return None
    return found
