"""Text helpers of the full-text search: the one definition of how a text and a query are
normalised, and of how matching words are highlighted (escaped, then marked).

PostgreSQL searches with its own full-text search (see migration 0006 and the selectors);
SQLite, the embedded default, searches `Intervention.search_text`, a copy of the texts
normalised here: lower case, accents removed, words separated by single spaces. On both,
the words shown as matching are those starting with a word of the query or, on PostgreSQL,
with one of the stems its search looked for.
"""

import functools
import re
import unicodedata

from django.utils.html import format_html
from django.utils.safestring import SafeString

# Longest search a person may type; longer is refused with a message.
MAX_QUERY_LENGTH = 200
# At most this many words of a query are searched (the rest is ignored).
MAX_QUERY_TERMS = 12

# The marks put around a matching word: characters no form accepts, so the text is escaped
# first and only these become <mark> elements.
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
    """Escape `text` and turn the spans between START_MARK and STOP_MARK into <mark>.

    One format_html call for the whole text: its format holds only "{}" and the <mark>
    tags, every piece of `text` is an argument, escaped.
    """
    shapes, pieces, marking = [], [], False
    for part in re.split(f"([{START_MARK}{STOP_MARK}])", text):
        if part == START_MARK:
            marking = True
        elif part == STOP_MARK:
            marking = False
        elif part:
            shapes.append("<mark>{}</mark>" if marking else "{}")
            pieces.append(part)
    return format_html("".join(shapes), *pieces) if pieces else SafeString()


def _letter_classes() -> dict[str, str]:
    """For each ASCII letter, a regex class of it and its accented forms ("e" → "[eéèêë…]")."""
    variants: dict[str, set[str]] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            variants.setdefault(folded, set()).update({char, char.upper()})
    return {
        letter: "[" + re.escape(letter) + "".join(sorted(others)) + "]"
        for letter, others in variants.items()
    }


_LETTER_CLASSES = _letter_classes()


@functools.lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """A regex of the words starting with one of `terms`, whatever their accents and case."""
    alternatives = [
        "".join(_LETTER_CLASSES.get(c, re.escape(c)) for c in term)
        for term in sorted(terms, key=len, reverse=True)
    ]
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})[^\W_]*", re.IGNORECASE)


def mark_terms(text: str, terms: list[str]) -> str:
    """`text` with START_MARK/STOP_MARK around each word that starts with one of `terms`
    (folded words or stems), accents and case aside."""
    text = text.replace(START_MARK, "").replace(STOP_MARK, "")
    if not terms:
        return text
    return _terms_pattern(tuple(terms)).sub(lambda m: f"{START_MARK}{m.group(0)}{STOP_MARK}", text)


def marked_passage(text: str, terms: list[str], *, words: int = 40) -> str:
    """About `words` words of `text` around the first word starting with one of `terms`,
    matching words marked, with an ellipsis where it is cut; "" when no word matches."""
    if not terms:
        return ""
    found = _terms_pattern(tuple(terms)).search(text)
    if found is None:
        return ""
    before = text[: found.start()].split()
    after = text[found.start() :].split()
    lead = before[-(words // 4) :] if words // 4 else []
    shown = lead + after[: words - len(lead)]
    passage = mark_terms(" ".join(shown), terms)
    cut_before = len(lead) < len(before)
    cut_after = len(shown) - len(lead) < len(after)
    return f"{'… ' if cut_before else ''}{passage}{' …' if cut_after else ''}"
