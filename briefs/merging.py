"""Merge the PDFs of a pack's sections into one file a reader cannot tell from a single
document: continuous pages with "Page X of Y" laid over each, working links, one outline, one
structure tree (the tagging for screen readers), the title, author and language, and each
font file embedded once.

pikepdf (qpdf) does the work: pages are copied with their content streams as they are
(compressed), and the page numbers are laid over each page as a form XObject, so the merged
file stays about the size of the single document.
"""

import functools
import io
import logging
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

# pikepdf says at INFO level that it started, fontTools what each subset pruned; only
# warnings matter here.
logging.getLogger("pikepdf._core").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

import pikepdf  # noqa: E402
from fontTools import subset  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from pikepdf import Array, Dictionary, Name, OutlineItem, PageLocation  # noqa: E402


@dataclass
class MergePart:
    """One laid-out section: its PDF and its recorded layout (see `rendering.RenderedPart`)."""

    pdf: bytes
    layout: dict


def _struct_root(pdf: pikepdf.Pdf):
    return pdf.Root.get("/StructTreeRoot")


def _document_element(root) -> pikepdf.Dictionary:
    kids = root.K
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


def _nums(parent_tree) -> list:
    """The flat [key, value, …] list of a number tree."""
    if "/Nums" in parent_tree:
        return list(parent_tree.Nums)
    found = []
    for kid in parent_tree.get("/Kids", []):
        found += _nums(kid)
    return found


def _merge_structure(merged: pikepdf.Pdf, part: pikepdf.Pdf, first_page: int) -> None:
    """Append the structure tree of `part` (whose pages are already copied into `merged`,
    from `first_page` on) to the merged one, its parent-tree keys moved past those in use."""
    root = _struct_root(merged)
    theirs = _struct_root(part)
    if root is None or theirs is None:
        return
    offset = int(root.get("/ParentTreeNextKey", 0))
    copied = merged.copy_foreign(theirs)
    document = _document_element(root)
    their_document = _document_element(copied)
    for kid in list(their_document.K):
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = document
        document.K.append(kid)
    nums = _nums(root.ParentTree)
    their_nums = _nums(copied.ParentTree)
    for index in range(0, len(their_nums), 2):
        nums += [int(their_nums[index]) + offset, their_nums[index + 1]]
    root.ParentTree = merged.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = offset + int(copied.get("/ParentTreeNextKey", len(their_nums) // 2))
    for page in merged.pages[first_page:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset


@functools.cache
def _font_files_by_name(font_files: tuple[Path, ...]) -> dict[str, Path]:
    names = {}
    for path in font_files:
        with TTFont(path, lazy=True) as font:
            names[font["name"].getDebugName(6)] = path
    return names


def _subset(path: Path, glyph_ids: set[int]) -> bytes:
    """The font at `path` cut down to `glyph_ids`, each glyph keeping its id."""
    options = subset.Options(
        retain_gids=True,
        hinting=False,
        notdef_outline=True,
        name_IDs=["*"],
        layout_features=[],
        drop_tables=["GSUB", "GPOS", "GDEF", "kern", "FFTM", "MATH"],
    )
    options.ignore_missing_glyphs = True
    with TTFont(path) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=sorted(glyph_ids | {0}))
        subsetter.subset(font)
        output = io.BytesIO()
        font.save(output)
    return output.getvalue()


def _widths(widths) -> dict[int, object]:
    """A CID font's /W array as {glyph id: width}."""
    found: dict[int, object] = {}
    if widths is None:
        return found
    items = list(widths)
    index = 0
    while index < len(items):
        first = int(items[index])
        if index + 1 < len(items) and isinstance(items[index + 1], pikepdf.Array):
            for offset, width in enumerate(items[index + 1]):
                found[first + offset] = width
            index += 2
        else:
            for glyph in range(first, int(items[index + 1]) + 1):
                found[glyph] = items[index + 2]
            index += 3
    return found


def _width_array(widths: dict[int, object]) -> Array:
    """{glyph id: width} as a /W array of runs of consecutive glyphs."""
    result: list = []
    run: list = []
    start = previous = None
    for glyph in sorted(widths):
        if previous is not None and glyph == previous + 1:
            run.append(widths[glyph])
        else:
            if run:
                result += [start, Array(run)]
            start, run = glyph, [widths[glyph]]
        previous = glyph
    if run:
        result += [start, Array(run)]
    return Array(result)


BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
CMAP_HEAD = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo
<< /Registry (Adobe)
/Ordering (UCS)
/Supplement 0
>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <ffff>
endcodespacerange
"""
CMAP_TAIL = b"""endcmap
CMapName currentdict /CMap defineresource pop
end
end"""


def _unicode_map(cmap: bytes) -> dict[bytes, bytes]:
    """The glyph → text pairs of a ToUnicode CMap written as `bfchar` lines (as WeasyPrint
    writes them); empty when it holds ranges, which this does not read."""
    if b"beginbfrange" in cmap:
        return {}
    return {
        glyph.lower(): text
        for section in cmap.split(b"beginbfchar")[1:]
        for glyph, text in BFCHAR.findall(section.split(b"endbfchar", 1)[0])
    }


def _cmap(pairs: dict[bytes, bytes]) -> bytes:
    lines = [CMAP_HEAD]
    items = sorted(pairs.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(b"%d beginbfchar\n" % len(chunk))
        lines += [b"<%s> <%s>\n" % (glyph, text) for glyph, text in chunk]
        lines.append(b"endbfchar\n")
    lines.append(CMAP_TAIL)
    return b"".join(lines)


def _share_fonts(merged: pikepdf.Pdf, font_files: tuple[Path, ...]) -> None:
    """Embed each font once: every section embeds its own subset of a font, with its own
    widths and text map, so the fonts of one face are made to share one subset of the shipped
    font holding every glyph any section uses (glyph ids are kept, so the pages need no
    change), one widths array and one text map."""
    faces: dict[str, list] = {}
    for obj in merged.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Subtype") != Name.Type0:
            continue
        descendant = obj.DescendantFonts[0]
        descriptor = descendant.get("/FontDescriptor")
        if (
            descriptor is None
            or "/FontFile2" not in descriptor
            or descendant.get("/CIDToGIDMap", Name.Identity) != Name.Identity
            or "/ToUnicode" not in obj
        ):
            continue
        faces.setdefault(str(descriptor.FontName).split("+", 1)[-1], []).append(obj)
    originals = _font_files_by_name(font_files)
    for fonts in faces.values():
        descendants = [font.DescendantFonts[0] for font in fonts]
        if len({d.FontDescriptor.FontFile2.objgen for d in descendants}) < 2:
            continue
        with TTFont(
            io.BytesIO(descendants[0].FontDescriptor.FontFile2.read_bytes()), lazy=True
        ) as font:
            original = originals.get(font["name"].getDebugName(6))
        texts: dict[bytes, bytes] = {}
        for font in fonts:
            found = _unicode_map(font.ToUnicode.read_bytes())
            if not found:
                break
            for glyph, text in found.items():
                texts.setdefault(glyph, text)
        else:
            if original is None:
                continue
            widths: dict[int, object] = {}
            for descendant in descendants:
                for glyph, width in _widths(descendant.get("/W")).items():
                    widths.setdefault(glyph, width)
            data = _subset(original, set(widths))
            font_file = pikepdf.Stream(merged, zlib.compress(data))
            font_file.Filter = Name.FlateDecode
            font_file.Length1 = len(data)
            descriptor = descendants[0].FontDescriptor
            descriptor.FontFile2 = font_file
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]
            shared = descendants[0]
            shared.W = _width_array(widths)
            to_unicode = merged.make_indirect(pikepdf.Stream(merged, _cmap(texts)))
            for font in fonts:
                font.DescendantFonts = Array([shared])
                font.BaseFont = shared.BaseFont
                font.ToUnicode = to_unicode


# The page number is a pagination artifact (PDF/UA): not content a screen reader reads.
ARTIFACT = b"Q\n/Artifact <</Type /Pagination>> BDC\n%s\nEMC\n"
FONT_SELECTION = re.compile(rb"/(\S+) [\d.]+ Tf")


class PageNumbersNotWritten(ValueError):
    """The sample page numbers are not written as the merge expects: lay out every page's."""


class _Stamps:
    """The form XObject laid over each page: a sample page of the numbers' document, its
    number (written with a spare digit) replaced by the page's own digits."""

    def __init__(self, merged: pikepdf.Pdf, numbers: pikepdf.Pdf, spare_digit: str | None):
        self.merged = merged
        self.numbers = numbers
        self.spare = spare_digit
        self.samples: dict[int, tuple[bytes, bytes, pikepdf.Object, pikepdf.Array]] = {}
        self.glyphs: dict[str, bytes] = {}
        if spare_digit is not None:
            self.glyphs = self._digit_glyphs(numbers.pages[0])

    @staticmethod
    def _contents(page: pikepdf.Page) -> bytes:
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        return b"".join(stream.read_bytes() for stream in streams)

    def _digit_glyphs(self, page: pikepdf.Page) -> dict[str, bytes]:
        """The glyph of each digit in the font of the numbers (the first sample shows them
        all)."""
        content = self._contents(page)
        footer = content[content.rfind(b"BT") :]
        selected = FONT_SELECTION.search(footer)
        if selected is None:
            raise PageNumbersNotWritten("no font selected for the page number")
        font = page.obj.Resources.Font[Name("/" + selected.group(1).decode())]
        texts = _unicode_map(font.ToUnicode.read_bytes())
        glyphs = {}
        for glyph, text in texts.items():
            if len(text) == 4 and b"0030" <= text.lower() <= b"0039":
                glyphs[chr(int(text, 16))] = glyph
        if len(glyphs) != 10:
            raise PageNumbersNotWritten("the numbers' font lacks digits")
        return glyphs

    def form(self, index: int, label: str | None) -> pikepdf.Object:
        if label is None:
            return self.merged.copy_foreign(self.numbers.pages[index].as_form_xobject())
        if index not in self.samples:
            page = self.numbers.pages[index]
            content = self._contents(page)
            start = content.rfind(b"BT")
            resources = self.merged.copy_foreign(page.obj.Resources)
            box = Array([float(value) for value in page.mediabox])
            self.samples[index] = (content[:start], content[start:], resources, box)
        head, footer, resources, box = self.samples[index]
        spare = b"<%s>" % self.glyphs[self.spare]
        run = b"".join(spare + b"0" for _ in label)
        if footer.count(spare) != len(label) or footer.count(run) != 1:
            raise PageNumbersNotWritten("the sample number is not one run of digits")
        digits = b"".join(b"<%s>0" % self.glyphs[digit] for digit in label)
        form = pikepdf.Stream(self.merged, head + footer.replace(run, digits))
        form.Type = Name.XObject
        form.Subtype = Name.Form
        form.BBox = box
        form.Resources = resources
        return form


def _last_object_number(pdf: pikepdf.Pdf, known: int) -> int:
    """The highest object number in use in `pdf`, at least `known` (objects are numbered on
    from the highest, without gaps)."""
    number = max(known, int(pdf.trailer.get("/Size", 1)) - 1)
    while pdf.get_object(number + 1, 0) is not None:
        number += 1
    return number


def _take_stream_data(merged: pikepdf.Pdf, *, after: int) -> int:
    """Give the streams copied into `merged` since object `after` their data as it is
    (encoded), so that the PDF they were copied from can be closed now, its objects freed:
    qpdf otherwise reads their data from it when saving, so every section would stay open
    until then. Returns the highest object number now in use."""
    last = _last_object_number(merged, after)
    for number in range(after + 1, last + 1):
        stream = merged.get_object(number, 0)
        if isinstance(stream, pikepdf.Stream):
            stream.write(
                stream.read_raw_bytes(),
                filter=stream.get("/Filter"),
                decode_parms=stream.get("/DecodeParms"),
            )
    return last


def _lay_over(merged: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object, opening) -> None:
    """Draw `form` (a page of the same size as a form XObject) over `page`, marked as a
    pagination artifact. The page's own streams stay as they are (compressed), between
    `opening` (a shared "q") and the stream that restores the state and draws the form."""
    name = page.add_resource(form, Name.XObject, prefix="Fxo")
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    contents = page.obj.Contents
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    page.obj.Contents = Array([opening, *streams, pikepdf.Stream(merged, ARTIFACT % placement)])


def _outline_items(merged: pikepdf.Pdf, tree: list) -> list[OutlineItem]:
    items = []
    for label, (page, x, y), children, state in tree:
        item = OutlineItem(
            label,
            destination=page,
            page_location=PageLocation.XYZ,
            left=x,
            top=y,
            zoom=0,
        )
        item.children.extend(_outline_items(merged, children))
        item.is_closed = state == "closed"
        items.append(item)
    return items


def merge_pack(
    *,
    parts: list[MergePart],
    numbers: bytes,
    stamps: list[tuple[int, str | None] | None],
    spare_digit: str | None,
    outline: list,
    anchors: dict[str, list],
    font_files: tuple[Path, ...] = (),
) -> bytes:
    """One PDF of `parts` in order, with a page of `numbers` laid over each page: for page i,
    `stamps[i]` is None (nothing laid over) or (the page of `numbers`, the page's number to
    write in place of its number made of `spare_digit`, or None to take it as it is).
    Raises PageNumbersNotWritten, before any other work, when the sample numbers cannot be
    rewritten.

    `outline` is the nested outline of the whole pack and `anchors` maps each anchor to
    `[page, x, y]` in the whole pack (both from the sections' layouts). The first part gives
    the document its catalog: language, title and author, viewer preferences, metadata.
    `font_files` are the fonts the sections were laid out with.
    """
    merged = pikepdf.open(io.BytesIO(parts[0].pdf))
    stamp_pdf = pikepdf.open(io.BytesIO(numbers))
    writer = _Stamps(merged, stamp_pdf, spare_digit)
    forms = [None if stamp is None else writer.form(*stamp) for stamp in stamps]
    last_object = _last_object_number(merged, 0)
    for part in parts[1:]:
        with pikepdf.open(io.BytesIO(part.pdf)) as pdf:
            first_page = len(merged.pages)
            # Named destinations are rebuilt below for the whole pack.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                merged.pages.extend(pdf.pages)
            _merge_structure(merged, pdf, first_page)
            last_object = _take_stream_data(merged, after=last_object)

    pages = merged.pages
    # Links point at the page and place of their target in the merged pack.
    destinations = Dictionary()
    names = []
    for name in sorted(anchors):
        page, x, y = anchors[name]
        names += [pikepdf.String(name), Array([pages[page].obj, Name.XYZ, x, y, 0])]
    for page in pages:
        for annotation in page.obj.get("/Annots", []):
            target = annotation.get("/Dest")
            if annotation.get("/Subtype") != Name.Link or not isinstance(target, pikepdf.String):
                continue
            found = anchors.get(str(target))
            if found is not None:
                annotation.Dest = Array([pages[found[0]].obj, Name.XYZ, found[1], found[2], 0])
    destinations.Names = Array(names)
    merged.Root.Names = Dictionary(Dests=merged.make_indirect(destinations))

    if "/Outlines" in merged.Root:
        del merged.Root["/Outlines"]
    with merged.open_outline() as pdf_outline:
        pdf_outline.root.extend(_outline_items(merged, outline))

    opening = merged.make_indirect(pikepdf.Stream(merged, b"q\n"))
    for page, form in zip(pages, forms, strict=True):
        if form is not None:
            _lay_over(merged, page, form, opening)

    _share_fonts(merged, font_files)
    output = io.BytesIO()
    merged.save(
        output,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        fix_metadata_version=False,
    )
    for pdf in [stamp_pdf, merged]:
        pdf.close()
    return output.getvalue()
