"""How a command talks on stderr: ``--quiet`` (errors only, for cron), ``-v/--verbose`` (events; ``-vv`` HTTP
requests too), ``--log-format json`` (every stderr line one JSON object: time, level, run id, event and its
fields), and rich progress bars when stderr is a terminal (never otherwise). Every command takes these options
after its name: ``feedsync build --log-format json``. Every line is masked (``feedsync.secrets``)."""

from __future__ import annotations

import codecs
import functools
import inspect
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import typer
from typer._click._compat import should_strip_ansi, strip_ansi  # typer's own click: what echo does to a stream
from typer._click.globals import resolve_color_default  # typer's own click: the colour a context sets

from feedsync.diagnostics.findings import PASS
from feedsync.secrets import mask, mask_bytes

LOG_FORMATS = ("text", "json")


@dataclass
class Mode:
    quiet: bool = False
    verbose: int = 0
    log_format: str = "text"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


MODE = Mode()


def _record(level: str, event: str, fields: dict[str, Any] | None = None, message: str | None = None) -> str:
    data: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "run_id": MODE.run_id,
        "event": event,
    }
    if message is not None:
        data["message"] = message
    data.update(fields or {})
    return json.dumps(data, ensure_ascii=False, default=str)


def say(message: str, *, level: str = "info", shown: bool = False) -> None:
    """A line for the person at the terminal (summaries, findings): dropped by --quiet unless an error, or
    ``shown`` (the findings --quiet keeps, already chosen); a JSON object with --log-format json."""
    if MODE.quiet and level != "error" and not shown:
        return
    color = _stderr_color()
    if MODE.log_format == "json":
        for line in message.splitlines() or [""]:
            typer.echo(mask(_record(level, "message", message=line)), err=True, color=color)
    else:
        typer.echo(mask(message), err=True, color=color)


def say_encoded(data: bytes, *, level: str = "info", shown: bool = False) -> None:
    """``say`` of a text given as its UTF-8 bytes, a lone surrogate as ``findings.PASS`` encodes it (a batch of
    findings' lines as they lie on disk): where stderr is a UTF-8 text stream over a byte stream and the lines are
    plain text, written to that byte stream as they are, the bytes ``say`` writes (masked; ANSI codes stripped where
    ``typer.echo`` strips them; a surrogate as the stream writes it) without decoding and encoding them again (a
    million variants' findings: 480 MB of lines, 1.2 s against 1.5-2.8 s); else decoded and said."""
    if MODE.quiet and level != "error" and not shown:
        return
    stream = sys.stderr
    buffer = getattr(stream, "buffer", None)
    if MODE.log_format == "json" or buffer is None or not _utf8(getattr(stream, "encoding", None)):
        say(data.decode("utf-8", PASS), level=level, shown=shown)
        return
    data = mask_bytes(data)
    if b"\x1b" in data and should_strip_ansi(stream, resolve_color_default(_stderr_color())):
        data = strip_ansi(data.decode("utf-8", PASS)).encode("utf-8", PASS)
    if b"\xed" in data:  # (a surrogate's first byte, among others'): as the stream writes what it cannot encode
        data = data.decode("utf-8", PASS).encode("utf-8", getattr(stream, "errors", None) or "strict")
    stream.flush()  # (what was said before goes first)
    buffer.write(data + b"\n")
    buffer.flush()


@functools.cache
def _utf8(encoding: str | None) -> bool:
    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


_STDERR: list[Any] = [None, None]  # the stream stderr was when last asked, and the colour for it


def _stderr_color() -> bool | None:
    """``color`` for ``typer.echo`` on stderr: False (ANSI codes stripped, as typer strips them off a terminal) when
    stderr is not a terminal, asked once per stream rather than for every line (a run prints a line per finding);
    None on a terminal (typer decides)."""
    if resolve_color_default() is not None:
        return None  # the command's context sets the colour (``CliRunner(color=...)``): typer follows it
    stream = sys.stderr
    if _STDERR[0] is not stream:
        _STDERR[:] = [stream, False if should_strip_ansi(stream) else None]
    return _STDERR[1]


class _Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", None)
        level = record.levelname.lower()
        if MODE.log_format == "json":
            event = record.getMessage() if fields is not None else record.name.removeprefix("feedsync.")
            text = _record(level, event, fields, None if fields is not None else record.getMessage())
        elif fields is not None:
            text = f"{record.getMessage()}: " + " ".join(f"{k}={v}" for k, v in fields.items())
        else:
            text = f"{level}: {record.getMessage()}"
        typer.echo(mask(text), err=True)


def configure(quiet: bool, verbose: int, log_format: str) -> None:
    if log_format not in LOG_FORMATS:
        raise typer.BadParameter(f"{log_format!r} is not one of: {', '.join(LOG_FORMATS)}", param_hint="--log-format")
    MODE.quiet, MODE.verbose, MODE.log_format = quiet, verbose, log_format
    _STDERR[:] = [None, None]  # asked again by this command
    logger = logging.getLogger("feedsync")
    for handler in list(logger.handlers):
        if isinstance(handler, _Handler):
            logger.removeHandler(handler)
    handler = _Handler()
    logger.addHandler(handler)
    logger.propagate = False
    if quiet:
        level = logging.ERROR
    elif verbose >= 2:
        level = logging.DEBUG
    elif verbose == 1 or log_format == "json":
        level = logging.INFO
    else:
        level = logging.WARNING
    handler.setLevel(level)
    logger.setLevel(min(level, logging.INFO))  # events reach the progress bars even when not printed


F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    inspect.Parameter(
        "quiet",
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(False, "--quiet", "-q", help="Print errors only (for cron); the exit code still tells."),
        annotation=bool,
    ),
    inspect.Parameter(
        "verbose",
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(
            0, "--verbose", "-v", count=True, help="Also log run events (-v) and HTTP requests (-vv)."
        ),
        annotation=int,
    ),
    inspect.Parameter(
        "log_format",
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(
            "text",
            "--log-format",
            help="text, or json: every stderr line is one JSON object (time, level, run_id, event, counts, "
            "durations). Example: feedsync push --log-format json 2>> feedsync.log",
        ),
        annotation=str,
    ),
)


def output_options(command: F) -> F:
    """``command`` with --quiet, --verbose and --log-format added (handled here, not passed on)."""
    signature = inspect.signature(command)

    @functools.wraps(command)
    def wrapper(*args: Any, quiet: bool = False, verbose: int = 0, log_format: str = "text", **kwargs: Any) -> Any:
        configure(quiet, verbose, log_format)
        return command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *_OPTIONS]
    )
    return wrapper  # type: ignore[return-value]


class Progress:
    """Rows read and items per channel, as rich progress bars on a terminal's stderr; nothing otherwise."""

    def __init__(self) -> None:
        self._bars: Any = None
        self._tasks: dict[str, Any] = {}
        self._last = 0.0

    @property
    def active(self) -> bool:
        return self._bars is not None

    @contextmanager
    def shown(self) -> Iterator[Progress]:
        if MODE.quiet or MODE.log_format == "json" or not sys.stderr.isatty():
            yield self
            return
        from rich.console import Console
        from rich.progress import Progress as Bars
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bars = Bars(
            SpinnerColumn(),
            TextColumn("{task.description:<24}"),
            TextColumn("{task.completed:>10,}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        watcher = _PollWatcher(self)
        events = logging.getLogger("feedsync.events")
        events.addHandler(watcher)
        try:
            with self._bars:
                yield self
        finally:
            events.removeHandler(watcher)
            self._bars = None

    def waiting(self, what: str, status: str) -> None:
        """A line for a batch or feed the channel is still processing."""
        if self._bars is None:
            return
        name = f"waiting: {what}"
        if name not in self._tasks:
            self._tasks[name] = self._bars.add_task(name, total=None)
        self._bars.update(self._tasks[name], description=f"{name} ({status})"[:40])

    def __call__(self, counts: dict[str, int]) -> None:
        """``counts``: what to show, e.g. ``{"rows read": 1200, "google items": 1190}``."""
        if self._bars is None:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        for name, value in counts.items():
            if name not in self._tasks:
                self._tasks[name] = self._bars.add_task(name, total=None)
            self._bars.update(self._tasks[name], completed=value)


class _PollWatcher(logging.Handler):
    """Turns ``poll`` events (a channel still processing a batch or feed) into a progress line."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", None) or {}
        if record.getMessage() == "poll":
            what = f"{fields.get('destination')} {fields.get('feed_id') or fields.get('handle') or ''}".strip()
            self.progress.waiting(what, str(fields.get("status")))
