"""ENC: reading the bytes of a file and turning them into text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.diagnostics import Edit, Finding, Fix, Severity
from pipeline.document import Document
from pipeline.rules import register
from pipeline.rules.base import Context, Rule


class _LoadProblemRule(Rule):
    """Base of the rules whose findings the loader records (the file could not
    be turned into a document)."""

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        return ()


@register
class UnreadableFile(_LoadProblemRule):
    """## What it does
    Reports a path that cannot be read: it does not exist, permission is
    denied, it is a folder named like a note (`x.md`), or it is a symbolic
    link that loops or points nowhere.

    ## Why is this bad?
    Nothing in it can be checked, and a note that only some people can read
    is a note the index silently loses.

    ## Example
    `chmod 000 corpus/LLM_Advances/01_LayerNorm_to_RMSNorm.md`

    ## Use instead
    Make the file readable, remove the broken link, or rename the folder so
    its name does not end in `.md`.
    """

    code = "ENC001"
    name = "unreadable-file"
    summary = "File cannot be read"


@register
class BinaryFile(_LoadProblemRule):
    """## What it does
    Reports a file named `*.md` whose content is binary (NUL bytes, or the
    signature of a PNG, PDF, ZIP, GIF, JPEG, gzip or ELF file).

    ## Why is this bad?
    It is not a note: usually an image or an export saved under the wrong
    name. Renderers show garbage and every other check would be noise.

    ## Example
    A screenshot saved as `diagram.md`.

    ## Use instead
    Give the file its real extension and link it as an image.
    """

    code = "ENC002"
    name = "binary-file"
    summary = "File is binary, not Markdown text"


@register
class FileTooLarge(_LoadProblemRule):
    """## What it does
    Reports a file larger than `max-file-size` (10 MB by default) and skips it.

    ## Why is this bad?
    A note that large is almost always a data dump or a generated file; reading
    it would make every run slow and memory-hungry.

    ## Example
    A 100 MB log pasted into `notes.md`.

    ## Use instead
    Move the data out of the corpus, or raise `max-file-size` in
    `[tool.corpus]` if the file really is a note.
    """

    code = "ENC003"
    name = "file-too-large"
    summary = "File is over the size limit and was skipped"


@register
class NonUtf8Encoding(Rule):
    """## What it does
    Reports a note stored in an encoding other than UTF-8 (GB18030, GBK,
    UTF-16…), naming the encoding detected.

    ## Why is this bad?
    GitHub, most editors and every tool in the chain assume UTF-8; a GB18030
    note renders as mojibake on the web and is damaged by the next editor that
    saves it as UTF-8.

    ## Example
    A note saved by an old Windows editor as GB18030.

    ## Use instead
    The same text, stored as UTF-8.

    ## Fix safety
    Safe: the text is decoded exactly and re-encoded as UTF-8; only the bytes
    change, never the characters.
    """

    code = "ENC004"
    name = "non-utf8-encoding"
    summary = "File is not stored as UTF-8"
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        enc = doc.encoding.lower()
        if enc not in ("utf-8", "utf-8-sig", "utf8"):
            if not doc.exact:
                # A guess: re-encoding it would turn a misread into permanent mojibake.
                yield Finding(1, 1, f"file is not UTF-8 and its encoding could not be determined with certainty "
                                    f"(read as {doc.encoding}, a guess): check the text, then save it as UTF-8")
                return
            yield Finding(1, 1, f"file is encoded as {doc.encoding}, not UTF-8",
                          Fix(f"Re-encode from {doc.encoding} to UTF-8", reencode=True))


@register
class ByteOrderMark(Rule):
    """## What it does
    Reports a UTF-8 file that starts with a byte order mark (EF BB BF).

    ## Why is this bad?
    The BOM is invisible but it is the first "character" of the file: the
    front-matter `---` is no longer at the start, so YAML front-matter is not
    recognised by many tools, and diffs show a change nobody can see.

    ## Example
    A note saved by Notepad with "UTF-8 with BOM".

    ## Use instead
    UTF-8 without BOM.

    ## Fix safety
    Safe: only the three BOM bytes are removed.
    """

    code = "ENC005"
    name = "byte-order-mark"
    summary = "File starts with a byte order mark"
    severity = Severity.WARNING
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        utf8_bom = doc.bom and doc.encoding.lower() in ("utf-8", "utf-8-sig")
        # A second mark (files concatenated, or saved twice "with BOM") is the
        # text's first character: remove every leading one in the same fix,
        # or the fixed file would start with a BOM again.
        extra = len(doc.text) - len(doc.text.lstrip("\ufeff"))
        if utf8_bom or extra:
            count = extra + (1 if utf8_bom else 0)
            what = "a UTF-8 byte order mark" if count == 1 else f"{count} byte order marks"
            yield Finding(1, 1, f"file starts with {what}",
                          Fix("Remove the byte order mark", edits=(Edit(0, extra, ""),) if extra else (),
                              reencode=utf8_bom))


@register
class InvalidUtf8(_LoadProblemRule):
    """## What it does
    Reports bytes that are valid in no encoding the file could be in; they
    were read as U+FFFD so the rest of the file can still be checked.

    ## Why is this bad?
    The characters at that place are lost: the file was truncated, damaged in
    transfer, or concatenated from files in different encodings.

    ## Example
    A UTF-8 note with one stray byte `0xFF` in the middle.

    ## Use instead
    Restore the text from version control or retype it. Nothing is fixed
    automatically: any guess could be wrong.
    """

    code = "ENC006"
    name = "invalid-utf8"
    summary = "File contains bytes that cannot be decoded"


# Repairs at or above this confidence are safe fixes.  From the encoding
# benchmark's calibration (bench/README.md).  A wrong repair is worse than
# visible mojibake (it silently changes a word), so the rest need
# --unsafe-fixes.  The value is pipeline.encoding.SAFE_CONFIDENCE (a test
# holds them equal), copied so that importing the rules stays cheap.
SAFE_CONFIDENCE = 0.95


def _damage(doc: Document, ctx: Context) -> list:  # type: ignore[type-arg]
    """The damaged spans of the document, found once per document and shared
    by the three rules that report them."""
    key = ("encoding.damage", doc.path, len(doc.text), hash(doc.text))
    found = ctx.cache.get(key)
    if found is None:
        from pipeline.encoding import might_be_damaged

        if might_be_damaged(doc.text):
            from pipeline.encoding import find_damage

            found = find_damage(doc.text)
        else:
            found = []  # the repair engine stays unloaded for clean notes
        # Only the current document's spans are worth keeping.
        for stale in [k for k in ctx.cache if isinstance(k, tuple) and k[:1] == ("encoding.damage",)]:
            del ctx.cache[stale]
        ctx.cache[key] = found
    return found  # type: ignore[no-any-return]


_C1 = re.compile("[\x80-\x9f]")


def _preview(text: str, limit: int = 24) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PAGES = {"cp1254": "Windows-1254", "cp1252": "Windows-1252", "latin-1": "Latin-1", "gbk": "GBK"}


def _page(codepage: str) -> str:
    return " then ".join(_PAGES.get(p, p) for p in codepage.split("+"))


@register
class Mojibake(Rule):
    """## What it does
    Reports mojibake: UTF-8 text that was once read in a legacy code page
    (Windows-1252, Windows-1254, Latin-1, GBK) and saved again, so `多模态`
    became `å¤šæ¨¡æ€` or `澶氭ā鎬�`. The message names the code page and
    previews the repaired text.

    ## Why is this bad?
    The note is unreadable, its headings and anchors are garbage, and every
    further save by a tool that "fixes" encodings damages it more.

    ## Example
    ```markdown
    title: "å¤šæ¨¡æ€ LLM æ¶æž„å…¨æ™¯"
    ```

    ## Use instead
    ```markdown
    title: "多模态 LLM 架构全景"
    ```

    ## Fix safety
    The span is turned back into bytes through the code page it came
    through. Where the code page dropped bytes (Windows-1252/1254 leave some
    undefined), every possible byte is tried and a Chinese language model
    (jieba's dictionary plus domain text) picks the most probable text. A
    repair whose confidence is at least 0.95 is a safe fix; a less certain
    one is unsafe (`--unsafe-fixes`) and the message lists the candidates.
    Only the damaged characters are edited.
    """

    code = "ENC007"
    name = "mojibake"
    summary = "Text is mojibake (UTF-8 decoded through a legacy code page)"
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for d in _damage(doc, ctx):
            if d.kind != "mojibake" or d.replacement is None:
                continue
            line, col = doc.position(d.start)
            end_line, end_col = doc.position(d.end)
            safe = d.confidence >= SAFE_CONFIDENCE
            message = (f'mojibake through {_page(d.codepage)}: "{_preview(doc.text[d.start:d.end])}" '
                       f'reads "{_preview(d.replacement)}"')
            if not safe:
                others = [c for c in d.candidates if c != d.replacement][:3]
                message += f" (confidence {d.confidence:.2f}"
                message += f"; other candidates: {', '.join(repr(c) for c in others)})" if others else ")"
            fix = Fix(f'Repair as "{_preview(d.replacement)}"', (Edit(d.start, d.end, d.replacement),), safe=safe)
            yield Finding(line, col, message, fix, end_line, end_col)


@register
class ReplacementCharacter(Rule):
    """## What it does
    Reports U+FFFD REPLACEMENT CHARACTER (`�`): a place where a decoder met
    bytes it could not decode and threw them away.

    ## Why is this bad?
    What stood there is lost. It typically comes from UTF-8 read as GBK
    (`鍙傛暟` style mojibake) or from a truncated multi-byte character.

    ## Example
    `模型的�数量`

    ## Use instead
    Restore the text from version control or an earlier copy. Where the
    surrounding mojibake allows an exact repair, ENC007 repairs it; a lone
    U+FFFD is never "fixed" by guessing.
    """

    code = "ENC008"
    name = "replacement-character"
    summary = "Text contains U+FFFD replacement characters (lost bytes)"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if "\ufffd" not in doc.text:
            return
        reported: set[int] = set()
        for d in _damage(doc, ctx):
            if d.kind == "replacement-char":
                line, col = doc.position(d.start)
                reported.add(line)
                yield Finding(line, col, "U+FFFD replacement character: bytes were lost here; "
                                         "restore the text from an earlier copy")
        # Replacement characters no damage span explains, one finding per line.
        spans = [(d.start, d.end) for d in _damage(doc, ctx)]
        start = 0
        while (i := doc.text.find("\ufffd", start)) >= 0:
            start = i + 1
            if any(a <= i < b for a, b in spans):
                continue
            line, col = doc.position(i)
            if line not in reported:
                reported.add(line)
                yield Finding(line, col, "U+FFFD replacement character: bytes were lost here; "
                                         "restore the text from an earlier copy")


@register
class C1ControlCharacter(Rule):
    """## What it does
    Reports C1 control characters (U+0080 to U+009F), which no text contains
    on purpose: they are the trace of Windows-1252 bytes read as Latin-1.

    ## Why is this bad?
    They are invisible in most editors, break search, and render as boxes.

    ## Example
    `\\u0093引号\\u0094` (curly quotes read through the wrong table)

    ## Use instead
    `“引号”`

    ## Fix safety
    Safe when the characters decode exactly through Windows-1252 (the
    repair is unique); otherwise reported without a fix.
    """

    code = "ENC009"
    name = "c1-control-character"
    summary = "Text contains C1 control characters"
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _C1.search(doc.text) is None:
            return
        for d in _damage(doc, ctx):
            if d.kind != "c1-control":
                continue
            line, col = doc.position(d.start)
            fix = None
            if d.replacement is not None:
                fix = Fix(f'Replace with "{_preview(d.replacement)}"', (Edit(d.start, d.end, d.replacement),),
                          safe=d.confidence >= SAFE_CONFIDENCE)
            shown = "".join(f"\\u{ord(c):04x}" if "\x80" <= c <= "\x9f" else c for c in doc.text[d.start:d.end])
            message = f'C1 control character in "{_preview(shown, 40)}"'
            if d.replacement is not None:
                message += f'; reads "{_preview(d.replacement)}"'
            yield Finding(line, col, message, fix)
