"""A reminder letter (提醒函) as DOCX in the official-document layout: the issuer's header, the document
number, title, addressee, body, and the issuer and date at the bottom right. Synchronous."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.documents import docx_layout

DRAFT_NUMBER = "（草稿，印发时编号）"


@dataclass(frozen=True, slots=True)
class LetterDoc:
    issuer: str
    doc_no: str | None
    title: str
    unit_name: str
    body: str
    dated: date


def build(doc: LetterDoc) -> bytes:
    document = docx_layout.new_document()
    docx_layout.issuer_line(document, doc.issuer)
    docx_layout.doc_number(document, doc.doc_no or DRAFT_NUMBER)
    docx_layout.title(document, doc.title)
    docx_layout.addressee(document, doc.unit_name)
    for paragraph in doc.body.split("\n"):
        if paragraph.strip():
            docx_layout.body(document, paragraph.strip())
    docx_layout.signature(document, doc.issuer, doc.dated)
    return docx_layout.to_bytes(document)
