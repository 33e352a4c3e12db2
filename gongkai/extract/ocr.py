"""Page images → Paragraph and Table blocks by OCR (RapidOCR: PP-OCRv4 models on onnxruntime, shipped in
the wheel — no download at run time).

Tables are recovered from the image itself: ruling lines are found by morphology, their positions
give the grid, a missing wall between two grid cells is a merged cell (a span). Each cell's text
lines are cut tightly and recognised in one batch: recognition on tight crops reads table digits
far better than page-level detection, which misses lone digits. Text outside tables goes through
detection + recognition. Blocks carry ``source="ocr"`` so the parser flags every value read this way.

Digits matter most. A line that looks like a number not read for sure (confidence under 0.9, a
look-alike glyph such as ``[362`` or ``Ⅱ``, fewer digits than the line has glyphs) is read again, shown
differently (more white around it; a lone glyph three times over); it is taken only when every reading
that gives a number gives the same one (reported, ``ocr_reread``), else left blank and reported
(``ocr_unreadable``). A number with an unambiguous letter confusion (O for 0, l or I for 1 amid digits)
is corrected and reported. No number is ever invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from gongkai.extract.pages import append_joining_tables
from gongkai.model import Block, Cell, Document, Paragraph, Problem, Table
from gongkai.values import (  # UNREADABLE: a cell OCR could not read (null, flagged ocr_unreadable by the parser)
    NULL_MARKS,
    UNREADABLE,
    join_wrapped,
)

OCR_DPI = 200  # pages of a PDF are rendered at this resolution for OCR
MIN_SCORE = 0.5  # recognition confidence below which a line is not trusted
NUMERIC_MIN_SCORE = 0.6  # …and below which a number-like cell is left unread
REREAD_BELOW = 0.9  # a number-like line read with less confidence (or not cleanly) is read again
MAX_SKEW_DEGREES = 5.0
MIN_RULING_INK = 0.8  # share of a joined ruling's length that must be ink

_engine: Any = None


class OcrUnavailable(RuntimeError):
    """The OCR engine (rapidocr-onnxruntime, with OpenCV) cannot be imported."""


def ocr_available() -> bool:
    try:
        import cv2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:  # ImportError, or a broken native library (libGL…)
        return False
    return True


def engine() -> Any:
    """One RapidOCR per process (loading the models takes ~1 s)."""
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except Exception as exc:
            raise OcrUnavailable(str(exc)) from exc
        _engine = RapidOCR()
    return _engine


@dataclass
class PageText:
    blocks: list[Block]
    problems: list[Problem]


# ---------------------------------------------------------------- image preparation


def to_gray(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY if image.shape[2] == 3 else cv2.COLOR_RGBA2GRAY)
    return image.astype(np.uint8)


def ink_mask(gray: np.ndarray, dpi: float = OCR_DPI, contrast: int = 25) -> np.ndarray:
    """Dark pixels as 255, against the local paper level: thin faint rulings of a soft scan count,
    uneven lighting and sensor noise do not. A pixel is ink when it is `contrast` levels darker than
    the mean around it."""
    import cv2

    block = max(15, int(dpi * 0.2)) | 1
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    return cv2.adaptiveThreshold(
        blurred, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, contrast
    )


FAINT_CONTRAST = 10  # the ink of a ruling's faint stretches (see _extended): never used to find rulings


def skew_angle(mask: np.ndarray) -> float:
    """The rotation (degrees) that makes text rows and rulings horizontal: the angle whose row
    profile is sharpest, searched coarse then fine on a downscaled mask."""
    import cv2

    scale = 800 / max(mask.shape)
    small = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else mask
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(profile) ** 2))

    best = max(np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)
    return float(round(fine, 2))


def deskew(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    import cv2

    angle = skew_angle(ink_mask(gray, dpi))
    if abs(angle) < 0.15:
        return gray, 0.0
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255), angle


# ---------------------------------------------------------------- ruling lines and grids


@dataclass
class Grid:
    x0: int
    y0: int
    x1: int
    y1: int
    ys: list[int]  # horizontal rulings, top to bottom
    xs: list[int]  # vertical rulings, left to right
    # (row, col, row_span, col_span) of the table, then the same on the ruling grid (ys, xs), reading order
    cells: list[tuple[int, ...]]


def _cluster(values: list[float], tolerance: float) -> list[int]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(round(sum(g) / len(g))) for g in out]


def find_grids(
    mask: np.ndarray, dpi: float, faint: np.ndarray | None = None
) -> tuple[list[Grid], np.ndarray]:
    """Ruled tables on a deskewed page, and the mask of their rulings (to erase before reading text).

    A ruling is a straight run longer than a character stroke whose ends meet the crossing rulings:
    that keeps dashes ('——' as a blank mark) and long strokes of characters out of the grid.
    `faint` (a more sensitive ink mask) only carries a ruling found in `mask` on to the crossing
    ruling it stops short of; it never adds a ruling of its own (a global dark mask that added rulings
    split real cells of a real scan and gave wrong numbers)."""
    import cv2

    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))  # bridge noise-broken lines
    horizontal = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(dpi * 0.25)), 1))
    )
    vertical = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(8, int(dpi * 0.1))))
    )
    tolerance = max(3.0, dpi * 0.02)
    # noise, JPEG and a residual tilt break a ruling into collinear pieces a few pixels apart; a wider gap
    # would join a ruling to a collinear stroke of a character just past its end (a false wall)
    gap = max(4.0, dpi * 0.05)
    h_segments = _joined(_segments(horizontal, axis=0), tolerance, gap)
    v_segments = _joined(_segments(vertical, axis=1), tolerance, gap)
    edges = _open_edges(v_segments, [s[0] for s in h_segments], tolerance, dpi)
    h_segments += edges
    # a thin ruling left a hair askew steps from one pixel row to the next; a piece between its end and
    # the first step shorter than the run asked for is lost, and the ruling stops short of the crossing
    # ruling it meets (the table's edge): ends are carried on to a crossing ruling the ink reaches
    faint = closed if faint is None else cv2.bitwise_or(closed, faint)
    v_segments = _extended(v_segments, h_segments, faint, 1, dpi * 0.3, tolerance, shortest=dpi * 0.2)
    h_segments = _extended(h_segments, v_segments, faint, 0, dpi * 0.75, tolerance)
    # verticals must run from one horizontal ruling to another; then horizontals between verticals
    v_segments = _between(v_segments, h_segments, tolerance * 2, faint, 1, tuple(e[0] for e in edges))
    h_segments = _between(h_segments, v_segments, tolerance * 2, faint, 0)
    horizontal = _draw(horizontal.shape, h_segments, axis=0, thickness=max(1, int(dpi * 0.008)))
    vertical = _draw(vertical.shape, v_segments, axis=1, thickness=max(1, int(dpi * 0.008)))
    lines = cv2.bitwise_or(horizontal, vertical)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(lines, np.ones((5, 5), np.uint8)))
    grids: list[Grid] = []
    # what is erased before text is read: the grids' rulings and long lines (a rule across the page); not
    # a short piece standing alone — the tops of digits set close ('66777' at 10 pt) close into a run as
    # long as a ruling, and erased, the 7s lost their bars and read as 1s: 66117
    stray = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        stray[i] = max(w, h) < dpi * 1.0
        if w < dpi * 1.0 or h < dpi * 0.2:
            continue
        ys = _cluster(
            [s[0] for s in h_segments if x <= s[1] and s[2] <= x + w and y <= s[0] <= y + h], tolerance
        )
        xs = _cluster(
            [s[0] for s in v_segments if y <= s[1] and s[2] <= y + h and x <= s[0] <= x + w], tolerance
        )
        if len(ys) < 2 or len(xs) < 2:
            continue
        grids.append(Grid(x, y, x + w, y + h, ys, xs, _spans(horizontal, vertical, ys, xs, dpi)))
    grids.sort(key=lambda g: g.y0)
    if stray.any():
        lines = np.where(stray[labels], 0, lines).astype(lines.dtype)
    return grids, lines


def _segments(lines: np.ndarray, axis: int) -> list[tuple[float, int, int]]:
    """Straight runs in a ruling mask as (position across, start, end along): rows for axis=0."""
    import cv2

    count, _, stats, centroids = cv2.connectedComponentsWithStats(lines)
    out: list[tuple[float, int, int]] = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if axis == 0:
            out.append((float(centroids[i][1]), int(x), int(x + w - 1)))
        else:
            out.append((float(centroids[i][0]), int(y), int(y + h - 1)))
    return out


def _joined(
    segments: list[tuple[float, int, int]], tolerance: float, gap: float
) -> list[tuple[float, int, int]]:
    """Collinear pieces with small gaps between them → one segment, kept when ink covers most of it:
    a ruling broken by noise is nearly solid, while the strokes of digits stacked in a column ('0' above
    '0' above '0') are collinear pieces with row-sized gaps and must not become a ruling."""
    out: list[list[float]] = []  # [position, start, end, inked length]
    for at, start, end in sorted(segments, key=lambda s: (s[1], s[0])):
        for seg in out:
            if abs(seg[0] - at) <= tolerance and start - seg[2] <= gap and end >= seg[1]:
                seg[0] = (seg[0] * (seg[2] - seg[1] + 1) + at * (end - start + 1)) / (
                    end - start + seg[2] - seg[1] + 2
                )
                seg[3] += max(0, end - max(start, seg[2] + 1) + 1)
                seg[2] = max(seg[2], end)
                break
        else:
            out.append([at, start, end, end - start + 1])
    return [(a, int(b), int(c)) for a, b, c, inked in out if inked >= MIN_RULING_INK * (c - b + 1)]


def _extended(
    segments: list[tuple[float, int, int]],
    crossing: list[tuple[float, int, int]],
    ink: np.ndarray,
    axis: int,
    reach: float,
    tolerance: float,
    shortest: float = 0.0,
) -> list[tuple[float, int, int]]:
    """Segments whose end stops short of a crossing ruling (one that runs across the segment's line)
    by less than `reach` carried on to it, when ink covers the gap (MIN_RULING_INK of it, within a
    few pixels of the line): a dash in a cell stops clear of the cell's wall and stays as it is."""
    out: list[tuple[float, int, int]] = []
    half = max(2, int(round(tolerance / 2)))
    for at, start, end in segments:
        if end - start < shortest:  # the stroke of a character, which stops a few pixels short of a wall
            out.append((at, start, end))
            continue
        across = [c for c, c0, c1 in crossing if c0 - tolerance <= at <= c1 + tolerance]
        before = [c for c in across if start - reach <= c < start - tolerance]
        after = [c for c in across if end + tolerance < c <= end + reach]
        if before and _inked(ink, axis, at, int(round(max(before))), start, half):
            start = int(round(max(before)))
        if after and _inked(ink, axis, at, end, int(round(min(after))), half):
            end = int(round(min(after)))
        out.append((at, start, end))
    return out


def _covered(ink: np.ndarray, axis: int, at: float, start: int, end: int, half: int) -> np.ndarray:
    """Per pixel from start to end along a line at `at` (axis 0: a row, 1: a column): any ink within ±half."""
    a = int(round(at))
    if axis == 0:
        band = ink[max(0, a - half) : a + half + 1, max(0, start) : end + 1]
        return band.max(axis=0) > 0 if band.size else np.zeros(0, bool)
    band = ink[max(0, start) : end + 1, max(0, a - half) : a + half + 1]
    return band.max(axis=1) > 0 if band.size else np.zeros(0, bool)


def _bridged(ink: np.ndarray, axis: int, at: float, start: int, end: int, half: int) -> bool:
    """Whether ink runs unbroken (but for single blank pixels) from start to end along a line at `at`."""
    blank = ~_covered(ink, axis, at, start, end, half)
    return not bool(np.any(blank[1:] & blank[:-1]))


def _inked(ink: np.ndarray, axis: int, at: float, start: int, end: int, half: int) -> bool:
    """Whether ink covers most of the run from start to end along a line at `at` (±half pixels)."""
    a = int(round(at))
    covered = _covered(ink, axis, at, start, end, half)
    if not covered.size or float(np.mean(covered)) < MIN_RULING_INK:
        return False
    # …without a blank stretch longer than noise leaves in a ruling (text has wider gaps between glyphs
    # and a cell's padding before its wall)
    blank = np.flatnonzero(np.diff(np.concatenate(([1], covered.astype(np.int8), [1]))))
    if blank.size and int(np.max(blank[1::2] - blank[::2])) > max(3, half * 2):
        return False
    # …and thin: clear on one side at least (a line of text crossed through its middle has ink on both)
    sides = []
    for lo, hi in ((a - 3 * half - 1, a - half - 1), (a + half + 2, a + 3 * half + 2)):
        if axis == 0:
            side = ink[max(0, lo) : max(0, hi), max(0, start) : end + 1].max(axis=0, initial=0) > 0
        else:
            side = ink[max(0, start) : end + 1, max(0, lo) : max(0, hi)].max(axis=1, initial=0) > 0
        sides.append(float(np.mean(side)) if side.size else 0.0)
    return min(sides) < 0.3


def _between(
    segments: list[tuple[float, int, int]],
    crossing: list[tuple[float, int, int]],
    tolerance: float,
    ink: np.ndarray | None = None,
    axis: int = 0,
    drawn: tuple[float, ...] = (),
) -> list[tuple[float, int, int]]:
    """Segments cut to run from one crossing ruling to another; those that reach fewer than two are
    strokes of text, not rulings. A crossing ruling is reached only where it runs across the segment's
    line: the bottoms of close-set digits, bridged by blur, make short flat runs inside a cell, and
    every character stroke on the page as tall as the gap between two of them once 'reached' them
    (a grid of strokes whose erased lines cut the digits' feet: '1233' read as '233'). With `ink`, a
    segment that stops short of a crossing ruling reaches it only when ink bridges the gap: a ruling
    meets the rulings it crosses, while the stroke of a character as tall as a tight row stops a few
    blank pixels short of them (and once split '规范性文件' into two cells). `drawn` crossings (edges
    supplied where a page break cut a row open) have no ink to meet."""
    out: list[tuple[float, int, int]] = []
    half = max(2, int(round(tolerance / 4)))
    for at, start, end in segments:
        reached = [
            c
            for c, c0, c1 in crossing
            if start - tolerance <= c <= end + tolerance
            and c0 - tolerance <= at <= c1 + tolerance
            and (
                ink is None
                or c in drawn
                or (c >= start - 2 or _bridged(ink, axis, at, int(round(c)), start, half))
                and (c <= end + 2 or _bridged(ink, axis, at, end, int(round(c)), half))
            )
        ]
        if len(reached) >= 2:
            out.append((at, int(round(min(reached))), int(round(max(reached)))))
    return out


def _open_edges(
    verticals: list[tuple[float, int, int]], horizontals: list[float], tolerance: float, dpi: float
) -> list[tuple[float, int, int]]:
    """The missing bottom (top) ruling of a row a page break cut open: where three or more table rulings
    (crossing three horizontals) run on a row's height past the last (first) horizontal they cross and
    end together, a horizontal edge there.
    Without it the row is lost from the grid and read as loose text."""
    ends: list[tuple[float, float]] = []  # (y where the ruling ends, x)
    for at, start, end in verticals:
        reached = [h for h in horizontals if start - tolerance <= h <= end + tolerance]
        if len(reached) < 3 or max(reached) - min(reached) < dpi * 0.4:
            continue  # only a ruling of a table (rows above it): not the strokes of a large title
        if end - max(reached) > dpi * 0.12:
            ends.append((float(end), at))
        if min(reached) - start > dpi * 0.12:
            ends.append((float(start), at))
    out: list[tuple[float, int, int]] = []
    for group in _groups(sorted(ends), tolerance * 2):
        if len(group) >= 3:
            xs = [x for _, x in group]
            out.append((sum(y for y, _ in group) / len(group), int(min(xs)), int(max(xs))))
    return out


def _groups(items: list[tuple[float, float]], tolerance: float) -> list[list[tuple[float, float]]]:
    out: list[list[tuple[float, float]]] = []
    for item in items:
        if out and item[0] - out[-1][-1][0] <= tolerance:
            out[-1].append(item)
        else:
            out.append([item])
    return out


def _near(value: float, positions: list[float], tolerance: float) -> bool:
    return any(abs(value - p) <= tolerance for p in positions)


def _draw(
    shape: tuple[int, ...], segments: list[tuple[float, int, int]], axis: int, thickness: int
) -> np.ndarray:
    import cv2

    out = np.zeros(shape[:2], np.uint8)
    for at, start, end in segments:
        a = int(round(at))
        if axis == 0:
            cv2.line(out, (start, a), (end, a), 255, thickness)
        else:
            cv2.line(out, (a, start), (a, end), 255, thickness)
    return out


def _spans(
    horizontal: np.ndarray, vertical: np.ndarray, ys: list[int], xs: list[int], dpi: float
) -> list[tuple[int, ...]]:
    """Merged cells: grid cells with no ruling between them belong to one cell (union-find)."""
    rows, cols = len(ys) - 1, len(xs) - 1
    band = max(2, int(dpi * 0.012))
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def covered(strip: np.ndarray, along: int) -> bool:
        """Whether a ruling runs along most of a wall (axis `along` of the strip runs along it)."""
        if strip.size == 0:
            return True
        return float(np.mean(strip.max(axis=1 - along) > 0)) > 0.5

    for r in range(rows):
        top, bottom = ys[r], ys[r + 1]
        inner = slice(top + (bottom - top) // 5, bottom - (bottom - top) // 5 + 1)
        for c in range(cols - 1):
            x = xs[c + 1]
            wall = vertical[inner, max(0, x - band) : x + band + 1]
            if not covered(wall, 0):
                parent[find(r * cols + c + 1)] = find(r * cols + c)
    for r in range(rows - 1):
        y = ys[r + 1]
        for c in range(cols):
            left, right = xs[c], xs[c + 1]
            inner = slice(left + (right - left) // 5, right - (right - left) // 5 + 1)
            wall = horizontal[max(0, y - band) : y + band + 1, inner]
            if not covered(wall, 1):
                parent[find((r + 1) * cols + c)] = find(r * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    taken: set[tuple[int, int]] = set()
    cells: list[tuple[int, int, int, int]] = []
    for members in sorted(groups.values(), key=lambda m: min(m)):
        r0, c0 = min(r for r, _ in members), min(c for _, c in members)
        r1, c1 = max(r for r, _ in members), max(c for _, c in members)
        box = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if box & taken:  # a non-rectangular merge (a broken ruling): keep the grid cells apart
            for r, c in members:
                if (r, c) not in taken:
                    taken.add((r, c))
                    cells.append((r, c, 1, 1))
            continue
        taken |= box
        cells.append((r0, c0, r1 - r0 + 1, c1 - c0 + 1))
    return _compact(cells, rows, cols)


def _compact(cells: list[tuple[int, int, int, int]], rows: int, cols: int) -> list[tuple[int, ...]]:
    """Drop grid lines no cell starts at (a stray short ruling crossing only merged cells)."""
    row_starts = sorted({r for r, _, _, _ in cells} | {rows})
    col_starts = sorted({c for _, c, _, _ in cells} | {cols})
    new_row = {r: i for i, r in enumerate(row_starts)}
    new_col = {c: i for i, c in enumerate(col_starts)}

    def at_or_before(index: dict[int, int], value: int) -> int:
        return max(i for v, i in index.items() if v <= value)

    out = []
    for r, c, rs, cs in cells:
        r1, c1 = at_or_before(new_row, r + rs), at_or_before(new_col, c + cs)
        out.append((new_row[r], new_col[c], max(1, r1 - new_row[r]), max(1, c1 - new_col[c]), r, c, rs, cs))
    return sorted(out)


# ---------------------------------------------------------------- reading text


def _text_lines(mask: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Tight boxes (x0, y0, x1, y1) of the text lines in a cell's ink: bands of rows with ink, each cut
    to its glyphs — a speck of dust standing apart from them (further than a glyph's height) is left
    out, or the recogniser reads it as a '.' or a digit ('0' → '0.', '02')."""
    min_height = max(4, int(dpi * 0.05))  # a digit of 9 pt is ~0.09 inch tall
    rows = np.nonzero(mask.sum(axis=1) > 0)[0]
    if rows.size == 0:
        return []
    bands: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for y in rows[1:]:
        if y - bands[-1][1] <= max(1, int(dpi * 0.01)):
            bands[-1][1] = int(y)
        else:
            bands.append([int(y), int(y)])
    out: list[tuple[int, int, int, int]] = []
    for y0, y1 in bands:
        height = y1 - y0 + 1
        groups = _ink_groups(mask[y0 : y1 + 1], max(height, min_height))
        glyphs = [g for g in groups if g[2] >= min_height or g[1] - g[0] >= dpi * 0.08]
        if not glyphs:
            continue  # specks only, not a line of text (a dash as a blank mark is wide)
        x0, x1 = _glyph_span(mask[y0 : y1 + 1, glyphs[0][0] : glyphs[-1][1]], dpi)
        x0, x1 = glyphs[0][0] + x0, glyphs[0][0] + x1
        rows_in = np.nonzero(mask[y0 : y1 + 1, x0:x1].sum(axis=1) > 0)[0]
        out.append((x0, y0 + int(rows_in[0]), x1, y0 + int(rows_in[-1]) + 1))
    return out


def _glyph_span(band: np.ndarray, dpi: float) -> tuple[int, int]:
    """The columns from a line's first glyph to its last: a speck before the first or after the last
    is no part of it (a point after '3007' reads as '3007.', a number no reading confirms); a minus
    sign just before the first (flat: half as wide again as tall at least) is."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
    min_height = max(4, int(dpi * 0.05))
    boxes = [tuple(int(v) for v in stats[i][:4]) for i in range(count)]
    glyphs = [i for i, (_, _, w, h) in enumerate(boxes) if i and (h >= min_height or w >= dpi * 0.08)]
    if not glyphs:
        return 0, band.shape[1]
    x0 = min(boxes[i][0] for i in glyphs)
    x1 = max(boxes[i][0] + boxes[i][2] for i in glyphs)
    top = min(boxes[i][1] for i in glyphs)
    bottom = max(boxes[i][1] + boxes[i][3] for i in glyphs)
    start = x0
    for i, (x, y, w, h) in enumerate(boxes):
        # (its end may reach under the foot of a '1' that follows)
        if (
            not i
            or x >= x0 - 2
            or not -dpi * 0.02 <= x0 - (x + w) <= max(3, dpi * 0.03)
            or w < max(3, dpi * 0.025)
        ):
            continue
        # a minus: a flat bar (rows inked across most of its width fewer than its width) at mid-height
        # of the glyphs; a speck of dust touching it leaves it a minus
        rows = (labels[y : y + h, x : x + w] == i).sum(axis=1)
        core = np.flatnonzero(rows >= 0.6 * w)
        middle = (core[0] + core[-1]) / 2 + y if core.size else -1
        if (
            core.size
            and 3 * core.size <= 2 * w
            and top + 0.3 * (bottom - top) <= middle <= bottom - 0.3 * (bottom - top)
        ):
            start = min(start, x)
    return start, x1


def _ink_groups(band: np.ndarray, gap: int) -> list[tuple[int, int, int]]:
    """Runs of ink columns in a band closer than `gap` to each other, as (x0, x1, ink height)."""
    cols = np.nonzero(band.sum(axis=0) > 0)[0]
    groups: list[list[int]] = []
    for x in cols:
        if groups and x - groups[-1][1] <= gap:
            groups[-1][1] = int(x) + 1
        else:
            groups.append([int(x), int(x) + 1])
    out: list[tuple[int, int, int]] = []
    for x0, x1 in groups:
        ink_rows = np.nonzero(band[:, x0:x1].sum(axis=1) > 0)[0]
        out.append((x0, x1, int(ink_rows[-1] - ink_rows[0] + 1)))
    return out


def _stray_specks(ink: np.ndarray, dpi: float) -> np.ndarray:
    """Pixels of small ink specks further than a few pixels from any glyph (a stroke as tall as a
    digit, or a dash as wide as one): dust and sensor noise. A decimal point, a comma, a minus sign or
    the dots of a character lie close to a glyph and stay."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    min_height = max(4, int(dpi * 0.05))
    big = (stats[:, cv2.CC_STAT_HEIGHT] >= min_height) | (stats[:, cv2.CC_STAT_WIDTH] >= dpi * 0.08)
    big[0] = False
    reach = max(3, int(round(dpi * 0.03)))
    near = cv2.dilate(big[labels].astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    touching = np.zeros(count, bool)
    touching[np.unique(labels[near])] = True
    stray = ~big & ~touching
    stray[0] = False
    # a minus sign before a '7' (or '4'): its glyph's ink at mid-height stands further off than its box,
    # so the bar touches nothing within reach; a flat bar just before a glyph's box, at its mid-height,
    # is that minus (a clean screenshot's '-7' lost its sign and read as 7)
    wide = max(3, dpi * 0.025)
    glyphs = stats[big]
    for i in np.flatnonzero(stray):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if w < wide or w < 2 * h or not len(glyphs):
            continue
        gap = glyphs[:, 0] - (x + w)
        middle = y + h / 2
        top, height = glyphs[:, 1], glyphs[:, 3]
        if np.any(
            (gap >= -2) & (gap <= reach) & (middle >= top + 0.3 * height) & (middle <= top + 0.7 * height)
        ):
            stray[i] = False
    return stray[labels]


def _despeckle(mask: np.ndarray, dpi: float) -> np.ndarray:
    """Drop connected specks too small to be part of a character (noise, dust)."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    small = max(2, int((dpi / 100) ** 2))
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] > small
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _crop(
    clean: np.ndarray,
    box: tuple[int, int, int, int],
    pad: int,
    within: tuple[int, int, int, int] | None = None,
    ink: np.ndarray | None = None,
) -> np.ndarray:
    """A text line cut tightly from the page with its rulings erased, on a white margin: the
    recogniser reads lone digits reliably only without neighbouring lines in view. The cut keeps a
    few pixels of the page around the line's ink (inside the cell `within`): the ink mask misses the
    faint strokes of a soft scan, and a cut at its edge loses them (a '4' read as '1'). Specks of `ink`
    in that margin beside the line (wholly left or right of it) are wiped: read as a point."""
    import cv2

    bx0, bx1 = box[0], box[2]
    x0, y0, x1, y1 = box
    if within is not None:  # a thin margin only: wider ones take in the residue of erased rulings
        margin = max(1, (y1 - y0) // 8)
        x0, y0 = min(x0, max(within[0], x0 - margin)), min(y0, max(within[1], y0 - margin))
        x1, y1 = max(x1, min(within[2], x1 + margin)), max(y1, min(within[3], y1 + margin))
    piece = clean[y0:y1, x0:x1]
    if ink is not None and (x0 < bx0 or x1 > bx1):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(ink[y0:y1, x0:x1], connectivity=8)
        left, right = (
            stats[:, cv2.CC_STAT_LEFT] + x0,
            stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] + x0,
        )
        beside = (right <= bx0) | (left >= bx1)
        beside[0] = False
        if beside.any():
            wipe = cv2.dilate(beside[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            piece = np.where(wipe, 255, piece).astype(np.uint8)
    piece = cv2.copyMakeBorder(piece, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(piece, cv2.COLOR_GRAY2BGR)


def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    if not crops:
        return []
    results, _ = engine().text_rec(crops)
    return [(str(text), float(score)) for text, score in results]


_CONFUSABLE = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
_NUMBERISH = re.compile(r"^[\d,.，。OoDlI|]+$")


def clean_number(text: str) -> tuple[str, bool]:
    """A number read with letter confusions → the digits, when the reading is unambiguous (the letters
    stand amid real digits); otherwise the text unchanged. Returns (text, corrected)."""
    t = text.replace(" ", "")
    if not _NUMBERISH.match(t) or not re.search(r"\d", t):
        return text, False
    fixed = t.translate(_CONFUSABLE).replace("，", ",").replace("。", ".")
    if fixed != t and re.fullmatch(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+", fixed):
        return fixed, True
    return text, False


_CLEAN_NUMBER = re.compile(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+")
# what a number's glyphs are misread as: digits, their letter look-alikes, brackets and bars for a 1,
# Roman numerals for 11, stray points
_WORDS = re.compile(r"[\u4e00-\u9fff]")  # a line with Chinese characters is words, not a number
_DIGIT_LIKE = re.compile(r"^[\d,.，。OoDQ〇○lI|!\[\]ⅠⅡ'’]+$")
# digits among Latin letters: a number some of whose glyphs were read as letters ('54443' as 'EAA43');
# no cell of a report's tables holds such a thing, and the digits left in it are not the number
_LETTERED = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[\dA-Za-z,.，。〇○|!\[\]ⅠⅡ'’]+$")


def _as_number(text: str, look_alikes: bool = True) -> str | None:
    """The number a reading gives, if any: letters amid digits corrected (clean_number), and a Roman
    Ⅱ or Ⅰ taken as the digits it looks like (two ones set close read as Ⅱ) when `look_alikes`."""
    t = text.strip().replace(" ", "")
    if look_alikes:
        t = t.replace("Ⅱ", "11").replace("Ⅰ", "1")
    fixed, _ = clean_number(t)
    return fixed if _CLEAN_NUMBER.fullmatch(fixed) else None


def _glyphs(mask: np.ndarray) -> int:
    """Glyphs in a line's ink: runs of ink columns as tall as 40 % of the line (points, commas and
    specks are lower). Digits are set apart, so a reading with fewer digits has lost one."""
    if not mask.any():
        return 0
    rows = np.nonzero(mask.sum(axis=1) > 0)[0]
    tall = 0.4 * (rows[-1] - rows[0] + 1)
    return sum(1 for _, _, h in _ink_groups(mask, 1) if h >= tall)


def _doubtful(text: str, score: float, glyphs: int) -> bool:
    """Whether a line looks like a number not read for sure: low confidence, a look-alike glyph in
    it, fewer digits than glyphs, or one glyph barely read at all."""
    t = text.strip().replace(" ", "")
    if not t or len(t) > 12:
        return False
    if _DIGIT_LIKE.match(t) or _LETTERED.match(t):
        number = _as_number(t)
        return (
            number is None
            or number != _as_number(t, look_alikes=False)
            or score < REREAD_BELOW
            or sum(ch.isdigit() for ch in number) < glyphs
        )
    return len(t) == 1 and score < MIN_SCORE


def _variants(crop: np.ndarray, glyphs: int) -> list[np.ndarray]:
    """The same line shown to the recogniser differently for a second reading: with more white above
    and below (its glyphs smaller in the frame it scales to: lone digits are read far surer so), and a
    lone glyph three times in a row (the recogniser is trained on lines, not single characters)."""
    import cv2

    h = crop.shape[0]
    white = (255, 255, 255)
    out = [cv2.copyMakeBorder(crop, h // f, h // f, 0, 0, cv2.BORDER_CONSTANT, value=white) for f in (2, 4)]
    if glyphs == 1:
        space = np.full((h, h // 2, 3), 255, np.uint8)
        out.append(np.hstack([crop, space, crop, space, crop]))
    return out


def _reread_numbers(
    read: list[tuple[str, float]],
    crops: list[np.ndarray],
    text_mask: np.ndarray,
    boxes: list[tuple[int, int, int, int]],
) -> list[tuple[str, float, str]]:
    """Lines that look like numbers not read for sure are read again, shown differently; a number is
    taken when every reading that gives one (at confidence ≥ NUMERIC_MIN_SCORE) gives the same, at
    least two do, and it has as many digits as the line has glyphs (no more when read through a
    look-alike such as Ⅱ). Otherwise the line is marked unsure: left blank and reported.
    Returns (text, score, status): status "" as read, "reread:<first reading>", or "unsure"."""
    glyphs = [_glyphs(text_mask[y0:y1, x0:x1]) for x0, y0, x1, y1 in boxes]
    doubtful = [i for i, (t, s) in enumerate(read) if _doubtful(t, s, glyphs[i])]
    shown = [_variants(crops[i], glyphs[i]) for i in doubtful]
    again = iter(recognise([v for variants in shown for v in variants]))
    out = [(t, s, "") for t, s in read]
    for i, variants in zip(doubtful, shown, strict=True):
        text, score = read[i]
        readings = [(text, score), *(next(again) for _ in variants)]
        if len(variants) == 3:  # the lone glyph shown three times: one digit, when read as three alike
            tripled, s = readings[3]
            readings[3] = (tripled[0], s) if len(tripled) == 3 and len(set(tripled)) == 1 else ("", 0.0)
        votes = [
            (number, s, looked)
            for t, s in readings
            if (number := _as_number(t)) is not None and s >= NUMERIC_MIN_SCORE
            for looked in [number != _as_number(t, look_alikes=False)]
        ]
        values = {v for v, _, _ in votes}
        value = next(iter(values)) if len(values) == 1 else None
        digits = sum(ch.isdigit() for ch in value) if value else 0
        if value is None or digits < glyphs[i] or (any(lk for _, _, lk in votes) and digits != glyphs[i]):
            t = text.strip().replace(" ", "")
            out[i] = (text, 0.0, "unsure") if _DIGIT_LIKE.match(t) or _LETTERED.match(t) else out[i]
        elif _as_number(text) == value and score >= NUMERIC_MIN_SCORE:  # the first reading confirmed
            out[i] = (value, score, "" if _as_number(text, look_alikes=False) == value else f"reread:{text}")
        elif len(votes) >= 2:
            out[i] = (value, min(s for _, s, _ in votes), f"reread:{text}")
        else:
            out[i] = (text, 0.0, "unsure")
    return out


def _slash(mask: np.ndarray) -> bool:
    """Whether a line's ink (its largest piece: specks beside it are not part of it) is one thin straight
    stroke leaning 13–45° off the vertical to the right: a '/' (a '1' stands upright or, by its flag,
    leans left; a '7' has its bar)."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return False
    ys, xs = np.nonzero(labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])))
    if ys.size < 8 or ys.max() - ys.min() < 8:
        return False
    values, vectors = np.linalg.eigh(np.cov(np.vstack([xs, ys]).astype(float)))
    if values[0] <= 0 or values[1] / values[0] < 16:  # not thin: longer than 4 × its width
        return False
    dx, dy = vectors[:, 1]
    return bool(dx * dy < 0 and abs(dy) * np.tan(np.radians(13)) < abs(dx) < abs(dy))


def _leading_bar(mask: np.ndarray) -> bool:
    """Whether a line's ink begins with a flat bar at mid-height at least a third as long as the digits
    are tall: a minus sign, standing apart or (blurred) run into the first digit's ink ('-4' read as '4'
    when its bar joins the 4's crossbar). A '4's crossbar stops within a few pixels of its diagonal.
    Columns are judged by their longest run of ink (a speck above or below is not the bar's)."""
    inked = mask > 0
    rows = np.flatnonzero(inked.any(axis=1))
    if rows.size == 0:
        return False
    height = int(rows[-1] - rows[0] + 1)
    runs: list[tuple[int, int]] = []  # per column: (top, bottom) of its longest run, (-1, -1) if blank
    for column in inked.T:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], column.astype(np.int8), [0]))))
        if edges.size == 0:
            runs.append((-1, -1))
            continue
        k = int(np.argmax(edges[1::2] - edges[::2]))
        runs.append((int(edges[2 * k]), int(edges[2 * k + 1]) - 1))
    tall = [x for x, (t, b) in enumerate(runs) if t >= 0 and b - t + 1 >= 0.4 * height]
    if not tall:
        return False
    cap, base = min(runs[x][0] for x in tall), max(runs[x][1] for x in tall)
    glyph = max(1.0, base - cap + 1)
    bar = sum(
        1
        for t, b in runs[: tall[0]]
        if t >= cap + 0.25 * glyph and 0 <= b <= base - 0.2 * glyph and b - t < 0.3 * glyph
    )
    return bar >= glyph / 3


def _separator_gaps(mask: np.ndarray) -> list[bool]:
    """The gaps between a line's glyphs wide enough to hold a decimal point or a thousands comma, left
    to right, each True when a small mark stands in it low in the line. A point or comma has an
    advance of its own, so the digits either side of it stand well apart; a speck of dust on or
    between close-set digits leaves no such gap. A mark is a point or a comma only when it sits on the
    digits' baseline and is as large as a point (12 % of the digits' height each way): a pixel of noise in the gap after a '1' (whose advance is wide) read as a point gave '51.796'."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    height = int(rows[-1] - rows[0] + 1)
    inked = mask > 0
    first = np.where(inked.any(axis=0), inked.argmax(axis=0), -1)
    last = np.where(inked.any(axis=0), mask.shape[0] - 1 - inked[::-1].argmax(axis=0), -1)
    # a glyph's columns hold ink over much of the line's height; a point's, a comma's, a speck's or
    # a bridge of blur between a point and a digit do not
    columns = np.flatnonzero((first >= 0) & (last - first + 1 >= 0.4 * height))
    if columns.size == 0:
        return []
    # the digits' cap line and baseline (a speck above or below the line moves neither)
    cap, base = float(np.median(first[columns])), float(np.median(last[columns]))
    glyph = max(1.0, base - cap + 1)
    size = max(2.0, 0.12 * glyph)

    def point(s: int, e: int) -> bool:
        lo, hi = int(first[s:e].min()), int(last[s:e].max())
        return (
            lo - cap >= 0.5 * glyph  # low in the line
            and base - 0.15 * glyph <= hi <= base + 0.5 * glyph  # on the baseline (a comma hangs from it)
            and e - s >= size
            and hi - lo + 1 >= size
        )

    breaks = np.flatnonzero(np.diff(columns) > 1)
    out = []
    for b in breaks:
        a, z = int(columns[b]) + 1, int(columns[b + 1])  # the gap's columns [a, z)
        if z - a < max(3, 0.25 * height):
            continue
        # a mark stands apart: a run of inked columns with blank columns either side of it, its ink in
        # the lower part of the line (the end of a '2' reaching into the gap touches the '2')
        used = np.concatenate(([0], (first[a:z] >= 0).astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(used))
        runs = [(int(s) + a, int(e) + a) for s, e in zip(edges[::2], edges[1::2], strict=True)]
        out.append(any(s > a and e < z and point(s, e) for s, e in runs))
    return out


_NUMBER_READ = re.compile(r"(-?\d[\d.,:;：；·]*?)([.,]*)(件|个|项|次|万元|元)?")
# what a speck amid digits is read as; only '.' and ',' belong in a number
_MARKS = re.compile(r"[.,:;：；·]")


def _check_separators(
    read: list[tuple[str, float, str]], ink: np.ndarray, boxes: list[tuple[int, int, int, int]]
) -> list[tuple[str, float, str]]:
    """Points and commas read in a number checked against its ink. Read where no gap between the
    glyphs could hold one (digits set close: a speck read as a point, '757' as '75.7', or as a colon,
    '10423' as '104:23'), or trailing the digits ('3007.', '0.件': no number ends with a point), they are
    dropped ("nopoint:<reading>"), unless the line has more glyphs than the reading keeps. A number whose
    gaps hold more or fewer marks than it has points (a point the reading lacks, a point where none
    stands), or a mark that is no separator where a gap could hold one, is unsure; so is one read
    without the minus sign its ink begins with."""
    out = []
    for (text, score, status), (x0, y0, x1, y1) in zip(read, boxes, strict=True):
        t = text.strip().replace(" ", "")
        m = _NUMBER_READ.fullmatch(t)
        if status == "unsure" or m is None:
            out.append((text, score, status))
            continue
        number, trailing, unit = m.group(1), m.group(2), m.group(3) or ""
        line = ink[y0:y1, x0:x1]
        gaps = _separator_gaps(line)
        if unit and gaps:
            gaps = gaps[:-1]  # the space before the unit
        separators = len(_MARKS.findall(number))
        if (trailing and _glyphs(line) > sum(ch.isdigit() for ch in number) + len(unit)) or (
            not number.startswith("-") and _leading_bar(line)  # a minus the reading lost
        ):
            out.append((text, 0.0, "unsure"))
        elif separators and not gaps:
            out.append((_MARKS.sub("", number) + unit, score, f"nopoint:{text}"))
        elif separators != sum(gaps) or re.search(r"[^\d.,-]", number):
            out.append((text, 0.0, "unsure"))
        elif trailing:
            out.append((number + unit, score, f"nopoint:{text}"))
        else:
            out.append((text, score, status))
    return out


def ocr_page(image: np.ndarray, number: int, dpi: float) -> PageText:
    """One page image → its blocks in reading order, all with ``source="ocr"``."""
    import cv2

    gray, angle = deskew(to_gray(image), dpi)
    mask = ink_mask(gray, dpi)
    problems: list[Problem] = []
    where = f"page {number}"
    if angle:
        problems.append(
            Problem(
                "ocr_deskewed",
                f"page {number} was scanned {angle:+.1f}° askew and was straightened before OCR",
                "info",
                where,
            )
        )
    grids, lines = find_grids(mask, dpi, ink_mask(gray, dpi, FAINT_CONTRAST))
    # a ruling of a soft scan is wider than its fitted line: erase ±1.5 % inch around it, or a sliver of
    # it stays at a cell's edge and is read as '1', '[' or ']'
    erase = cv2.dilate(lines, np.ones((max(5, int(dpi * 0.035)) | 1,) * 2, np.uint8))
    ink = cv2.bitwise_and(mask, cv2.bitwise_not(erase))
    # dust standing apart from any glyph is wiped from the page the cells are cut from: left in a cut
    # it is read as '.', '1' or '0' ('0' read as '0.', a line read as nothing sure at all)
    specks = _stray_specks(ink, dpi)
    text_mask = _despeckle(np.where(specks, 0, ink).astype(np.uint8), dpi)
    inset = max(2, int(dpi * 0.015))
    pad = max(4, int(dpi * 0.027))
    clean = gray.copy()
    clean[erase > 0] = 255
    clean[cv2.dilate(specks.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 255

    # every text line of every cell, recognised in one batch
    crops: list[np.ndarray] = []
    owners: list[tuple[int, int]] = []  # (grid index, cell index)
    boxes: list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]] = []  # (line, inside the cell)
    for g, grid in enumerate(grids):
        for k, (_, _, _, _, r, c, rs, cs) in enumerate(grid.cells):
            x0, x1 = grid.xs[c] + inset, grid.xs[c + cs] - inset
            y0, y1 = grid.ys[r] + inset, grid.ys[r + rs] - inset
            if x1 <= x0 or y1 <= y0:
                continue
            within = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)  # clear of erased rulings' residue
            for lx0, ly0, lx1, ly1 in _text_lines(text_mask[y0:y1, x0:x1], dpi):
                box = (x0 + lx0, y0 + ly0, x0 + lx1, y0 + ly1)
                crops.append(_crop(clean, box, pad, within, ink))
                owners.append((g, k))
                boxes.append((box, within))
    # a line of nothing but a flat bar, far lower than a digit, is a dash (a blank cell's mark) whatever
    # the recogniser makes of it: it reads '—' as '一' (one), and a short one even as '1'
    # and a lone thin stroke leaning well off the vertical is a slash (the same mark), read as '1' or '7'
    flat = max(4, int(dpi * 0.05))
    first = [
        ("—", 1.0)
        if y1 - y0 < flat and x1 - x0 >= 1.5 * (y1 - y0)
        else ("/", 1.0)
        if len(re.sub(r"[\s.,·。，]", "", reading[0])) == 1 and _slash(text_mask[y0:y1, x0:x1])
        else reading
        for ((x0, y0, x1, y1), _), reading in zip(boxes, recognise(crops), strict=True)
    ]
    # points and commas are checked against the ink before numbers are read again ('3007.' is '3007'
    # when its glyphs allow, not a line no reading confirms) and after (a second reading's points);
    # on the ink with its tiny specks: a decimal point can be as small as the specks despeckling drops
    near = np.where(specks, 0, ink).astype(np.uint8)
    lines = [line for line, _ in boxes]
    checked = _check_separators([(t, s, "") for t, s in first], near, lines)
    read = _reread_numbers([(t, s) for t, s, _ in checked], crops, text_mask, lines)
    read = [
        (t, s, status or (before if s else "unsure"))
        for (t, s, status), (_, _, before) in zip(_check_separators(read, near, lines), checked, strict=True)
    ]
    texts: dict[tuple[int, int], list[tuple[str, float, str]]] = {}
    for owner, result in zip(owners, read, strict=True):
        texts.setdefault(owner, []).append(result)

    placed: list[tuple[int, Block]] = []
    for g, grid in enumerate(grids):
        rows: list[list[Cell]] = [[] for _ in range(max(r + rs for r, _, rs, *_ in grid.cells))]
        for k, (r, c, rs, cs, *_) in enumerate(grid.cells):
            parts = texts.get((g, k), [])
            text = _cell_text(parts, problems, f"{where}, table {g + 1}, row {r + 1}, column {c + 1}")
            rows[r].append(Cell(text, rs, cs))
        rows = [row for row in rows if row]  # (none is empty after _compact)
        if rows:
            placed.append((grid.y0, Table(rows=rows, page=number, source="ocr")))

    # text outside the tables: detection + recognition on the page with the tables blanked
    outside = gray.copy()
    for grid in grids:
        outside[max(0, grid.y0 - 2) : grid.y1 + 3, max(0, grid.x0 - 2) : grid.x1 + 3] = 255
    if text_mask.any():
        for top, line in _page_lines(outside, text_mask, grids):
            placed.append((top, Paragraph(line, page=number, source="ocr")))
    placed.sort(key=lambda item: item[0])
    return PageText([b for _, b in placed], problems)


def _cell_text(parts: list[tuple[str, float, str]], problems: list[Problem], where: str) -> str:
    """A cell's recognised lines → its text. Lines read with low confidence are dropped (specks and
    smudges); a number read with less than high confidence, or unsure after a second reading, is left
    blank and reported; a number taken from a second reading is reported."""
    kept = [(t.strip(), s, status) for t, s, status in parts if t.strip()]
    unsure = [t for t, _, status in kept if status == "unsure"]
    if unsure:
        problems.append(
            Problem(
                "ocr_unreadable",
                f"{where}: OCR read {unsure[0]!r} and could not confirm it "
                "as a number when read again; the cell is left blank rather than guessed",
                "warning",
                where,
            )
        )
        return UNREADABLE
    confident = [(t, s) for t, s, _ in kept if s >= MIN_SCORE]
    if not confident:
        # ink that OCR could not read as words is not a blank cell: a faint or broken digit (a '0'
        # read as nothing) would otherwise pass for an empty cell, which adds up like a zero
        doubtful = [t for t, _, _ in kept if not _WORDS.search(t) and t not in NULL_MARKS]
        if parts and not kept:
            problems.append(
                Problem(
                    "ocr_unreadable",
                    f"{where}: the cell holds ink OCR could not read; it is left blank rather than guessed",
                    "warning",
                    where,
                )
            )
            return UNREADABLE
        if doubtful:
            top = max(s for _, s, _ in kept)
            problems.append(
                Problem(
                    "ocr_unreadable",
                    f"{where}: OCR read {doubtful[0]!r} with confidence "
                    f"{top:.2f}; the cell is left blank rather than guessed",
                    "warning",
                    where,
                )
            )
            return UNREADABLE
        return ""
    text = join_wrapped([t for t, _ in confident])
    score = min(s for _, s in confident)
    fixed, corrected = clean_number(text)
    if re.fullmatch(r"[\d,.]+", fixed) and score < NUMERIC_MIN_SCORE:
        problems.append(
            Problem(
                "ocr_unreadable",
                f"{where}: OCR read {fixed!r} with confidence {score:.2f}; "
                "the cell is left blank rather than guessed",
                "warning",
                where,
            )
        )
        return UNREADABLE
    for t, _, status in kept:
        if status.startswith("nopoint:"):
            problems.append(
                Problem(
                    "ocr_corrected",
                    f"{where}: OCR read {status[8:]!r}, but no gap between its digits holds a point or "
                    f"a comma (a speck of dust read as one): taken as {fixed}",
                    "info",
                    where,
                )
            )
        if status.startswith("reread:"):
            problems.append(
                Problem(
                    "ocr_reread",
                    f"{where}: OCR read {status[7:]!r} at first and {t!r} when "
                    "read again (the readings that give a number agree): taken as "
                    f"{fixed}",
                    "info",
                    where,
                )
            )
    if corrected:
        problems.append(
            Problem(
                "ocr_corrected", f"{where}: OCR read {text!r}, taken as the number {fixed}", "info", where
            )
        )
    return fixed


def _page_lines(outside: np.ndarray, text_mask: np.ndarray, grids: list[Grid]) -> list[tuple[int, str]]:
    """Lines of text outside tables: detected boxes grouped by vertical overlap, left to right."""
    import cv2

    results, _ = engine()(cv2.cvtColor(outside, cv2.COLOR_GRAY2BGR))
    boxes: list[tuple[float, float, float, float, str]] = []
    for points, text, score in results or []:
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        boxes.append((min(ys), max(ys), min(xs), max(xs), str(text).strip()))
    boxes.sort()
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for box in boxes:
        if lines:
            top, bottom = min(b[0] for b in lines[-1]), max(b[1] for b in lines[-1])
            overlap = min(bottom, box[1]) - max(top, box[0])
            if overlap > 0.5 * min(bottom - top, box[1] - box[0]):
                lines[-1].append(box)
                continue
        lines.append([box])
    out: list[tuple[int, str]] = []
    for line in lines:
        line.sort(key=lambda b: b[2])
        out.append((int(min(b[0] for b in line)), join_wrapped([b[4] for b in line])))
    return out


# ---------------------------------------------------------------- image files


MAX_IMAGE_PAGES = 200
MAX_IMAGE_PIXELS = 120_000_000  # a 600 dpi A3 page is ~70 Mpx: larger is a decompression bomb


def extract_image(data: bytes) -> Document:
    """A PNG, JPEG or (multi-page) TIFF scan → Document by OCR; the resolution comes from the file
    (assumed 200 dpi when it does not say)."""
    import io

    from PIL import Image, ImageSequence, UnidentifiedImageError

    media_type = {b"\x89P": "image/png", b"\xff\xd8": "image/jpeg", b"BM": "image/bmp"}.get(
        data[:2], "image/tiff"
    )
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        engine()
    except OcrUnavailable as exc:
        return Document.refused(
            media_type,
            "ocr_unavailable",
            "the file is a scanned image and the OCR engine is "
            f"not installed (rapidocr-onnxruntime: {exc!s:.80})",
            extractor="ocr",
        )
    try:
        picture = Image.open(io.BytesIO(data))
        frames = [
            f.copy() for _, f in zip(range(MAX_IMAGE_PAGES), ImageSequence.Iterator(picture), strict=False)
        ]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        return Document.refused(
            media_type, "corrupt_file", f"the image cannot be read ({exc!s:.120})", extractor="ocr"
        )
    blocks: list[Block] = []
    problems: list[Problem] = []
    empty: list[int] = []
    for number, frame in enumerate(frames, 1):
        dpi = float((frame.info.get("dpi") or (OCR_DPI, OCR_DPI))[0] or OCR_DPI)
        dpi = min(600.0, max(72.0, dpi))
        page = ocr_page(np.asarray(frame.convert("L")), number, dpi)
        problems.extend(page.problems)
        if not page.blocks:
            empty.append(number)
        append_joining_tables(blocks, page.blocks)  # type: ignore[arg-type]
    problems.append(
        Problem(
            "ocr_pages",
            f"the file is an image of {len(frames)} page(s) read by OCR: its values carry the flag ocr",
            "info",
        )
    )
    if empty:
        problems.append(
            Problem(
                "ocr_no_text",
                f"OCR found no text on pages {empty} (blank, or noise only)",
                "error" if not blocks else "warning",
            )
        )
    return Document(blocks, media_type, problems, extractor="ocr")
