"""gongkai.extract.charset: the one decoder behind sniffing, text files, HTML files and fetched pages."""

from __future__ import annotations

import pytest

from gongkai.extract import extract_bytes
from gongkai.extract.charset import bom_encoding, declared_charsets, decode, wide_text_encoding
from gongkai.extract.html import decode_html
from gongkai.extract.text import decode_text
from gongkai.fetch import decode_page

REPORT = "2023年政府信息公开工作年度报告：依申请公开（镕）"  # 镕 is in GBK, not GB2312


@pytest.mark.parametrize(
    ("bom", "codec", "encoding"),
    [
        (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
        (b"\xff\xfe", "utf-16-le", "utf-16"),
        (b"\xfe\xff", "utf-16-be", "utf-16"),
        (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    ],
)
def test_a_byte_order_mark_decides(bom: bytes, codec: str, encoding: str) -> None:
    data = bom + f'<meta charset="gbk"><p>{REPORT}</p>'.encode(codec)
    assert bom_encoding(data) == encoding
    assert wide_text_encoding(data) == (encoding if encoding != "utf-8-sig" else None)
    decoded = decode(data)
    assert (decoded.encoding, decoded.text) == (encoding, f'<meta charset="gbk"><p>{REPORT}</p>')
    # the same answer from every caller
    assert decode_text(data) == decode_html(data)[0] == decode_page(data, "text/html").text == decoded.text


def test_declarations_come_from_the_http_header_and_the_meta_tag() -> None:
    data = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=GB2312"></head></html>'
    assert declared_charsets(data, 'text/html; charset="UTF-8"') == ["utf-8", "gb2312"]
    assert declared_charsets(b"<p>x</p>", None) == []


@pytest.mark.parametrize(
    ("codec", "declared", "encoding"),
    [
        ("gbk", "gb2312", "gb18030"),  # read as the superset: the GBK-only 镕 survives
        ("gb18030", None, "gb18030"),  # undeclared Chinese text
        ("gbk", "iso-8859-1", "gb18030"),  # a Western server default is never trusted
        ("big5", "big5", "big5hkscs"),
    ],
)
def test_chinese_charsets(codec: str, declared: str | None, encoding: str) -> None:
    text = "政府資訊公開年報" if codec == "big5" else REPORT
    meta = f'<meta charset="{declared}">' if declared else ""
    decoded = decode(f"{meta}<p>{text}</p>".encode(codec))
    assert decoded.encoding == encoding and text in decoded.text
    assert [p.code for p in decoded.problems] == ([] if declared != "iso-8859-1" else ["charset_mismatch"])


def test_utf8_declared_gb2312_is_read_as_utf8_and_said() -> None:
    decoded = decode(f'<meta charset="gb2312"><p>{REPORT}</p>'.encode())
    assert decoded.encoding == "utf-8" and REPORT in decoded.text
    assert [p.code for p in decoded.problems] == ["charset_mismatch"]


def test_the_registry_hint_comes_before_utf8_and_declarations() -> None:
    big5 = "政府資訊公開年報".encode("big5")
    assert decode(big5, "text/html; charset=gbk", hint="big5").text == "政府資訊公開年報"


def test_undecodable_bytes_are_guessed_and_flagged() -> None:
    data = b"\x81\x30" * 40 + b"\xff" * 3  # invalid UTF-8 and invalid GB18030
    decoded = decode(data)
    assert [p.code for p in decoded.problems] == ["charset_guessed"]
    assert decoded.text  # never raises, never empty for non-empty bytes


def test_a_utf16_text_file_is_text_not_binary() -> None:
    data = "\ufeff一、总体情况\n本年度收到申请12件。\n".encode("utf-16-le")
    document = extract_bytes(data, "report.txt")
    assert document.media_type == "text/plain"
    assert [b.text for b in document.blocks if hasattr(b, "text")] == ["一、总体情况", "本年度收到申请12件。"]
