"""HTML (CMS article pages) → Document, in any Chinese charset.

- charset: gongkai.extract.charset (a BOM, UTF-8, the declared Chinese charset read as its superset,
  GB18030, then detection);
- tables become grids with their rowspan/colspan; a table whose cells hold other tables, headings or a
  whole article is page layout, not a report table: its cells are read as content instead;
- text inside a cell is joined without separators (digits split across inline tags join back),
  <br> and <p> inside a cell break nothing;
- scripts, styles, navigation, headers and footers of the site are dropped;
- pictures: given the page's pictures (a saved page, MHTML: gongkai.extract.mhtml), the content's
  pictures are read by OCR and their tables stand where the <img> stood (gongkai.extract.pictures);
  without them, the pictures are named (`page_pictures`, info);
- a page with more elements than GONGKAI_HTML_MAX_ELEMENTS is refused before its tree is built
  (`too_many_elements`): a report page has a few thousand, and each costs hundreds of bytes and tens of
  microseconds to read (a 99 MiB page of tables: 7 million elements, over 2.5 GB and 3 minutes).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

from lxml import etree, html

from gongkai.extract.charset import decode
from gongkai.extract.pages import append_joining_tables
from gongkai.model import Block, Cell, Document, Paragraph, Problem, Table
from gongkai.settings import get_settings

_DROP = ("script", "style", "noscript", "nav", "header", "footer", "iframe", "form", "select", "button")
_CHROME_CLASS = re.compile(
    r"(^|[\s_-])(nav|menu|header|footer|breadcrumb|crumb|sidebar|share|toolbar|topbar|"
    r"copyright|search|login)([\s_-]|$)",
    re.I,
)
LAYOUT_CELL_CHARS = 300
_START_TAG = re.compile(r"<[A-Za-z]")
_BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "section",
    "article",
    "blockquote",
    "pre",
    "center",
    "dd",
    "dt",
    "tr",
    "body",
    "td",
    "th",
    "ul",
    "ol",
    "dl",
    "main",
}


def decode_html(data: bytes) -> tuple[str, list[Problem]]:
    """The page's text and what its charset declaration got wrong (gongkai.extract.charset)."""
    decoded = decode(data)
    return decoded.text, decoded.problems


def extract_html(
    data: bytes,
    pictures: Mapping[str, bytes] | None = None,
    page_url: str | None = None,
    media_type: str = "text/html",
) -> Document:
    """The page's blocks in reading order. `pictures` (absolute URL → bytes, with the page's `page_url`):
    the page's pictures, read by OCR where they stand; None for a bare page."""
    text, problems = decode_html(data)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    cap = get_settings().html_max_elements
    if _more_elements_than(text, cap):
        return Document.refused(
            "text/html",
            "too_many_elements",
            f"the page has more than {cap:,} HTML elements (a report page has a few thousand): too large "
            "to be a report, so it was not parsed (GONGKAI_HTML_MAX_ELEMENTS)",
            extractor="html",
            problems=problems,
        )
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        return Document.refused(
            "text/html",
            "corrupt_file",
            f"the HTML cannot be parsed ({exc})",
            extractor="html",
            problems=problems,
        )
    drop_chrome(root)
    blocks: list[Paragraph | Table] = []
    title = root.findtext(".//title")
    if title and title.strip():
        blocks.append(Paragraph(" ".join(title.split())))
    body = root.find("body")
    content = body if body is not None else root
    read: dict[str, list[Block]] = {}
    if pictures is not None:
        from gongkai.extract.pictures import read_pictures

        read, picture_problems = read_pictures(content, pictures, page_url, PICTURE_MARK)
        problems.extend(picture_problems)
    _walk(content, blocks, read)
    names = picture_names(content)
    if names and pictures is None:
        problems.append(
            Problem(
                "page_pictures",
                f"the page shows {len(names)} picture(s) among its text ({', '.join(names[:3])}"
                f"{' …' if len(names) > 3 else ''}); a table published as a picture is not read from an "
                "HTML page: if a table is missing, look for the report as a PDF or Word attachment",
                "info",
            )
        )
    return Document(blocks=blocks, media_type=media_type, extractor="html", problems=problems)


PICTURE_MARK = "data-gongkai-picture"  # set on an <img> whose OCR'd blocks stand in its place


def drop_chrome(root: html.HtmlElement) -> None:
    """Drop what a reader does not read as the report: scripts, styles, forms, hidden elements and the
    site's navigation, headers and footers (also used by fetch to judge a page's content)."""
    for element in root.iter(*_DROP):
        element.drop_tree()
    for element in [e for e in root.iter() if isinstance(e.tag, str) and _hidden(e)]:
        element.drop_tree()  # a reader never sees it: a stale copy of a table, digits hidden from crawlers
    for element in list(root.iter()):
        attrs = f"{element.get('class', '')} {element.get('id', '')}"
        if (
            isinstance(element.tag, str)
            and element.tag not in ("body", "html")
            and _CHROME_CLASS.search(attrs)
        ):
            element.drop_tree()


def content_tables(data: bytes) -> tuple[list[html.HtmlElement], list[Table]]:
    """A page's content pictures (<img> elements, chrome dropped) and its tables, read as extract_html
    reads them: what fetch needs to tell a page whose tables are pictures. ([], []) when unreadable."""
    text, _ = decode_html(data)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if _more_elements_than(text, get_settings().html_max_elements):
        return [], []
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return [], []
    drop_chrome(root)
    body = root.find("body")
    content = body if body is not None else root
    images = list(content.iter("img"))
    blocks: list[Paragraph | Table] = []
    _walk(content, blocks, {})
    return images, [b for b in blocks if isinstance(b, Table)]


_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)", re.I
)


def _hidden(element: html.HtmlElement) -> bool:
    """Hidden by its own attributes (a style sheet's rules are not applied: they are not in the page)."""
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def picture_names(element: html.HtmlElement) -> list[str]:
    """The file names of the content's pictures (logos and icons of the site's chrome were dropped)."""
    names = []
    for img in element.iter("img"):
        source = (img.get("src") or img.get("data-src") or "").split("?")[0].rstrip("/")
        names.append(source.rsplit("/", 1)[-1] or "(inline)")
    return names


def _more_elements_than(text: str, cap: int) -> bool:
    """Whether the page opens more than `cap` elements, without building its tree: every tag starts with
    '<' (counted in C, an upper bound); only a page over the cap by that count has its tags counted."""
    if text.count("<") <= cap:
        return False
    return next(itertools.islice(_START_TAG.finditer(text), cap, None), None) is not None


def _walk(element: html.HtmlElement, blocks: list[Paragraph | Table], read: dict[str, list[Block]]) -> None:
    """Emit paragraphs and tables in document order; a picture read by OCR (`read`, by its mark) gives
    its blocks where it stands."""
    buffer: list[str] = []

    def flush() -> None:
        line = "".join(buffer).strip()
        buffer.clear()
        for part in re.split(r"\n+", line):
            part = " ".join(part.split())
            if part:
                blocks.append(Paragraph(part))

    if element.text:
        buffer.append(element.text)
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        holds_read = bool(read) and tag != "img" and _holds_read_picture(child, read)
        if tag == "img" and child.get(PICTURE_MARK) in read:
            flush()
            _insert_picture(blocks, read[child.get(PICTURE_MARK, "")])
        elif tag == "table":
            flush()
            # a frame around other tables or pictures read: read its cells as content
            if child.find(".//table") is not None or holds_read:
                for cell in child.iter("td", "th"):
                    if cell.getparent() is not None and _owning_table(cell) is child:
                        _walk(cell, blocks, read)
            elif _is_layout(child):
                _split_layout(child, blocks, read)
            else:
                table = _table(child)
                if table.rows:
                    blocks.append(table)
        elif tag == "br":
            buffer.append("\n")
        elif tag in _BLOCK_TAGS or holds_read:  # an inline element around a picture read: a block
            flush()
            _walk(child, blocks, read)
        elif tag:
            buffer.append(_inline_text(child))
        if child.tail:
            buffer.append(child.tail)
    flush()


def _holds_read_picture(element: html.HtmlElement, read: dict[str, list[Block]]) -> bool:
    return any(img.get(PICTURE_MARK) in read for img in element.iter("img"))


def _insert_picture(blocks: list[Paragraph | Table], picture: list[Block]) -> None:
    """A picture's blocks where it stands. A table cut into two pictures (two screenshots, one under the
    other, nothing between them) is joined as a table over a page break is: same width, same source."""
    if blocks and isinstance(blocks[-1], Table) and blocks[-1].source == "ocr":
        append_joining_tables(blocks, list(picture))  # type: ignore[arg-type]
    else:
        blocks.extend(picture)


def _is_layout(table: html.HtmlElement) -> bool:
    """A table that lays out the page rather than reporting figures: it holds other tables, or a cell of
    it holds a heading or a whole article's worth of text (no report cell is 300 characters long)."""
    if table.find(".//table") is not None:
        return True
    for cell in table.iter("td", "th"):
        if _owning_table(cell) is table and (
            next(cell.iter("h1", "h2", "h3", "h4", "h5", "h6"), None) is not None
            or len(cell.text_content().strip()) > LAYOUT_CELL_CHARS
        ):
            return True
    return False


def _is_content_cell(cell: html.HtmlElement) -> bool:
    return (
        next(cell.iter("h1", "h2", "h3", "h4", "h5", "h6"), None) is not None
        or len(cell.text_content().strip()) > LAYOUT_CELL_CHARS
    )


def _split_layout(
    table: html.HtmlElement, blocks: list[Paragraph | Table], read: dict[str, list[Block]]
) -> None:
    """A table some rows of which hold a heading or a page of text: those rows are read as content, the
    rows between them stay a grid (their empty cells keep their columns)."""
    grid_rows: list[html.HtmlElement] = []

    def flush() -> None:
        if grid_rows:
            rows = _rows(table, grid_rows)
            if rows:
                blocks.append(Table(rows=rows, layout="grid"))
            grid_rows.clear()

    for tr in _own_rows(table):
        if any(_is_content_cell(td) for td in _row_cells(tr)):
            flush()
            for td in _row_cells(tr):
                _walk(td, blocks, read)
        else:
            grid_rows.append(tr)
    flush()


def _owning_table(cell: html.HtmlElement) -> html.HtmlElement | None:
    parent = cell.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _inline_text(element: html.HtmlElement) -> str:
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return str(element.text_content())


def _cell_text(cell: html.HtmlElement) -> str:
    # inline tags, <br> and <p> inside a cell join with nothing: '1<span>2</span>3' is 123
    return re.sub(r"\s+", " ", cell.text_content().replace("\u00a0", " ")).strip()


def _own_rows(table: html.HtmlElement) -> list[html.HtmlElement]:
    return [tr for tr in table.iter("tr") if _owning_table(tr) is table]


def _row_cells(tr: html.HtmlElement) -> list[html.HtmlElement]:
    """The row's cells, also those a broken page wraps in another tag (<tr><span><td>…)."""
    return [td for td in tr.iter("td", "th") if _owning_row(td) is tr]


def _owning_row(cell: html.HtmlElement) -> html.HtmlElement | None:
    parent = cell.getparent()
    while parent is not None and parent.tag not in ("tr", "table"):
        parent = parent.getparent()
    return parent


def _rows(table: html.HtmlElement, trs: list[html.HtmlElement]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    reach = 0  # the rows the row spans seen so far reach down to
    for tr in trs:
        row = [
            Cell(_cell_text(td), _span(td.get("rowspan")), _span(td.get("colspan"))) for td in _row_cells(tr)
        ]
        # an empty <tr> under a rowspan is a row (the span counts it), a stray one elsewhere is nothing
        if row or len(rows) < reach:
            reach = max([reach, *(len(rows) + c.row_span for c in row)])
            rows.append(row)
    return rows


def _table(table: html.HtmlElement) -> Table:
    return Table(rows=_rows(table, _own_rows(table)), layout="grid")


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 200))
    except (TypeError, ValueError):
        return 1
