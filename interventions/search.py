"""Text helpers of the full-text search: the one definition of how a text and a query are
normalised, and of how matching words are highlighted (escaped, then marked).

PostgreSQL searches with its own full-text search (see migration 0006 and the selectors);
SQLite, the embedded default, searches `Intervention.search_text`, a copy of the texts
normalised here: lower case, accents removed, words separated by single spaces.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Longest search a person may type; longer is refused with a message.
MAX_QUERY_LENGTH = 200
# At most this many words of a query are searched (the rest is ignored).
MAX_QUERY_TERMS = 12

# The marks PostgreSQL's ts_headline puts around a matching word: characters no form
# accepts, so the text is escaped first and only these become <mark> elements.
START_MARK = "\x02"
STOP_MARK = "\x03"

_WORD = re.compile(r"[^\W_]+")
# Letters that Unicode decomposition does not split but people type without them.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


def fold(text: str) -> str:
    """`text` in lower case without accents: "Régularisation" → "regularisation"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_search_text(*texts: str) -> str:
    """The SQLite search column of these texts: folded words between single spaces, with a
    space at each end so that a word's start is always " word"."""
    words = _WORD.findall(fold(" ".join(t for t in texts if t)))
    return f" {' '.join(words)} " if words else ""


def query_terms(query: str) -> list[str]:
    """The folded words of a query, each once, in order (at most MAX_QUERY_TERMS)."""
    terms: list[str] = []
    for word in _WORD.findall(fold(query)):
        if word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]


def marks_to_html(text: str) -> SafeString:
    """Escape `text` and turn the spans between START_MARK and STOP_MARK into <mark>."""
    out, marking = [], False
    for part in re.split(f"([{START_MARK}{STOP_MARK}])", text):
        if part == START_MARK:
            marking = True
        elif part == STOP_MARK:
            marking = False
        elif part:
            out.append(f"<mark>{escape(part)}</mark>" if marking else escape(part))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def mark_terms(text: str, terms: list[str]) -> str:
    """`text` with START_MARK/STOP_MARK around each word that starts with one of `terms`
    (compared folded), as the SQLite search matches them."""
    text = text.replace(START_MARK, "").replace(STOP_MARK, "")

    def mark(match: re.Match) -> str:
        word = match.group(0)
        folded = fold(word)
        if any(folded.startswith(term) for term in terms):
            return f"{START_MARK}{word}{STOP_MARK}"
        return word

    return _WORD.sub(mark, text)


def excerpt(text: str, *, words: int = 40) -> str:
    """A passage of about `words` words around the first marked word (or the start), with
    an ellipsis where it is cut."""
    tokens = text.split()
    first = next((n for n, token in enumerate(tokens) if START_MARK in token), 0)
    start = max(0, first - words // 4)
    end = min(len(tokens), start + words)
    passage = " ".join(tokens[start:end])
    return f"{'… ' if start else ''}{passage}{' …' if end < len(tokens) else ''}"
