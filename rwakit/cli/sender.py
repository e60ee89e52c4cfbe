"""`rwakit sender`: the issuance queue's sender on its own, beside API processes that only accept."""

from __future__ import annotations

import signal

import typer

from rwakit.cli.common import reported
from rwakit.config import get_settings


def sender() -> None:
    """Send queued and interrupted issuances until stopped (run API processes with RWAKIT_SENDER=false);
    any number of senders may run on one PostgreSQL."""
    from rwakit.api.runtime import Runtime

    settings = get_settings()
    with reported():
        runtime = Runtime(settings)
        runtime.ensure_tables()
        queue = runtime.issuance_queue()
        previous = signal.signal(signal.SIGTERM, lambda *_: queue.stop())
        typer.echo("rwakit sender: sending queued and interrupted issuances; Ctrl-C stops")
        try:
            queue.run()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            runtime.close()
