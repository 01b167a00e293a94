"""The text encoding of an export: UTF-8 when it decodes so, else the best reading of it among the
encodings CRM and ERP exports are written in.

charset-normalizer judges Cyrillic files well, but cannot tell Windows-1250 from Windows-1252 in a
short file: both decode "Gestión" the same, and it may call Spanish text Polish ("Año" -> "Ańo").
So every candidate (its verdict and `COMMON`) is decoded and scored: fewest symbols where letters
belong ("£ódŸ" and "¿ó³æ" are Polish read as Windows-1252), then charset-normalizer's verdict for a
Cyrillic text, then the order of `COMMON` (Western European files are the most frequent of ties).
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

SAMPLE_BYTES = 1 << 20
# candidates in order of preference on a tie (Python codec names)
COMMON = ("cp1252", "cp1251", "cp1250", "koi8_r", "cp866", "mac_cyrillic", "iso8859_2")
# non-letters an export's text has: typographic quotes and dashes, currency and other signs
_USUAL = set("«»„“”‘’‚–—…№€£$¥°§±×÷·\u00a0\u202f•©®™₽¼½¾")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_SIGN_BY_LETTER = re.compile(r"[£¥§°±×÷·](?=[^\W\d_])|(?<=[^\W\d_])[£¥§°±×÷·]")
_WORD = re.compile(r"[^\W\d_]{5,}")
_ACCENTED = re.compile(r"[\u00c0-\u024f]")  # Latin letters with marks: most of a word only in Cyrillic read as Latin
_MIXED_WORD = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0400-\u04ff])\w+")
FALLBACK = "cp1251"


def is_utf8(data: bytes) -> bool:
    """True when `data` (maybe cut in the middle of a character) is valid UTF-8."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _oddities(text: str) -> int:
    """What a wrong code page makes of letters: non-ASCII characters that are neither letters nor
    usual signs, signs stuck to a letter ("£odzi"), words mixing Latin and Cyrillic letters and
    words made mostly of accented Latin letters ("Ïîñòàâêà" is "Поставка" read as Windows-1252)."""
    odd = sum(1 for ch in _NON_ASCII.findall(text)
              if not unicodedata.category(ch).startswith("L") and ch not in _USUAL)
    accented = sum(1 for word in _WORD.findall(text) if len(_ACCENTED.findall(word)) > 0.6 * len(word))
    return odd + len(_SIGN_BY_LETTER.findall(text)) + len(_MIXED_WORD.findall(text)) + accented


def detect_bytes(data: bytes) -> str:
    """The encoding of `data`: utf-8-sig when it is UTF-8, else the best candidate (module docstring)."""
    if is_utf8(data):
        return "utf-8-sig"
    from charset_normalizer import from_bytes

    verdict = from_bytes(data[:SAMPLE_BYTES]).best()
    named = codecs.lookup(verdict.encoding).name if verdict is not None else None
    scored = []
    for name in dict.fromkeys([n for n in (named, *COMMON) if n]):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        trusted = name == named and _CYRILLIC.search(text) is not None
        rank = COMMON.index(name) if name in COMMON else len(COMMON)
        scored.append((_oddities(text), 0 if trusted else 1 + rank, name))
    return min(scored)[2] if scored else FALLBACK


def detect_encoding(path: Path) -> str:
    """The encoding of a text file, from its first megabyte (see detect_bytes)."""
    with open(path, "rb") as fh:
        return detect_bytes(fh.read(SAMPLE_BYTES))
