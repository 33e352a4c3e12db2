"""Render the seeds' golden values into the formats agencies publish: a CMS page in UTF-8 and in GBK
(declared gb2312, with a GBK-only character), a DOCX with merged cells, and a PDF that LibreOffice
makes from that DOCX. Output: tests/fixtures/corpus/<seed>.{utf8.html,gbk.html,docx,pdf} plus
<seed>.json (the values each must parse to); the same PDFs with tables drawn without lines in
tests/fixtures/unruled/; hostile files and reports before 2019. Run: python scripts/make_fixtures.py
"""

from __future__ import annotations

import html
import json
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from gongkai.extract.text import extract_text
from gongkai.model import Document, Paragraph
from gongkai.synth import render_document
from gongkai.synth_files import document_docx, synth_from_golden

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
OUT = ROOT / "tests" / "fixtures" / "corpus"
GBK_ONLY = "喆"  # in GBK, not in GB2312: a page declared gb2312 must still decode it


def document_of(golden: dict) -> Document:
    document = render_document(synth_from_golden(golden, unnamed=""), random.Random(0))
    if not golden["agency_name"]:
        document.blocks[0] = Paragraph(f"{golden['report_year']}年政府信息公开工作年度报告", 1)
    document.blocks.insert(2, Paragraph(f"本机关联系人：张{GBK_ONLY}，电话：0000-0000000。", 1))
    if golden.get("published_date"):
        y, m, d = golden["published_date"].split("-")
        document.blocks.append(Paragraph(f"{int(y)}年{int(m)}月{int(d)}日", 3))
    return document


def to_html(document: Document, charset: str) -> str:
    body: list[str] = []
    for i, block in enumerate(document.blocks):
        if isinstance(block, Paragraph):
            tag = "h1" if i == 0 else "p"
            # digits split across inline tags, as CMS editors leave them
            text = html.escape(block.text).replace("2", "<span>2</span>", 1)
            body.append(f"<{tag}>{text}</{tag}>")
            continue
        rows = []
        for row in block.rows:
            cells = "".join(
                f"<td{f' rowspan={c.row_span}' if c.row_span > 1 else ''}{f' colspan={c.col_span}' if c.col_span > 1 else ''}>"
                f"{html.escape(c.text).replace('（', '<br>（', 1) if len(c.text) > 12 else html.escape(c.text)}</td>"
                for c in row
            )
            rows.append(f"<tr>{cells}</tr>")
        body.append("<table border=1 class=MsoTableGrid>" + "".join(rows) + "</table>")
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(document.blocks[0].text)}_政府信息公开</title>
<script>var _hmt = _hmt || [];</script><style>td {{border:1px solid #000}}</style></head>
<body>
<div class="header"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/hdjl/">互动交流</a></div>
<div class="nav-menu"><ul><li>政府信息公开指南</li><li>政府信息公开制度</li><li>政府信息公开年报</li></ul></div>
<table width="100%" class="layout"><tr><td width="200" class="sidebar">栏目导航</td><td>
<div class="breadcrumb">首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>
<div class="article">{"".join(body)}</div>
</td></tr></table>
<div class="footer">主办单位：某某人民政府办公室 版权所有 ICP备00000000号</div>
</body></html>
"""


def to_docx(document: Document, path: Path, *, ruled: bool = True) -> None:
    path.write_bytes(document_docx(document, ruled=ruled))


def to_pdf(docx_path: Path, out_dir: Path) -> Path | None:
    return convert(docx_path, out_dir, "pdf")


def convert(source: Path, out_dir: Path, target: str) -> Path | None:
    """LibreOffice's conversion of a document into `target` (pdf, odt, or doc:MS Word 97)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        print(
            f"soffice not found: {target} files not made (apt-get install libreoffice-writer-nogui fonts-noto-cjk)"
        )
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                binary,
                "--headless",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return out_dir / f"{source.stem}.{target.split(':')[0]}"


PRE2019 = ROOT / "tests" / "fixtures" / "pre2019"
UNRULED = ROOT / "tests" / "fixtures" / "unruled"


def make_unruled() -> None:
    """The seeds as PDFs whose tables have no ruling lines (Word's default table style, exported by
    LibreOffice): tests/fixtures/unruled/<seed>.pdf, checked against the corpus JSON."""
    UNRULED.mkdir(parents=True, exist_ok=True)
    for golden_path in sorted((SEEDS / "expected").glob("*.json")):
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / f"{golden_path.stem}.docx"
            to_docx(document_of(golden), source, ruled=False)
            to_pdf(source, UNRULED)


def make_pre2019() -> None:
    """The reports before 2019 (plain text, written for the tests) as agencies published them: a GBK CMS
    page and a Word 97 file. The portal (gongkai/data/portal/files) serves them: fixtures it also serves are
    symbolic links to its files (one copy of each), so writing here writes the portal's copy."""
    for source in sorted(PRE2019.glob("*.txt")):
        document = extract_text(source.read_text(encoding="utf-8"))
        (PRE2019 / f"{source.stem}.gbk.html").write_bytes(to_html(document, "gb2312").encode("gbk"))
        with tempfile.TemporaryDirectory() as scratch:
            docx_path = Path(scratch) / f"{source.stem}.docx"
            to_docx(document, docx_path)
            # LibreOffice 7.4 drops python-docx tables going straight from DOCX to DOC; through ODT it keeps them
            odt = convert(docx_path, Path(scratch), "odt")
            if odt is not None:
                convert(odt, PRE2019, "doc:MS Word 97")
        print("made", source.stem)


HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def make_hostile() -> None:
    """Files a crawler meets that must give their problem code, never a hang or a crash."""
    import io
    import zipfile

    import pypdf

    HOSTILE.mkdir(parents=True, exist_ok=True)
    real = (ROOT / "tests" / "fixtures" / "real" / "hongze-2024.pdf").read_bytes()
    (HOSTILE / "empty.pdf").write_bytes(b"")
    (HOSTILE / "truncated.pdf").write_bytes(real[: len(real) // 5])
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(real))
    writer.encrypt(user_password="secret", owner_password="owner")
    with (HOSTILE / "encrypted.pdf").open("wb") as out:
        writer.write(out)
    docx_bytes = (OUT / "003_03c3a6963c974949.docx").read_bytes()
    source = zipfile.ZipFile(io.BytesIO(docx_bytes))

    def repack(path: Path, replace: dict[str, bytes]) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
            for name, data in replace.items():
                if name not in source.namelist():
                    target.writestr(name, data)
        path.write_bytes(buffer.getvalue())

    repack(HOSTILE / "zipbomb.docx", {"word/media/padding.bin": b"\0" * (64 * 2**20)})
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + source.read("word/document.xml").split(b"?>", 1)[1].replace(b"<w:t>", b"<w:t>&b;", 1)
    )
    repack(HOSTILE / "entities.docx", {"word/document.xml": xxe})
    (HOSTILE / "error-page.pdf").write_bytes("<html><body><h1>404 页面不存在</h1></body></html>".encode())
    print("made hostile fixtures")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for golden_path in sorted((SEEDS / "expected").glob("*.json")):
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        stem = golden_path.stem
        document = document_of(golden)
        (OUT / f"{stem}.utf8.html").write_text(to_html(document, "utf-8"), encoding="utf-8")
        (OUT / f"{stem}.gbk.html").write_bytes(to_html(document, "gb2312").encode("gbk"))
        to_docx(document, OUT / f"{stem}.docx")
        to_pdf(OUT / f"{stem}.docx", OUT)
        expected = {
            **golden,
            "file": stem,
            "notes": [f"{golden_path.name} rendered by scripts/make_fixtures.py"],
        }
        (OUT / f"{stem}.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print("made", stem)
    make_hostile()
    make_pre2019()
    make_unruled()


if __name__ == "__main__":
    main()
