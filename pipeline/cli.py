"""The command line: the only module that prints or exits.

Exit codes (a public contract): 0 no error-severity finding; 1 findings;
2 usage or configuration error (one line, no traceback); 3 internal error
(traceback, please report).
"""

from __future__ import annotations

import difflib
import sys
import traceback
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline import __version__
from pipeline.errors import CorpusError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


def _guard(func: F) -> F:
    """Turn user errors into exit 2 and bugs into exit 3 with a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CorpusError as exc:
            click.echo(f"corpus: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("corpus: interrupted", err=True)
            sys.exit(130)
        except Exception:  # noqa: BLE001 - the one place bugs become exit 3
            click.echo(traceback.format_exc(), err=True)
            click.echo(f"corpus {__version__}: internal error; please report it with the traceback above.", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _exit_on_sigterm() -> None:
    """Let SIGTERM (a hook runner's timeout) unwind like Ctrl-C, so a write in
    progress completes or is cleaned up instead of leaving a temporary file."""
    import signal

    if hasattr(signal, "SIGTERM"):
        try:
            signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(128 + signal.SIGTERM))
        except ValueError:  # not the main thread (an embedding program): leave its handlers alone
            pass


def _config(config_path: Path | None, paths: Sequence[Path], memo: bool = False):  # type: ignore[no-untyped-def]
    from pipeline.config import load_config

    start = paths[0] if paths else Path.cwd()
    start = start if start.is_dir() else start.parent
    if not start.exists():
        start = Path.cwd()
    return load_config(config_path, start, memo=memo)


def _keep_models(config: Any) -> None:
    """Let the encoding repair keep its built language model in the
    project's cache (a damaged note then costs ~0.2 s of model, not ~2.7 s);
    written only when a repair first needs the model."""
    from pipeline.cache import Cache
    from pipeline.encoding import keep_models_in

    keep_models_in(Cache(config.project_dir / ".corpus_cache", "models"))


def _write(path: Path, data: bytes, digest: str, display: str) -> bool:
    """Write a fixed or regenerated file atomically; on failure say why (the
    file is left as it was) and return False."""
    from pipeline.fixer import WriteError, write_atomic

    try:
        write_atomic(path, data, digest)
    except WriteError as exc:
        click.echo(f"{display}: {exc}", err=True)
        return False
    return True


def _codes(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip().upper() for v in value.split(",") if v.strip())
    return out


_config_option = click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                              help="pyproject.toml to read [tool.corpus] from (default: the nearest one).")
_select_option = click.option("--select", multiple=True, help="Only these rule codes or prefixes (comma-separated).")
_ignore_option = click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpus")
def cli() -> None:
    """corpus: lint, repair and index a Chinese Markdown knowledge base."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default="text",
              show_default=True, help="Output format.")
@_select_option
@_ignore_option
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for per-note work [default: number of cores].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .corpus_cache/.")
@click.option("--online", is_flag=True, help="Also request external links over the network (LNK014).")
@_config_option
@_guard
def check(paths: tuple[Path, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...], statistics: bool,
          quiet: bool, exit_zero: bool, jobs: int | None, no_cache: bool, online: bool,
          config_path: Path | None) -> None:
    """Check notes: files and folders (default: the configured corpus root)."""
    import os

    from pipeline.cache import Cache
    from pipeline.report import render
    from pipeline.runner import Checker

    config = _config(config_path, paths, memo=not no_cache)
    targets = list(paths) or [config.root]
    sel, ign = _codes(select), _codes(ignore)
    # Network answers must not be replayed from the result cache: links.json has its own expiry.
    online = online or config.settings.links.online
    cache = None if (no_cache or online) else Cache(config.project_dir / ".corpus_cache",
                                                    f"{config.fingerprint}|{sel}|{ign}")
    checker = Checker(config, sel, ign, jobs=jobs or os.cpu_count() or 1, cache=cache)
    if not no_cache:
        _keep_models(config)
    if online:
        from pipeline.rules.links import ONLINE_FLAG

        checker.ctx.cache[ONLINE_FLAG] = True
    result = _with_progress(lambda progress: checker.check_paths(targets, progress=progress))
    click.echo(render(result.diagnostics, fmt, files=result.files_checked, statistics=statistics, quiet=quiet),
               nl=False)
    sys.exit(EXIT_FINDINGS if result.errors and not exit_zero else EXIT_OK)


def _with_progress(run: Callable[[Callable[[int], None] | None], Any]) -> Any:
    """A progress bar on an interactive terminal, for runs long enough to want
    one; never in CI or when stderr is not a terminal."""
    import os
    import threading

    if os.environ.get("CI") or not sys.stderr.isatty():
        return run(None)
    state = {"done": 0}
    bar: list[Any] = []
    started = threading.Event()

    def progress(n: int) -> None:
        state["done"] += n
        if bar:
            bar[0].update(n)

    def show() -> None:
        # Appear only after a second: short runs stay silent.
        if not started.wait(1.0):
            b = click.progressbar(length=None, label="checking", file=sys.stderr, show_pos=True)
            b.__enter__()
            b.update(state["done"])
            bar.append(b)

    timer = threading.Thread(target=show, daemon=True)
    timer.start()
    try:
        return run(progress)
    finally:
        started.set()
        timer.join()
        if bar:
            bar[0].__exit__(None, None, None)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the fixes; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change meaning.")
@_select_option
@_ignore_option
@click.option("--quiet", "-q", is_flag=True, help="Print remaining findings only, no summary.")
@_config_option
@_guard
def fix(paths: tuple[Path, ...], show_diff: bool, unsafe_fixes: bool, select: tuple[str, ...],
        ignore: tuple[str, ...], quiet: bool, config_path: Path | None) -> None:
    """Apply safe fixes in place, then report what is left."""
    from pipeline.corpus import discover
    from pipeline.document import lighten
    from pipeline.fixer import fix_loaded
    from pipeline.report import render
    from pipeline.runner import Checker, fewer_collections

    config = _config(config_path, paths)
    targets = list(paths) or [config.root]
    checker = Checker(config, _codes(select), _codes(ignore))
    _keep_models(config)
    files, _problems = discover(targets, config, checker.corpus)
    _exit_on_sigterm()
    fixed = 0
    failed = False
    with fewer_collections():
        for sf in files:
            loaded = checker.load(sf)
            written = False
            try:
                outcome = fix_loaded(checker, loaded, unsafe=unsafe_fixes)
                display = checker.display(sf.abspath)
                if outcome.error:
                    click.echo(f"{display}: {outcome.error}", err=True)
                    failed = True
                    continue
                if not outcome.changed or outcome.new_data is None:
                    continue
                if show_diff:
                    old = loaded.document.text if loaded.document else ""
                    new = outcome.new_text or ""
                    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                                fromfile=f"a/{display}", tofile=f"b/{display}")
                    click.echo("".join(diff), nl=False)
                    if outcome.new_text == old:
                        click.echo(f"{display}: encoding changes to UTF-8 (text unchanged)")
                    fixed += 1
                    continue
                if not _write(sf.abspath, outcome.new_data, loaded.digest, display):
                    failed = True
                    continue
                fixed += 1
                written = True
                if sf.inside_root:
                    checker.corpus.forget(sf.rel)  # re-read the fixed file below
            finally:
                if not written and sf.inside_root and loaded.document is not None:
                    # Kept light from here on, as a check keeps notes: later
                    # notes' rules may still ask for it, and holding every
                    # parsed note of a 10k corpus took over a GB.
                    checker.corpus.install(sf.rel, lighten(loaded.document), loaded.digest)
    if show_diff:
        if not quiet:
            click.echo(f"{fixed} file{'s' if fixed != 1 else ''} would be changed.", err=True)
        sys.exit(EXIT_FINDINGS if fixed else EXIT_OK)
    result = Checker(config, _codes(select), _codes(ignore)).check_paths(targets)
    out = render(result.diagnostics, "text", files=result.files_checked, quiet=quiet)
    if not quiet:
        out = f"Fixed {fixed} file{'s' if fixed != 1 else ''}.\n" + out
    click.echo(out, nl=False)
    sys.exit(EXIT_FINDINGS if (result.errors or failed) else EXIT_OK)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard
def rules(fmt: str) -> None:
    """List every rule: code, name, default severity, fixable, summary."""
    import json

    from pipeline.rules import all_rules

    items = all_rules()
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.value, "fixable": r.fixable,
                                "summary": r.summary} for r in items], ensure_ascii=False, indent=2))
        return
    for r in items:
        fixmark = "fix" if r.fixable else "   "
        click.echo(f"{r.code:<8}{r.name:<34}{r.severity.value:<9}{fixmark}  {r.summary}")


@cli.command()
@click.argument("code")
@_guard
def explain(code: str) -> None:
    """Print the documentation of one rule."""
    from pipeline.rules import all_rules, get_rule

    rule = get_rule(code)
    if rule is None:
        codes = [r.code for r in all_rules()]
        close = difflib.get_close_matches(code.upper(), codes, n=1)
        hint = f"; did you mean {close[0]}?" if close else "; `corpus rules` lists them"
        raise CorpusError(f"no rule with code {code!r}{hint}")
    click.echo(f"# {rule.code} ({rule.name})\n\n{rule.summary}.\n\nDefault severity: {rule.severity.value}."
               f"{' Fixable.' if rule.fixable else ''}\n\n{rule.explain()}")


@cli.command("build-index")
@click.argument("root", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 with a diff if an index README is out of date.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the changes; write nothing.")
@_config_option
@_guard
def build_index(root: Path | None, check: bool, show_diff: bool, config_path: Path | None) -> None:
    """Regenerate the marked blocks of the index READMEs from the notes' front-matter.

    ROOT is the corpus folder (default: the configured root).  Only the text
    between <!-- corpus:index:start … --> and <!-- corpus:index:end … --> changes.
    """
    import os

    from pipeline.index import build, out_of_date_summary

    config = _config(config_path, [root] if root else [])
    if root is not None:
        import dataclasses

        from pipeline.config import Config

        config = Config(dataclasses.replace(config.settings, root=str(root.resolve())), config.project_dir,
                        config.source)
    if not config.root.is_dir():
        raise CorpusError(f"corpus root {config.root} is not a folder: pass ROOT or set [tool.corpus] root")
    from pipeline.runner import fewer_collections

    with fewer_collections():
        result = build(config)
    failed = False
    changed = 0
    for out in result.outputs:
        display = Path(os.path.relpath(out.abspath, Path.cwd())).as_posix()
        for problem in out.problems:
            click.echo(f"{display}: {problem}", err=True)
        failed |= out.error
        if not out.changed or out.new_data is None:
            continue
        changed += 1
        if check or show_diff:
            if check:
                assert out.result is not None
                click.echo(f"{display}: index is out of date ({out_of_date_summary(out.result)}); "
                           "run corpus build-index", err=True)
            click.echo(out.diff(display), nl=False)
            continue
        if not _write(out.abspath, out.new_data, out.digest, display):
            failed = True
            continue
        click.echo(f"updated {display}")
    verb = "would be updated" if check or show_diff else "updated"
    click.echo(f"{changed} index file{'s' if changed != 1 else ''} {verb}, "
               f"{len(result.outputs) - changed} unchanged.", err=True)
    sys.exit(EXIT_FINDINGS if failed or (check and changed) else EXIT_OK)


@cli.command()
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 with a diff if schemas/ is not what the models generate.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write into (default: schemas/ beside pyproject.toml).")
@_config_option
@_guard
def schema(check_only: bool, out_dir: Path | None, config_path: Path | None) -> None:
    """Write the JSON Schema of each doc type's front-matter to schemas/<type>.schema.json."""
    from pipeline.schema import schema_files

    config = _config(config_path, [])
    folder = out_dir if out_dir is not None else config.project_dir / "schemas"
    files = schema_files(folder)
    stale = [f for f in files if f.stale]
    if check_only:
        for f in stale:
            name = f.path.name
            diff = difflib.unified_diff((f.current or "").splitlines(keepends=True),
                                        (f.wanted or "").splitlines(keepends=True),
                                        fromfile=f"a/{name}" if f.current is not None else "/dev/null",
                                        tofile=f"b/{name}" if f.wanted is not None else "/dev/null")
            click.echo("".join(diff), nl=False)
        if stale:
            click.echo(f"{len(stale)} schema file{'s are' if len(stale) != 1 else ' is'} stale in {folder}; "
                       "run `corpus schema` (or `make schemas`) and commit the result.", err=True)
            sys.exit(EXIT_FINDINGS)
        click.echo(f"{len(files)} schema files in {folder} are up to date.")
        return
    folder.mkdir(parents=True, exist_ok=True)
    for f in stale:
        if f.wanted is None:
            f.path.unlink()
            click.echo(f"removed {f.path}")
        else:
            f.path.write_text(f.wanted, encoding="utf-8", newline="\n")
            click.echo(f"wrote {f.path}")
    if not stale:
        click.echo(f"{len(files)} schema files in {folder} are up to date.")


def _never_fail_to_print() -> None:
    """Escape what the terminal's encoding cannot show (a GBK or Latin-1
    console, a heading with an emoji) instead of dying with exit 3."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a stream already in use in another way: leave it
                pass


def main(argv: Sequence[str] | None = None) -> int:
    _never_fail_to_print()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="corpus", standalone_mode=False)
    except click.exceptions.NoSuchOption as exc:
        exc.show()
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("corpus: aborted", err=True)
        return 130
    except KeyboardInterrupt:  # Ctrl-C outside a command (while parsing arguments)
        click.echo("corpus: interrupted", err=True)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    return EXIT_OK
