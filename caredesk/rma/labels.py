"""The return label (D-5.4): one A6 page per line, the line number as a Code 128 barcode
that the depot's scanner reads, and the return address of the unit's region. Rendering
only: which lines and which address is the caller's business (``services.return_label``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

# Helvetica has Latin letters only; Japanese captions (and addresses) use a CID font every
# PDF reader has, so the label needs no font file.
_CJK = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(_CJK))


def _font(text: str, latin: str) -> str:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return _CJK
    return latin


@dataclass(frozen=True)
class LabelPage:
    """What one label shows: the number to scan, the unit, and where it goes."""

    number: str  # the line number R…-n, in the barcode and in text beneath it
    serial: str
    address: Sequence[str]  # the return address, line by line
    heading: str  # translated texts, given by the caller in the reader's language
    serial_caption: str
    address_caption: str


def render(pages: Sequence[LabelPage], *, title: str) -> bytes:
    """The PDF of ``pages``, one label a page."""
    out = io.BytesIO()
    size = landscape(A6)
    canvas = Canvas(out, pagesize=size, pageCompression=1, invariant=1)  # invariant: the same bytes every time
    canvas.setTitle(title)
    width, height = size
    for page in pages:
        canvas.setFont(_font(page.heading, "Helvetica-Bold"), 13)
        canvas.drawString(8 * mm, height - 12 * mm, page.heading)
        # Code 128 carries letters, digits and the dash of a line number; bars at least
        # 0.33 mm wide and 18 mm tall read well on handheld scanners.
        barcode = Code128(page.number, barWidth=0.33 * mm, barHeight=18 * mm, quiet=True, lquiet=4 * mm, rquiet=4 * mm)
        barcode.drawOn(canvas, 4 * mm, height - 36 * mm)
        canvas.setFont("Helvetica-Bold", 16)
        canvas.drawString(8 * mm, height - 43 * mm, page.number)
        canvas.setFont(_font(page.serial_caption, "Helvetica"), 9)
        canvas.drawString(8 * mm, height - 50 * mm, f"{page.serial_caption}: {page.serial}")
        canvas.setFont(_font(page.address_caption, "Helvetica-Bold"), 9)
        canvas.drawString(8 * mm, height - 58 * mm, page.address_caption)
        y = height - 63 * mm
        for text in page.address:
            canvas.setFont(_font(text, "Helvetica"), 10)
            canvas.drawString(8 * mm, y, text)
            y -= 4.5 * mm
        canvas.showPage()
    canvas.save()
    return out.getvalue()
