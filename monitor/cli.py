"""The `deportwatch` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.exc import DBAPIError

from monitor.config import config_path, load_config, load_settings, redacted
from monitor.errors import ConfigError, DeportwatchError
from monitor.logs import setup_logging
from monitor.runtime import Runtime, open_runtime

app = typer.Typer(help="Watch the news for U.S. third-country deportation developments.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
config_app = typer.Typer(help="Check or show the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
sources_app = typer.Typer(help="Configured sources and their health.", no_args_is_help=True)
model_app = typer.Typer(help="The relevance model.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(sources_app, name="sources")
app.add_typer(model_app, name="model")


def _register_alerts() -> None:
    from monitor.cli_alerts import app as alerts_app

    app.add_typer(alerts_app, name="alerts")


_register_alerts()

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config (default: $DEPORTWATCH_CONFIG, "
                                                 "./deportwatch.yaml, then the shipped default).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _settings() -> Any:
    """Process settings, or exit 2 naming the environment variable that is wrong."""
    try:
        return load_settings()
    except ConfigError as e:
        for p in e.problems:
            typer.echo(f"setting error: {p.where}: {p.message}", err=True)
        raise typer.Exit(2) from None


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _db_secrets(settings: Any) -> list[str]:
    from sqlalchemy.engine import make_url

    password = make_url(settings.database_url.get_secret_value()).password
    return [str(password)] if password else []


@contextmanager
def runtime(config: Path | None, *, migrate: bool = True, log_level: str | None = None) -> Iterator[Runtime]:
    """Open the runtime, turning bad configuration into exit code 2 with every problem listed."""
    settings = _settings()
    try:
        rt = open_runtime(settings, config, migrate=migrate)
    except ConfigError as e:
        for p in e.problems:
            typer.echo(f"config error: {p}", err=True)
        raise typer.Exit(2) from None
    except DeportwatchError as e:
        fail(str(e))
    except DBAPIError as e:
        from alerts.redact import redact

        first = str(e.orig or e).strip().splitlines()[0] if str(e.orig or e).strip() else type(e).__name__
        fail(f"cannot reach the database: {redact(first, _db_secrets(settings))}")
    setup_logging(log_level or settings.log_level, settings.log_format, rt.secrets())
    try:
        yield rt
    finally:
        rt.close()


@app.command()
def run(
    config: ConfigOpt = None,
    log_format: Annotated[str | None, typer.Option("--log-format", help="text or json")] = None,
) -> None:
    """Run the daemon: scheduled crawls, classification, alerts. Stops cleanly on SIGTERM."""
    from monitor.daemon import run_daemon

    if log_format:
        import os

        os.environ["DEPORTWATCH_LOG_FORMAT"] = log_format
    with runtime(config) as rt:
        code = run_daemon(rt)
    raise typer.Exit(code)


@app.command()
def crawl(
    config: ConfigOpt = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    dispatch: Annotated[bool, typer.Option(help="Send due alerts after the crawl.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Crawl every enabled source (or the given ones) once, now."""
    from monitor.oneshot import crawl_once

    with runtime(config) as rt:
        wanted = [s for s in rt.config.sources if s.enabled and (not source or s.id in source)]
        unknown = set(source or ()) - {s.id for s in rt.config.sources}
        if unknown:
            fail(f"unknown source id(s): {', '.join(sorted(unknown))}", 2)
        report = crawl_once(rt, wanted, dispatch=dispatch, progress=not as_json and sys.stderr.isatty())
    if as_json:
        emit(report)
    else:
        for o in report["sources"]:
            status = f"error: {o['error']}" if o["error"] else "ok"
            typer.echo(f"{o['source_id']:<32} {o['seconds']:6.1f}s  {status}")
        typer.echo(f"articles: {report['articles']}  relevant: {report['relevant']}  "
                   f"new developments: {report['new_developments']}  alerts sent: {report['alerts_sent']}")


@app.command()
def classify(
    file: Annotated[str, typer.Argument(help="A text file (first line = title) or - for standard input.")],
    as_json: JsonOpt = False,
    title: Annotated[str | None, typer.Option(help="Title, if the file holds only the body.")] = None,
) -> None:
    """Classify one article and explain the decision."""
    from monitor.classify import classify as run_classifier

    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as e:
        fail(f"{file}: {e.strerror or e}", 2)
    head, _, body = raw.strip().partition("\n")
    if title is None:
        title, text = (head, body) if body and len(head) < 300 else ("", raw)
    else:
        text = raw
    result = run_classifier(title, text)
    if as_json:
        emit(result.as_dict())
        return
    typer.echo(f"relevant:  {result.relevant} (score {result.score:.2f})")
    typer.echo(f"country:   {result.receiving_country or '-'}")
    typer.echo(f"stage:     {result.stage.value if result.stage else '-'}")
    typer.echo(f"count:     {result.deportee_count if result.deportee_count is not None else '-'}")
    for r in result.reasons:
        typer.echo(f"  - {r}")


@app.command()
def developments(config: ConfigOpt = None, as_json: JsonOpt = False,
                 all_: Annotated[bool, typer.Option("--all", help="Include the seeded history.")] = False) -> None:
    """List developments, newest first, with their sources."""
    from monitor.views import developments_view

    with runtime(config) as rt:
        rows = developments_view(rt.factory, include_seeded=all_)
    if as_json:
        emit(rows)
        return
    for d in rows:
        count = f" ({d['deportee_count']})" if d["deportee_count"] is not None else ""
        typer.echo(f"#{d['id']:<4} {d['event_date'] or ''!s:<10} {d['receiving_country'] or '(all)':<20} "
                   f"{d['stage']:<16}{count}  {len(d['sources'])} source(s){'  [official]' if d['official'] else ''}")
        for s in d["sources"][:5]:
            typer.echo(f"        {s['outlet'] or ''}: {s['title'][:80]}  {s['url']}")


@config_app.command("check")
def config_check(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Validate the configuration; exit 2 listing every problem with its file and line."""
    path = config_path(_settings(), config)
    try:
        cfg = load_config(path)
    except ConfigError as e:
        if as_json:
            emit({"ok": False, "file": str(path), "problems": [
                {"file": p.file, "line": p.line, "where": p.where, "message": p.message} for p in e.problems]})
        else:
            for p in e.problems:
                typer.echo(f"config error: {p}", err=True)
            typer.echo(f"{len(e.problems)} problem(s) in {path}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        emit({"ok": True, "file": str(path), "sources": len(cfg.sources), "channels": len(cfg.channels)})
    else:
        typer.echo(f"{path}: ok ({len(cfg.sources)} sources, {len(cfg.channels)} channels)")


@config_app.command("show")
def config_show(config: ConfigOpt = None) -> None:
    """Print the effective configuration as JSON, secrets redacted."""
    path = config_path(_settings(), config)
    try:
        cfg = load_config(path)
    except ConfigError as e:
        for p in e.problems:
            typer.echo(f"config error: {p}", err=True)
        raise typer.Exit(2) from None
    settings = _settings().model_dump(mode="json")
    emit({"file": str(path), "settings": settings, "config": redacted(cfg)})


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations."""
    from db.session import upgrade

    url = _settings().database_url.get_secret_value()
    upgrade(url)
    typer.echo("database is up to date")


@sources_app.command("list")
def sources_list(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Configured sources with their health."""
    from monitor.views import sources_view

    with runtime(config) as rt:
        rows = sources_view(rt)
    if as_json:
        emit(rows)
        return
    for r in rows:
        health = f"failing x{r['consecutive_failures']}: {r['last_error']}" if r["consecutive_failures"] else "ok"
        last_ok = r["last_ok"] or "-"
        typer.echo(f"{r['id']:<32} {r['kind']:<8} every {r['interval_s']:>6.0f}s  last ok {last_ok}  {health}")


@app.command("eval")
def eval_(
    file: Annotated[Path | None, typer.Argument(
        help="JSONL rows: text, title, label, receiving_country, stage, ...")] = None,
    as_json: JsonOpt = False,
    predictions: Annotated[Path | None, typer.Option("--predictions", help="Write one prediction per row.")] = None,
    by_date: Annotated[bool, typer.Option(
        "--by-date", help="Group in publication order instead of file order.")] = False,
    held_out: Annotated[bool, typer.Option(
        "--held-out", help="Score the corpus's held-out side instead of a file.")] = False,
) -> None:
    """Score the classifier and the development grouping on labelled rows (grouped in file order)."""
    from monitor.classify import default_classifier
    from monitor.classify.corpus import CorpusError, load_corpus, split
    from monitor.evaluate import predict, predict_by_date, read_eval_rows, score, write_predictions

    if (file is None) == (not held_out):
        fail("give a FILE or --held-out (not both)", 2)
    try:
        rows = read_eval_rows(file) if file is not None else split(load_corpus())[1]
    except OSError as e:
        fail(f"{file}: {e.strerror or e}", 2)
    except CorpusError as e:
        fail(str(e), 2)
    preds = (predict_by_date if by_date else predict)(rows, default_classifier())
    figures = score(rows, preds)
    if predictions:
        write_predictions(predictions, preds)
    if as_json:
        emit(figures)
        return
    for key, value in figures.items():
        typer.echo(f"{key:<22} {value}")


@app.command()
def serve(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Address (default: DEPORTWATCH_WEB_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: DEPORTWATCH_WEB_PORT, 8080).")] = None,
) -> None:
    """Serve the dashboard alone (no crawling, no alerts)."""
    from monitor.dashboard.server import serve as serve_dashboard

    with runtime(config) as rt:
        serve_dashboard(rt, host or rt.settings.web_host, port or rt.settings.web_port)


@app.command()
def label(
    url: Annotated[str, typer.Argument(help="The article's URL.")],
    verdict: Annotated[str, typer.Argument(help="relevant or irrelevant")],
    note: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Record an analyst's verdict on an article (used when the model is retrained)."""
    from db import store
    from db.session import transaction
    from spiders.urls import canonical_url

    if verdict not in ("relevant", "irrelevant"):
        fail(f"verdict must be 'relevant' or 'irrelevant', not {verdict!r}", 2)
    canonical = canonical_url(url)
    with runtime(config) as rt, transaction(rt.factory) as s:
        known = store.article_exists(s, canonical)
        store.save_label(s, canonical, verdict, note)
    typer.echo(f"labelled {canonical} {verdict}" + ("" if known else " (not crawled yet; the label is kept)"))


@model_app.command("train")
def model_train(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Retrain with analyst labels; print held-out figures before and after; the daemon uses it on next start."""
    from monitor.training import train_model

    with runtime(config) as rt:
        report = train_model(rt.factory, rt.settings.data_dir)
    if as_json:
        emit(report.as_dict())
        return
    typer.echo(f"{report.labels} analyst label(s), {report.train_rows} training rows, "
               f"{report.held_out_rows} held-out rows; model saved to {report.saved_to}")
    for name in ("precision", "recall", "f1", "hard_negative_fp_rate", "country_accuracy", "stage_accuracy"):
        typer.echo(f"  {name:<22} before {report.before[name]:<8} after {report.after[name]}")


@sources_app.command("check")
def sources_check(
    source_id: Annotated[str, typer.Argument(help="The source's id.")],
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch one source now and show what it would store (nothing is stored)."""
    from monitor.preview import check_source

    with runtime(config) as rt:
        try:
            source = rt.config.source(source_id)
        except KeyError:
            fail(f"unknown source id {source_id!r}", 2)
        report = check_source(rt, source)
    if as_json:
        emit(report)
        return
    for f in report["fetches"]:
        state = f["error"] or ("not modified" if f["not_modified"] else f"{f['entries']} entries")
        typer.echo(f"{f['url']}: HTTP {f['status']}, {state}")
    for p in report["would_store"]:
        if "error" in p:
            typer.echo(f"  ✗ {p['url']}: {p['error']}")
            continue
        facts = f"{p['receiving_country'] or '-'} / {p['stage'] or '-'} / {p['deportee_count'] or '-'}"
        typer.echo(f"  {'✓ relevant' if p['relevant'] else '  ignored '} {p['score']:.2f}  {facts}  {p['title'][:70]}")
    typer.echo(f"{len(report['would_store'])} new page(s); nothing was stored")
    if any(f["error"] for f in report["fetches"]):
        raise typer.Exit(1)


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """Run the whole product offline on a generated news site, with local mail and webhook receivers."""
    from monitor.demo import print_report, run_demo

    report = run_demo(progress=(lambda m: None) if as_json else (lambda m: typer.echo(m, err=True)))
    emit(report) if as_json else print_report(report, typer.echo)
    if not report.get("ok", False):
        raise typer.Exit(1)


def main(argv: list[str] | None = None, *, standalone: Callable[..., Any] | None = None) -> None:
    app(args=argv)


if __name__ == "__main__":
    main()
