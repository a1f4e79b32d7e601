"""`deportwatch alerts …`: list the outbox, dispatch it, requeue dead alerts, test channels, queue the digest."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from alerts.send import TAGS, Channel, SendResult

app = typer.Typer(help="The alert outbox and the channels it sends to.", no_args_is_help=True, add_completion=False)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config (default: $DEPORTWATCH_CONFIG, "
                                                 "./deportwatch.yaml, then the shipped default).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("list")
def list_alerts(
    config: ConfigOpt = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only alerts waiting to be sent.")] = False,
    dead: Annotated[bool, typer.Option("--dead", help="Only alerts in the dead letter.")] = False,
    folded: Annotated[bool, typer.Option("--folded", help="Only alerts folded into a summary.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List alerts in the outbox, newest first."""
    from monitor.cli import emit, fail, runtime
    from monitor.views import alerts_view

    chosen = [name for name, on in (("pending", pending), ("dead", dead), ("folded", folded)) if on]
    if len(chosen) > 1:
        fail("give at most one of --pending, --dead, --folded", 2)
    with runtime(config) as rt:
        rows = alerts_view(rt.factory, chosen[0] if chosen else None)
    if as_json:
        emit(rows)
        return
    for a in rows:
        error = f"  {a['last_error']}" if a["last_error"] else ""
        typer.echo(f"#{a['id']:<5} {a['status']:<8} {a['kind']:<8} {a['channel']:<12} dev={a['development_id']} "
                   f"attempts={a['attempts']}{error}")


@app.command("dispatch")
def dispatch(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Send every alert that is due now, then exit (1 if any delivery failed)."""
    from alerts.outbox import dispatch_due
    from alerts.policy import channels_from
    from monitor.cli import emit, runtime

    with runtime(config) as rt:
        result = asyncio.run(dispatch_due(rt.factory, channels_from(rt.config), rt.config.alerts, limit=1000))
    data = {"sent": result.sent, "failed": result.failed, "dead": result.dead, "folded": result.folded}
    if as_json:
        emit(data)
    else:
        typer.echo(", ".join(f"{k} {v}" for k, v in data.items()))
    if result.failed:
        raise typer.Exit(1)


@app.command("retry")
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Alert ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead alert.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Put dead (or waiting) alerts back in the queue, due now."""
    from alerts.outbox import retry as requeue
    from db.session import transaction
    from monitor.cli import fail, runtime

    if bool(ids) == all_:
        fail("give alert ids or --all", 2)
    with runtime(config) as rt, transaction(rt.factory) as s:
        n = requeue(s, None if all_ else ids)
    typer.echo(f"{n} alert(s) queued again")
    if ids and n < len(ids):
        fail(f"{len(ids) - n} id(s) were not dead or pending (unknown, sent, folded or being sent)")


async def _test_all(channels: list[Channel], timeout: float) -> list[SendResult]:
    from alerts.render import render_test
    from alerts.send import send

    msg = render_test()
    return list(await asyncio.gather(*(send(c, msg, timeout=timeout) for c in channels)))


@app.command("test")
def test(
    config: ConfigOpt = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only channels with this tag: immediate, digest or ops.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a test message to every channel (with the tag), now, and report each channel's result."""
    from alerts.policy import channels_from
    from monitor.cli import emit, fail, runtime

    if tag is not None and tag not in TAGS:
        fail(f"unknown tag {tag!r}: use one of {', '.join(sorted(TAGS))}", 2)
    with runtime(config) as rt:
        channels = [c for c in channels_from(rt.config).values() if tag is None or tag in c.tags]
        if not channels:
            fail("no channel is configured" + (f" with tag {tag!r}" if tag else ""))
        results = asyncio.run(_test_all(channels, rt.config.alerts.send_timeout_s))
    rows: list[dict[str, Any]] = [{"channel": c.name, "tags": sorted(c.tags), "ok": r.ok, "error": r.error}
                                  for c, r in zip(channels, results, strict=True)]
    if as_json:
        emit(rows)
    else:
        for row in rows:
            typer.echo(f"{row['channel']:<16} {'ok' if row['ok'] else 'FAILED: ' + str(row['error'])}")
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command("digest")
def digest(
    config: ConfigOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digest instead of queueing it.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Queue the latest daily digest (once per day and channel; `alerts dispatch` or the daemon sends it)."""
    from alerts.render import render_digest
    from monitor.cli import emit, runtime
    from monitor.jobs import prepare_digest, queue_digest

    with runtime(config) as rt:
        if dry_run:
            day, data = prepare_digest(rt)
            msg = render_digest(data)
            emit({"date": day.isoformat(), "title": msg.title, "text": msg.text}) if as_json else typer.echo(
                f"{msg.title}\n\n{msg.text}")
            return
        written = queue_digest(rt)
    emit({"queued": written}) if as_json else typer.echo(f"{written} digest row(s) queued")
