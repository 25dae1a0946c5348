"""What a complaint attachment may be: the type is read from the file's own first bytes,
never from its name or the browser's claim, and the size is capped by
``BRANCHCX_MAX_ATTACHMENT_BYTES``."""

from __future__ import annotations

from django.conf import settings

# (content type, test on the first bytes); the kinds of evidence complaints come with:
# letters and statements (PDF), photos and screenshots (JPEG, PNG), call recordings (MP3, WAV)
KINDS: list[tuple[str, str]] = [
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("audio/mpeg", "MP3"),
    ("audio/wav", "WAV"),
]
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
}


def sniff(head: bytes) -> str | None:
    """The content type the bytes really are, or None for anything not accepted."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    return None


def max_bytes() -> int:
    limit: int = settings.BRANCHCX_MAX_ATTACHMENT_BYTES
    return limit


def accepted_names() -> str:
    return ", ".join(name for _type, name in KINDS)
