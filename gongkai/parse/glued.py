"""Cells glued together with no separator ('2100000021' for 21 0 0 0 0 0 21): split them back only
where the form's shape and identities leave exactly one reading. Never invent a number."""

from __future__ import annotations

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


def readings(
    digits: str,
    blocks: list[int],
    totals: bool,
    cuts: frozenset[int] = frozenset(),
    negatives: frozenset[int] = frozenset(),
    limit: int = MAX_READINGS,
) -> list[list[int]]:
    """The ways to cut `digits` into numbers, block by block (sizes in `blocks`); with `totals`, the last
    number of each block must equal the sum of the others. A number never spans a position in `cuts`
    (a separator the source did print); a number starting at a position in `negatives` is negative.
    Stops after `limit` readings."""
    found: list[list[int]] = []
    if not digits.isdigit():  # decimals run together cannot be cut back apart
        return found
    if sum(blocks) > len(digits):
        return found
    next_cut = [len(digits)] * (len(digits) + 1)
    for position in range(len(digits) - 1, -1, -1):
        next_cut[position] = position + 1 if position + 1 in cuts else next_cut[position + 1]

    def numbers_at(position: int, numbers_left: int) -> list[tuple[int, int]]:
        if position >= len(digits):
            return []
        sign = -1 if position in negatives else 1
        if digits[position] == "0":
            return [(0, position + 1)]
        # leave at least one digit for each number still to come
        last = min(next_cut[position], len(digits) - (numbers_left - 1))
        return [(sign * int(digits[position:end]), end) for end in range(position + 1, last + 1)]

    def left_after(block: int, in_block: int) -> int:
        return blocks[block] - in_block + sum(blocks[block + 1 :])

    def walk(position: int, block: int, in_block: list[int], done: list[int]) -> None:
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
