"""Fuzz target: any bytes through load -> check -> fix -> check again.

With atheris installed (``pip install atheris``, coverage-guided libFuzzer)::

    mkdir -p /tmp/corpus-fuzz && cp tests/fixtures/cli/*/*.md /tmp/corpus-fuzz/
    python fuzz/fuzz_check.py /tmp/corpus-fuzz -max_total_time=600

libFuzzer adds the inputs it finds interesting to the first folder given and
writes a crashing input to ``crash-<sha1>`` in the current folder; replay one
with ``python fuzz/fuzz_check.py crash-<sha1>``.

Without atheris, the same properties run as hypothesis tests with the long
``fuzz`` profile (equivalent to)::

    HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_properties.py

The properties (see docs/robustness.md): nothing raises; every position lies
inside the file; fix never writes a file it could not decode with certainty;
fix converges and is idempotent; fix changes nothing when
nothing is fixable; code blocks, math and front-matter are only changed by the
rule families allowed to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Same allowance as tests/test_properties.py.
MAY_EDIT = {"code": ("ENC",), "math": ("ENC",), "front_matter": ("ENC", "FM")}
# An empty corpus root of its own: rules that look at the corpus (index READMEs,
# links) would otherwise list whatever the system's temporary folder holds.
_ROOT = Path(tempfile.mkdtemp(prefix="corpus-fuzz-"))


def check_one(data: bytes) -> None:
    """Raise AssertionError when a property fails (any other exception is a
    crash of the pipeline itself)."""
    from pipeline.config import Config, Settings
    from pipeline.document import Document, parse
    from pipeline.fixer import fix_loaded
    from pipeline.loader import load_bytes
    from pipeline.runner import Checker

    def protected(doc: Document) -> dict[str, object]:
        return {"code": [c.content for c in doc.code_blocks], "math": sorted(m.content for m in doc.math),
                "front_matter": doc.front_matter.raw if doc.front_matter else None}

    checker = Checker(Config(Settings(root="."), _ROOT, None))
    loaded = load_bytes(_ROOT / "fuzz.md", "fuzz.md", data, doc_type="note")
    doc = loaded.document
    for _code, f in checker.findings(loaded):
        if doc is None:
            assert (f.line, f.column) == (1, 1), f
        else:
            assert 1 <= f.line <= doc.line_count, (f, doc.line_count)
            assert 1 <= f.column <= len(doc.line_text(f.line)) + 1, (f, doc.line_text(f.line))
    for unsafe in (False, True):
        outcome = fix_loaded(checker, loaded, unsafe=unsafe)
        if doc is not None and not doc.exact:
            assert not outcome.changed and outcome.error is not None  # never write undecodable bytes
            continue
        assert outcome.error is None, outcome.error
        if not outcome.changed:
            continue
        assert doc is not None and outcome.new_data is not None and outcome.new_text is not None
        codes = {code for code, _fix in outcome.applied}
        before, after = protected(doc), protected(parse(outcome.new_text))
        for region, families in MAY_EDIT.items():
            if not any(code.startswith(families) for code in codes):
                assert after[region] == before[region], (region, sorted(codes))
        again = fix_loaded(checker, load_bytes(_ROOT / "fuzz.md", "fuzz.md", outcome.new_data, doc_type="note"),
                           unsafe=unsafe)
        assert again.error is None and not again.changed, (sorted(codes), again.applied)


def main(argv: list[str]) -> int:
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: running the hypothesis 'fuzz' profile instead", file=sys.stderr)
        env = dict(os.environ, HYPOTHESIS_PROFILE=os.environ.get("HYPOTHESIS_PROFILE", "fuzz"),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        return subprocess.call([sys.executable, "-m", "pytest", "-q", str(REPO / "tests" / "test_properties.py"),
                                *argv[1:]], env=env, cwd=REPO)
    with atheris.instrument_imports():
        import pipeline.document  # noqa: F401 - instrumented for coverage feedback
        import pipeline.fixer  # noqa: F401
        import pipeline.loader  # noqa: F401
        import pipeline.rules  # noqa: F401
        import pipeline.runner  # noqa: F401
        from pipeline.rules import all_rules

        all_rules()  # import every rule module under instrumentation
    atheris.Setup(argv, check_one)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
