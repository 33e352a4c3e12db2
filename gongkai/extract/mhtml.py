"""A web page and its pictures as one document: MHTML (RFC 2557, ``multipart/related``), what browsers save
as "web page, single file" (.mht, .mhtml).

Many CMS report pages publish their tables as pictures (screenshots of the Word tables). gongkai's fetch
keeps such a page with its pictures in one bundle (the raw zone keeps one document, lineage stays one
document); extraction reads the page's HTML and OCRs the pictures where its <img> elements stand
(gongkai.extract.html). The first HTML part is the page, exactly as fetched; each other part is a
resource, named by its absolute URL (Content-Location).

Bundles are written deterministically (the boundary is derived from the content, no Date header): the
same page and pictures give the same bytes, so the same content hash — an unchanged page stays
``unchanged`` in the raw zone.
"""

from __future__ import annotations

import email
import email.encoders
import email.policy
import hashlib
from dataclasses import dataclass, field
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart

from gongkai.model import Document

MEDIA_TYPE = "multipart/related"
MAX_PARTS = 200  # a page with more resources than this is not a report page: the rest are ignored


@dataclass
class Bundle:
    """What a bundle holds: the page's HTML bytes and URL, and its resources by absolute URL."""

    html: bytes
    url: str | None = None
    content_type: str = "text/html"
    resources: dict[str, bytes] = field(default_factory=dict)
    resource_types: dict[str, str] = field(default_factory=dict)


def write_bundle(
    html: bytes,
    url: str,
    resources: list[tuple[str, str, bytes]],
    content_type: str = "text/html",
    notes: list[str] | None = None,
) -> bytes:
    """The page (`html` as fetched from `url`, its HTTP Content-Type) and `resources` — (absolute URL,
    content type, bytes) — as one MHTML document. `notes` (e.g. pictures that could not be had) go into a
    header of the bundle, for a person reading it."""
    digest = hashlib.sha256(html)
    for address, kind, data in resources:
        digest.update(address.encode("utf-8", "replace") + kind.encode("ascii", "replace"))
        digest.update(hashlib.sha256(data).digest())
    bundle = MIMEMultipart("related", boundary=f"----=_gongkai_{digest.hexdigest()[:32]}")
    bundle.set_param("type", "text/html")
    bundle["Snapshot-Content-Location"] = url
    bundle["Subject"] = "saved by gongkai"
    for note in notes or []:
        bundle["X-Gongkai-Note"] = note[:300]
    bundle.preamble = "This is a multi-part message in MIME format (a web page and its pictures)."
    bundle.attach(_part(html, content_type or "text/html", url))
    for address, kind, data in resources:
        bundle.attach(_part(data, kind or "application/octet-stream", address))
    return bundle.as_bytes(policy=email.policy.SMTP)  # CRLF line ends, as browsers write them


def _part(data: bytes, content_type: str, location: str) -> MIMEBase:
    main, _, params = content_type.partition(";")
    maintype, _, subtype = main.strip().lower().partition("/")
    part = MIMEBase(maintype or "application", subtype or "octet-stream")
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip() and value.strip():
            part.set_param(key.strip().lower(), value.strip().strip('"'))
    part.set_payload(data)
    email.encoders.encode_base64(part)
    part["Content-Location"] = location
    return part


def read_bundle(data: bytes) -> Bundle | None:
    """The page and resources of an MHTML document; None when it holds no HTML part."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    page_url = message.get("Snapshot-Content-Location")
    bundle: Bundle | None = None
    resources: dict[str, bytes] = {}
    types: dict[str, str] = {}
    for count, part in enumerate(_leaves(message)):
        if count >= MAX_PARTS:
            break
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        location = (part.get("Content-Location") or "").strip()
        kind = part.get_content_type()
        if bundle is None and kind in ("text/html", "application/xhtml+xml"):
            url = location or page_url
            bundle = Bundle(payload, url, str(part.get("Content-Type") or kind))
            continue
        if location:
            address = location.split("#", 1)[0]
            resources.setdefault(address, payload)
            types.setdefault(address, kind)
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        if content_id:  # <img src="cid:…"> (what mail clients and some savers write)
            resources.setdefault(f"cid:{content_id}", payload)
            types.setdefault(f"cid:{content_id}", kind)
    if bundle is None:
        return None
    bundle.resources, bundle.resource_types = resources, types
    return bundle


def extract_mhtml(data: bytes) -> Document:
    """A saved web page: its HTML read as a page, its pictures read by OCR where they stand."""
    try:
        bundle = read_bundle(data)
    except Exception as exc:  # the email package on hostile MIME: said so, never a crash
        return Document.refused(MEDIA_TYPE, "corrupt_file", f"the saved page cannot be read ({exc!s:.120})")
    if bundle is None:
        return Document.refused(
            MEDIA_TYPE, "corrupt_file", "the saved page (MHTML) holds no HTML part", extractor="html"
        )
    from gongkai.extract.html import extract_html

    return extract_html(bundle.html, pictures=bundle.resources, page_url=bundle.url, media_type=MEDIA_TYPE)


def _leaves(message: Message) -> list[Message]:
    if not message.is_multipart():
        return [message]
    payload = message.get_payload()
    return [leaf for part in payload if isinstance(part, Message) for leaf in _leaves(part)]
