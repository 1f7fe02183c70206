"""ENC: reading the bytes of a file and turning them into text."""

from __future__ import annotations

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
