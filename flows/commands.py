"""The ``cls-text`` commands for models, reviews, codebooks and QDA exchange.

Each command is a thin wrapper: parse options, call one ``cls_text`` function, print its result.
User errors print as one paragraph and exit with status 2 (see ``flows/cli.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from cls_text.errors import ClsTextError

review_app = typer.Typer(help="Review queues: import reviewers' decisions.", no_args_is_help=True)
codebook_app = typer.Typer(help="Check codebooks and compare versions.", no_args_is_help=True)
qda_app = typer.Typer(
    help="Exchange coded quotes with NVivo, ATLAS.ti, MAXQDA, QualCoder (REFI-QDA .qdpx).",
    no_args_is_help=True,
)

cache_app = typer.Typer(help="The run caches kept under data/cache/.", no_args_is_help=True)

CodebookOpt = Annotated[Path | None, typer.Option(help="Codebook YAML; default: the CLS codebook.")]
ModelsOpt = Annotated[Path, typer.Option(help="Where trained models live.")]
CodedOpt = Annotated[Path, typer.Option(help="The coded-examples store (reviewers' decisions).")]


def _fail(err: BaseException) -> None:
    typer.secho(f"\nError: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _run_import(do_import: Callable[[], Any]) -> None:
    """Run an import of reviewers' decisions: print a user error, or describe what was added.

    The review-file and the REFI-QDA imports end the same way, so they end here.
    """
    try:
        result = do_import()
    except ClsTextError as err:
        _fail(err)
    typer.echo(_describe_import(result))


def _describe_import(result: object) -> str:
    if getattr(result, "already_imported", False):
        return f"{getattr(result, 'path', '')} was imported before: nothing added."
    return (
        f"Added {getattr(result, 'n_added', 0)} decision(s) on "
        f"{getattr(result, 'n_reviewed', 0)} reviewed quote(s) by "
        f"{', '.join(getattr(result, 'reviewers', ())) or 'unknown'} "
        f"(wave {getattr(result, 'wave', '') or '-'}) from {getattr(result, 'path', '')}."
    )


def train(
    coded: Annotated[Path, typer.Argument(help="Coded CSV: text (+question) and theme columns.")],
    name: Annotated[str, typer.Option(help="Model name, saved under models/<name>/.")],
    codebook: CodebookOpt = None,
    models_dir: ModelsOpt = Path("models"),
    from_scratch: Annotated[
        bool,
        typer.Option(help="Train a plain supervised tagger instead of building on the default."),
    ] = False,
) -> None:
    """Learn from coded quotes on top of the tagger in use, and save it with its model card.

    Per theme, the coded quotes replace the default's decision only where they have enough
    positives and do better in cross-validation; every other theme is tagged as before.
    """
    from cls_text.tag.supervised import train_from_file
    from cls_text.tag.train_file import adapt_from_file

    trainer = train_from_file if from_scratch else adapt_from_file
    try:
        card = trainer(coded, codebook, name, models_dir)
    except ClsTextError as err:
        _fail(err)
    typer.echo(f"Saved model '{name}' {card.get('version')} under {models_dir / name}/")
    adapted = card.get("adapted") or {}
    if adapted:
        learnt = [t for t, e in adapted.items() if e.get("decision") == "adapted"]
        typer.echo(
            f"Built on the {card.get('built_on')} tagger; learnt from your codes for: "
            + (", ".join(learnt) if learnt else "no theme yet (the default is kept for all)")
        )
    minimum = card.get("min_examples", 5)
    too_few = card.get("too_few_examples") or []
    if too_few:
        typer.echo(
            f"Too few coded examples to learn (code more, at least {minimum} each): "
            + ", ".join(too_few)
        )
    cv = (card.get("cv_metrics") or {}).get("micro_f1")
    if cv is not None:
        typer.echo(f"Cross-validated micro-F1 on the training data: {cv:.3f}")


def evaluate(
    coded: Annotated[Path, typer.Argument(help="Coded CSV to score the model on.")],
    model: Annotated[str, typer.Option(help="Model name under models/.")],
    codebook: CodebookOpt = None,
    models_dir: ModelsOpt = Path("models"),
    out: Annotated[Path, typer.Option(help="Where to write the figures as JSON.")] = Path(
        "evaluation.json"
    ),
) -> None:
    """Print per-theme precision/recall/F1 and kappa of a model, and write them as JSON."""
    from cls_text.review.evaluate import evaluate_file, format_report

    try:
        metrics = evaluate_file(coded, model, models_dir, codebook_path=codebook, out=out)
    except ClsTextError as err:
        _fail(err)
    typer.echo(format_report(metrics))
    typer.echo(f"\nWrote {out}")


@review_app.command("import")
def review_import(
    file: Annotated[Path, typer.Argument(help="A filled-in review.xlsx or review.csv.")],
    codebook: CodebookOpt = None,
    coded_dir: CodedOpt = Path("data/coded"),
    wave: Annotated[str | None, typer.Option(help="Wave the review belongs to.")] = None,
) -> None:
    """Validate a filled-in review and add its decisions to the coded-examples store."""
    from cls_text.codebook.model import load_codebook
    from cls_text.review.queue import import_review

    _run_import(lambda: import_review(file, load_codebook(codebook), coded_dir, wave=wave))


@codebook_app.command("check")
def codebook_check(
    file: Annotated[Path | None, typer.Argument(help="Codebook YAML (default: CLS).")] = None,
) -> None:
    """Lint a codebook: overlapping terms, themes without terms or examples, bad ids."""
    from cls_text.codebook.model import load_codebook
    from cls_text.codebook.versions import check_codebook

    try:
        issues = check_codebook(load_codebook(file))
    except ClsTextError as err:
        _fail(err)
    for issue in issues:
        typer.echo(str(issue))
    errors = [i for i in issues if getattr(i, "level", "") == "error"]
    typer.echo(f"{len(issues)} issue(s), {len(errors)} error(s).")
    if errors:
        raise typer.Exit(code=1)


@codebook_app.command("diff")
def codebook_diff(
    old: Annotated[Path, typer.Argument(help="The earlier codebook YAML.")],
    new: Annotated[Path, typer.Argument(help="The later codebook YAML.")],
) -> None:
    """Show what changed between two codebook versions (themes, terms, change log)."""
    from cls_text.codebook.model import load_codebook
    from cls_text.codebook.versions import diff_codebooks, format_diff

    try:
        typer.echo(format_diff(diff_codebooks(load_codebook(old), load_codebook(new))))
    except ClsTextError as err:
        _fail(err)


@qda_app.command("export")
def qda_export(
    tagged: Annotated[Path, typer.Argument(help="A wave's tagged.parquet.")],
    out: Annotated[Path, typer.Option(help="The .qdpx file to write.")] = Path("wave.qdpx"),
    codebook: CodebookOpt = None,
) -> None:
    """Export a wave's coded quotes as a REFI-QDA project (.qdpx)."""
    import pandas as pd

    from cls_text.codebook.model import load_codebook
    from cls_text.review.qda import export_qdpx

    try:
        path = export_qdpx(pd.read_parquet(tagged), load_codebook(codebook), out)
    except ClsTextError as err:
        _fail(err)
    typer.echo(f"Wrote {path}")


@qda_app.command("import")
def qda_import(
    file: Annotated[Path, typer.Argument(help="A .qdpx project coded in a QDA tool.")],
    reviewer: Annotated[str, typer.Option(help="Who coded it.")],
    codebook: CodebookOpt = None,
    coded_dir: CodedOpt = Path("data/coded"),
    wave: Annotated[str | None, typer.Option(help="Wave the codings belong to.")] = None,
) -> None:
    """Import codings from a .qdpx project into the coded-examples store."""
    from cls_text.codebook.model import load_codebook
    from cls_text.review.qda import import_qdpx

    _run_import(
        lambda: import_qdpx(file, load_codebook(codebook), coded_dir, reviewer=reviewer, wave=wave)
    )


def retrain(
    name: Annotated[str, typer.Option(help="Model name under models/.")],
    codebook: CodebookOpt = None,
    models_dir: ModelsOpt = Path("models"),
    coded_dir: CodedOpt = Path("data/coded"),
    max_drop: Annotated[
        float, typer.Option(help="Promote unless macro-F1 drops by more than this.")
    ] = 0.02,
) -> None:
    """Train a new model version from reviewed quotes; promote it only if it is not worse."""
    from flows.retrain import retrain_model

    try:
        summary = retrain_model(
            name=name,
            codebook=str(codebook) if codebook else None,
            models_dir=str(models_dir),
            coded_dir=str(coded_dir),
            max_drop=max_drop,
        )
    except ClsTextError as err:
        _fail(err)
    typer.echo(json.dumps(summary, indent=2, default=str))


@cache_app.command("clear")
def cache_clear(
    root: Annotated[Path, typer.Option(help="The cache folder.")] = Path("data/cache"),
) -> None:
    """Remove resumable step results and cached sentence vectors (both hold redacted answers)."""
    from cls_text.run.cache import clear_caches

    removed = clear_caches(root)
    typer.echo("\n".join(f"removed {p}" for p in removed) or f"nothing to remove under {root}")


def register(app: typer.Typer) -> None:
    """Add these commands to the main ``cls-text`` app."""
    app.command()(train)
    app.command()(evaluate)
    app.command()(retrain)
    app.add_typer(review_app, name="review")
    app.add_typer(codebook_app, name="codebook")
    app.add_typer(qda_app, name="qda")
    app.add_typer(cache_app, name="cache")
