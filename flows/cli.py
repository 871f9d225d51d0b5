"""The ``cls-text`` command.

Every user error (bad file, bad config, bad codebook) is printed as its one-paragraph message
and the command exits with status 2; a traceback only ever means a bug in cls-text.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import flows  # noqa: F401  (sets the offline / no-telemetry environment first)
from cls_text.errors import ClsTextError
from flows.commands import register as register_commands

if TYPE_CHECKING:
    from cls_text.run.preflight import Preflight

app = typer.Typer(
    name="cls-text",
    help=(
        "Turn free-text survey feedback into themed, evidence-backed datasets, locally and "
        "offline. Run 'cls-text COMMAND --help' for the options of each command."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

register_commands(app)

#: The demo's programme: its own store, so a user's survey is never compared with the samples.
DEMO_PROGRAMME = "cls-demo"

SAMPLE_WAVES = (
    ("data/raw/2026-spring", "data/configs/spring_2026.yaml", "2026-W1"),
    ("data/raw/2026-autumn", "data/configs/autumn_2026.yaml", "2026-W2"),
)


#: The one line a run stopped by Ctrl-C prints (staging is removed before it is printed).
INTERRUPTED = "interrupted: nothing published, previous outputs unchanged"


def _fail(err: BaseException) -> None:
    typer.secho(f"\nError: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _interrupted() -> None:
    """Ctrl-C: one line and the shell's status for SIGINT (128 + 2), no traceback."""
    typer.echo(f"\n{INTERRUPTED}", err=True)
    raise typer.Exit(code=130)


def _preflight(inputs: list[Path], wave: str | None, **options: object) -> Preflight:
    """Check every input a user gave before Prefect or a model loads (a few seconds)."""
    from cls_text.run.preflight import preflight

    try:
        pf = preflight([str(p) for p in inputs], wave=wave, **options)  # type: ignore[arg-type]
    except ClsTextError as err:
        _fail(err)
    for name, notes in pf.notes.items():
        for note in notes:
            typer.echo(f"{name}: {note}")
    if pf.store_dir is not None:
        against = (
            "no comparison"
            if not pf.compare
            else f"compared with {pf.compare_with}"
            if pf.compare_with
            else "compared with its earlier waves"
        )
        typer.echo(f"Programme '{pf.programme}': store {pf.store_dir}/ ({against}).")
    return pf


def _accepted(flow: Callable[..., Any], options: dict[str, object]) -> dict[str, object]:
    """The options the flow takes (the comparison options are new; older flows lack them)."""
    import inspect

    params = inspect.signature(getattr(flow, "fn", flow)).parameters
    return {k: v for k, v in options.items() if k in params}


def _run_wave(
    pf: Preflight,
    inputs: list[str],
    wave: str | None,
    out_dir: str | None,
    config: str | None,
    codebook: str | None,
    models_dir: str,
    task_runner: str = "default",
    dask_address: str | None = None,
    **options: object,
) -> Path:
    from functools import partial

    from prefect import tags

    from flows.tempserver import launch_temporary_server

    # The server boots on the other core while the pipeline's libraries import below.
    launch_temporary_server()
    from flows.runners import run_on_runner
    from flows.startup import call_flow, quiet_prefect_tracebacks
    from flows.wave import process_wave

    quiet_prefect_tracebacks()
    compare = {"compare": pf.compare, "compare_with": pf.compare_with}
    # Run tags: the documented failure automation filters on 'cls-text'.
    run_tags = ["cls-text", f"programme:{pf.programme}", *([f"wave:{wave}"] if wave else [])]
    with tags(*run_tags):
        out = call_flow(
            partial(
                run_on_runner,
                process_wave,
                task_runner="dask" if task_runner == "dask" else "default",
                dask_address=dask_address,
            ),
            on_retry=_say_retrying,
            inputs=inputs,
            wave=wave,
            out_dir=out_dir,
            config=config,
            codebook=codebook,
            models_dir=models_dir,
            store_dir=str(pf.store_dir) if pf.store_dir else None,
            **options,  # type: ignore[arg-type]
            **_accepted(process_wave, compare),  # type: ignore[arg-type]
        )
    return Path(out)


def _say_retrying() -> None:
    typer.echo("Prefect's temporary server was slow to start; trying once more ...", err=True)


def _print_outputs(out: Path) -> None:
    import json

    from cls_text.run.manifest import console_summary

    manifest = out / "manifest.json"
    lines = console_summary(json.loads(manifest.read_text("utf-8"))) if manifest.is_file() else []
    if lines:
        typer.echo("\n" + "\n".join(lines))
    typer.echo(f"\nOutputs for this wave are in {out}/")
    for name in sorted(p.name for p in out.iterdir() if not p.name.startswith(".")):
        typer.echo(f"  {out / name}")


@app.command()
def run(
    inputs: Annotated[list[Path], typer.Argument(help="Survey export files or folders of them.")],
    wave: Annotated[str | None, typer.Option(help="Wave label, e.g. 2026-W3.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML mapping your export's columns (see user guide).")
    ] = None,
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook YAML; default: the CLS codebook.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Output folder; default data/processed/<wave>/.")
    ] = None,
    models_dir: Annotated[Path, typer.Option(help="Where trained models live.")] = Path("models"),
    store_dir: Annotated[
        Path, typer.Option(help="Folder of the stores, one per programme (for trends).")
    ] = Path("data/store"),
    programme: Annotated[
        str | None,
        typer.Option(help="Survey programme id (overrides the config's 'programme:')."),
    ] = None,
    compare_with: Annotated[
        str | None, typer.Option(help="Compare with this earlier wave of the programme.")
    ] = None,
    compare: Annotated[
        bool | None,
        typer.Option("--compare/--no-compare", help="Compare with earlier waves (default: yes)."),
    ] = None,
    coded_dir: Annotated[
        Path, typer.Option(help="Reviewers' decisions (for agreement figures).")
    ] = Path("data/coded"),
    topics: Annotated[bool, typer.Option(help="Discover emergent topics.")] = True,
    report: Annotated[bool, typer.Option(help="Write the report and review files.")] = True,
    xlsx_max_rows: Annotated[
        int, typer.Option(min=0, help="Write tagged.xlsx for waves up to this many rows.")
    ] = 100_000,
    task_runner: Annotated[
        str, typer.Option(help="'default' (one process) or 'dask' (chunks tagged in parallel).")
    ] = "default",
    dask_address: Annotated[
        str | None, typer.Option(help="Existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help="Deprecated, no effect: every run now reads, tags and writes in chunks with "
            "bounded memory.",
            hidden=True,
        ),
    ] = False,
) -> None:
    """Process one survey wave: ingest, validate, redact, tag, find topics, write and report."""
    _check_runner(task_runner, dask_address)
    if stream:
        typer.echo("--stream is no longer needed (every run is chunked) and will be removed.")
    pf = _preflight(
        inputs,
        wave,
        config=config,
        codebook=codebook,
        store_root=store_dir,
        programme=programme,
        compare=compare,
        compare_with=compare_with,
    )
    try:
        out = _run_wave(
            pf,
            [str(p) for p in inputs],
            wave,
            str(out_dir) if out_dir else None,
            str(config) if config else None,
            str(codebook) if codebook else None,
            str(models_dir),
            task_runner=task_runner,
            dask_address=dask_address,
            coded_dir=str(coded_dir),
            topics=topics,
            report=report,
            xlsx_max_rows=xlsx_max_rows,
        )
    except ClsTextError as err:
        _fail(err)
    except KeyboardInterrupt:
        _interrupted()
    _print_outputs(out)


@app.command()
def demo(
    out_root: Annotated[Path, typer.Option(help="Where the sample waves' outputs go.")] = Path(
        "data/processed"
    ),
    store_dir: Annotated[
        Path, typer.Option(help="Folder of the stores; the demo uses its own programme.")
    ] = Path("data/store"),
) -> None:
    """Run the bundled synthetic sample waves (spring and autumn 2026) end to end."""
    started = time.perf_counter()
    outs = []
    for folder, config, wave in SAMPLE_WAVES:
        if not Path(folder).exists():
            _fail(
                ClsTextError(
                    f"Sample wave folder '{folder}' not found: run from the repository root."
                )
            )
        pf = _preflight(
            [Path(folder)], wave, config=config, store_root=store_dir, programme=DEMO_PROGRAMME
        )
        typer.echo(f"Processing sample wave {wave} from {folder} ...")
        try:
            outs.append(_run_wave(pf, [folder], wave, str(out_root / wave), config, None, "models"))
        except ClsTextError as err:
            _fail(err)
        except KeyboardInterrupt:
            _interrupted()
    typer.echo(f"\nDone in {time.perf_counter() - started:.0f} s.")
    for out in outs:
        _print_outputs(out)


@app.command("tag")
def tag_file(
    input: Annotated[Path, typer.Argument(help="A CSV/XLSX/JSON file of quotes.")],
    text_column: Annotated[str, typer.Option(help="Column holding the quote text.")] = "text",
    id_column: Annotated[str, typer.Option(help="Column holding a unique quote id.")] = "id",
    out: Annotated[Path, typer.Option(help="Output CSV (or .xlsx / .parquet).")] = Path(
        "tagged.csv"
    ),
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook YAML; default: the CLS codebook.")
    ] = None,
    tagger: Annotated[
        str, typer.Option(help="auto, rules, default, accurate, zeroshot or supervised.")
    ] = "auto",
    no_redact: Annotated[
        bool, typer.Option("--no-redact", help="Keep personal data (not recommended).")
    ] = False,
) -> None:
    """Tag any file of quotes and write themes, 0/1 columns, scores, stance and evidence."""
    from cls_text.run.adhoc import tag_quotes_file

    try:
        path = tag_quotes_file(
            input,
            text_column=text_column,
            id_column=id_column,
            out=out,
            codebook=codebook,
            tagger=tagger,
            redact=not no_redact,
        )
    except ClsTextError as err:
        _fail(err)
    typer.echo(f"Wrote {path}")


def _check_runner(task_runner: str, dask_address: str | None) -> None:
    """Stop with a clear message for an unknown runner or an address without Dask."""
    if task_runner not in ("default", "dask"):
        _fail(ClsTextError(f"--task-runner must be 'default' or 'dask', got '{task_runner}'."))
    if dask_address and task_runner != "dask":
        _fail(ClsTextError("--dask-address needs --task-runner dask."))


@app.command()
def serve(
    config: Annotated[
        Path, typer.Argument(help="Serve YAML: programmes (cron) and the incoming watcher.")
    ],
) -> None:
    """Serve scheduled wave runs and the incoming-folder watcher until stopped (Ctrl-C).

    Uses the Prefect server at PREFECT_API_URL, or starts one on 127.0.0.1 and stops it on exit.
    """
    from flows.serve import serve as serve_deployments

    try:
        serve_deployments(config)
    except ClsTextError as err:
        _fail(err)
    except RuntimeError as err:  # the local server did not start
        _fail(ClsTextError(str(err)))


def main() -> None:
    """Entry point of the ``cls-text`` console script.

    After Ctrl-C the run has already removed its staging folder and printed its one line;
    the process then leaves at once (:func:`_leave_now`) rather than spend seconds tearing
    down the interpreter.
    """
    try:
        app()
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED, err=True)
        _leave_now(130)
    except SystemExit as done:
        if done.code == 130:
            _leave_now(130)
        if done.code in (0, None):
            _leave_if_a_flow_ran()
        raise
    _leave_if_a_flow_ran()


def _leave_if_a_flow_ran() -> None:
    """After a command that ran a flow and worked: leave at once (everything it wrote is closed)."""
    if "flows.tempserver" in sys.modules:
        _leave_now(0, drain=True)


def _leave_now(code: int, *, drain: bool = False) -> None:
    """Stop the temporary Prefect server (if any), flush the terminal and exit with ``code``.

    After a run that worked (``drain``), Prefect's last logs and events are sent to its server
    first, so the run's record there is whole; what is skipped is the interpreter's tear-down
    of the loaded libraries and the wait for the server to stop (about 3 s on 2 cores, of a
    10k-answer wave's 40). The outputs were closed and published before.
    """
    import os

    if drain:
        from flows.startup import drain_prefect

        drain_prefect()
    if "flows.tempserver" in sys.modules:
        from flows.tempserver import signal_temporary_server

        signal_temporary_server()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
