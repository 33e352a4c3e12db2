"""Scanned renderings of the fixture PDFs: tests/fixtures/scanned/<stem>.<dpi>dpi.pdf.

Each page is rasterised (pypdfium2) at a realistic scanner resolution, turned by a small random
angle (±0.5–1.5°), given sensor noise, dust and a soft blur, JPEG-compressed and wrapped back
into an image-only PDF (no text layer), like an agency's scan of a printed report. Seeded: the
same inputs give the same files.

    .venv/bin/python scripts/make_scans.py            # writes tests/fixtures/scanned/
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path

import numpy as np
import pypdfium2
from PIL import Image, ImageFilter

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
# (source PDF, resolution): a few MB in all. 150 dpi is a common office-scanner default; the
# benchmark (benchmarks/ocr_bench.py) scans every fixture at 150, 200 and 300 dpi on the fly
PLAN: list[tuple[str, int]] = [
    ("corpus/000_79fb0eaf2da186ab.pdf", 150),
    ("corpus/003_03c3a6963c974949.pdf", 200),
    ("real/hongze-2024.pdf", 150),
    ("real/huaian-2024.pdf", 150),
]


def scan_page(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(0.5, 1.5) * rng.choice((-1, 1))
    page = image.convert("L").rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(radius=0.6))
    pixels = np.asarray(page, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 6, pixels.shape)
    pixels = pixels * 0.92 + 12 + noise  # grey paper, not quite black ink
    dust = np.random.default_rng(rng.randrange(2**32))
    for _ in range(40):  # specks of dust
        y, x = dust.integers(0, pixels.shape[0]), dust.integers(0, pixels.shape[1])
        pixels[y : y + 2, x : x + 2] = 60
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def scan_pdf(source: Path, dpi: int, seed: int, quality: int = 45) -> bytes:
    rng = random.Random(seed)
    pdf = pypdfium2.PdfDocument(source)
    pages = []
    for page in pdf:
        rendered = page.render(scale=dpi / 72, grayscale=True).to_pil()
        scanned = scan_page(rendered, rng)
        buffer = io.BytesIO()
        scanned.save(buffer, "JPEG", quality=quality)  # the JPEG artefacts are part of the scan
        pages.append(Image.open(io.BytesIO(buffer.getvalue())))
    pdf.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=FIXTURES / "scanned")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for seed, (relative, dpi) in enumerate(PLAN):
        source = FIXTURES / relative
        target = args.out / f"{source.stem}.{dpi}dpi.pdf"
        target.write_bytes(scan_pdf(source, dpi, seed * 1000 + dpi))
        print(f"{target.relative_to(FIXTURES.parent.parent)}  {target.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
