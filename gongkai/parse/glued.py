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


def readings(digits: str, blocks: list[int], totals: bool) -> list[list[int]]:
    """The ways to cut `digits` into numbers, block by block (sizes in `blocks`); with `totals`, the last
    number of each block must equal the sum of the others. Stops after MAX_READINGS."""
    found: list[list[int]] = []
    if not digits.isdigit():  # decimals run together cannot be cut back apart
        return found

    def numbers_at(position: int) -> list[tuple[int, int]]:
        if position >= len(digits):
            return []
        if digits[position] == "0":
            return [(0, position + 1)]
        return [(int(digits[position:end]), end) for end in range(position + 1, len(digits) + 1)]

    def walk(position: int, block: int, in_block: list[int], done: list[int]) -> None:
        if len(found) >= MAX_READINGS:
            return
        if block == len(blocks):
            if position == len(digits):
                found.append(done)
            return
        size = blocks[block]
        if totals and len(in_block) == size - 1:
            total = str(sum(in_block))
            if digits.startswith(total, position):
                walk(position + len(total), block + 1, [], done + in_block + [int(total)])
            return
        for number, end in numbers_at(position):
            parts = [*in_block, number]
            if len(parts) == size:
                walk(end, block + 1, [], done + parts)
            else:
                walk(end, block, parts, done)

    walk(0, 0, [], [])
    return found
