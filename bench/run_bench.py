"""Time `corpus check` on generated corpora and compare with markdownlint-cli2.

    python bench/run_bench.py [--sizes 1000 10000 50000] [--out bench/out] [--no-markdownlint]

For each size: a corpus from a fixed seed (bench/gen_corpus.py); then
`corpus check` cold (no cache), warm (nothing changed), after changing one
note, and on a single file (unchanged, and just edited: the pre-commit
case); the peak resident memory of the largest process;
the short runs are medians (of 5; of 3 for a changed note, each time a new
change), since one sample of a 0.3 s run on a shared machine says little;
and, when `npx` is available, markdownlint-cli2 on the same files in the
same run (installed into bench/out/node on first use).  Prints a Markdown
table; paste it into bench/README.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate, note_path  # noqa: E402
from machine import describe  # noqa: E402


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall seconds, exit code, peak RSS in MB of the largest process (via a
    fresh `time -v`-like measure: the child's own rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, code, usage.ru_maxrss // 1024


def corpus_cmd() -> list[str]:
    return [sys.executable, "-m", "pipeline", "check", "."]


def markdownlint(cwd: Path, out: Path) -> list[str] | None:
    if shutil.which("npx") is None or shutil.which("npm") is None:
        return None
    node = out / "node"
    binary = node / "node_modules" / ".bin" / "markdownlint-cli2"
    if not binary.exists():
        node.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["npm", "install", "--silent", "--prefix", str(node), "markdownlint-cli2"],
                           capture_output=True, text=True)
        if r.returncode != 0 or not binary.exists():
            print(f"markdownlint-cli2 could not be installed: {r.stderr.strip()[:200]}", file=sys.stderr)
            return None
    return [str(binary), "**/*.md"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--no-markdownlint", action="store_true")
    ap.add_argument("--markdownlint-max", type=int, default=10000,
                    help="skip markdownlint above this size (it takes ~2 min per 10k notes)")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CI", None)
    # Bytecode as an installed package has it: with PYTHONDONTWRITEBYTECODE
    # set (some containers set it), every run would compile the modules
    # edited since the last write, and a 0.3 s run would measure that.
    compileall.compile_dir(REPO / "pipeline", quiet=1)
    print(f"machine: {describe()}", flush=True)
    print(f"date: {time.strftime('%Y-%m-%d')}\n", flush=True)
    header = ("| notes | cold | warm | one note changed | one file | one edited file | peak RSS (MB) "
              "| markdownlint-cli2 | ratio |\n"
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = []
    for n in args.sizes:
        corpus = args.out / f"corpus-{n}"
        if not (corpus / "README.md").exists() or len(list(corpus.glob("*/*.md"))) < n:
            generate(corpus, n)
            # Fill the index READMEs once, untimed: the timed runs check a consistent corpus.
            subprocess.run([sys.executable, "-m", "pipeline", "build-index", "."], cwd=corpus, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(corpus / ".corpus_cache", ignore_errors=True)
        cold, code, rss = timed(corpus_cmd(), corpus, env)
        warm_runs = [timed(corpus_cmd(), corpus, env) for _ in range(5)]
        warm, rss2 = statistics.median(w for w, _, _ in warm_runs), max(r for _, _, r in warm_runs)
        target = corpus / note_path(n // 2)
        original = target.read_bytes()
        changed_runs = []
        for i in range(3):
            target.write_bytes(original + f"\n补充第 {i + 1} 句。\n".encode())
            changed_runs.append(timed(corpus_cmd(), corpus, env))
        changed, rss3 = statistics.median(w for w, _, _ in changed_runs), max(r for _, _, r in changed_runs)
        target.write_bytes(original)
        timed(corpus_cmd(), corpus, env)  # back to the committed state for the next runs
        one = [sys.executable, "-m", "pipeline", "check", str(target.relative_to(corpus))]
        single = statistics.median(timed(one, corpus, env)[0] for _ in range(5))
        # The pre-commit case proper: the one file was just edited.
        edited_runs = []
        for i in range(5):
            target.write_bytes(original + f"\n改动 {i + 1}。\n".encode())
            edited_runs.append(timed(one, corpus, env)[0])
        edited = statistics.median(edited_runs)
        target.write_bytes(original)
        timed(corpus_cmd(), corpus, env)
        ml_time = ratio = "—"
        cmd = None if args.no_markdownlint or n > args.markdownlint_max else markdownlint(corpus, args.out)
        if cmd is not None:
            ml, _, _ = timed(cmd, corpus)
            ml_time = f"{ml:.1f} s"
            ratio = f"{cold / ml:.2f}×"
        row = (f"| {n:,} | {cold:.1f} s | {warm:.2f} s | {changed:.2f} s | {single:.2f} s | {edited:.2f} s | "
               f"{max(rss, rss2, rss3)} | {ml_time} | {ratio} |")
        rows.append(row)
        print(f"{n} notes: exit {code}; {row}", flush=True)
    print("\n" + header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
