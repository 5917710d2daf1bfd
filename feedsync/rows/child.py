"""A share of a row split made in a forked process (``start``; other work: ``fork``) and handed back through an
anonymous temporary file (``Child.result``): pickled and unpickled as a stream, so neither process holds the whole
pickle at once; the share's findings that waited on disk travel in a second anonymous file (``findings.carried``),
spilled straight into it (``findings.spilled_into``).
The process makes its share and ends, and is killed when this one dies (Linux): a killed run leaves no process and
no file behind."""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, NoReturn

from feedsync.diagnostics.findings import carried, spilled_into
from feedsync.errors import FeedsyncError
from feedsync.rows import share as worker

DIED = "a process {doing} died (out of memory?); no feed was replaced; rerun with --jobs 1"
_PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    pid: int
    spool: IO[bytes]
    carrier: IO[bytes]
    """Where the share's spilled findings travel (both files anonymous: nothing is left whoever dies)."""
    doing: str = "building a share of the rows"
    """What it does, for the error when it dies."""

    def result(self) -> Any:
        """What it made (a share), or why it did not (an error it met); raises what else it met, or that it died."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        with self.spool, self.carrier:
            if os.waitstatus_to_exitcode(status) != 0:
                raise FeedsyncError(DIED.format(doing=self.doing))
            self.spool.seek(0)
            with carried(self.carrier):
                made = pickle.load(self.spool)
        if isinstance(made, BaseException):
            raise made
        return made

    def stop(self) -> None:
        """Killed and reaped, when it still runs (this process stopped waiting for it)."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        self.spool.close()
        self.carrier.close()


def start(index: int) -> Child:
    """A forked process making share ``index`` of ``share.JOB``."""
    return fork(partial(worker.work, index))


def fork(work: Callable[[], Any], doing: str = Child.doing) -> Child:
    """A forked process running ``work`` (what it returns comes back through ``Child.result``: picklable);
    ``doing`` says what, should it die."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Child)
    carrier = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Child)
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        spool.close()
        carrier.close()
        raise
    if not pid:
        _make(work, spool, carrier, parent)
    return Child(pid, spool, carrier, doing)


def _make(work: Callable[[], Any], spool: IO[bytes], carrier: IO[bytes], parent: int) -> NoReturn:
    """The forked process: what ``work`` made (a share) into ``spool``; it ends here (no exit handler of the
    parent's runs, none of its buffers is flushed)."""
    status = 1
    try:
        die_with(parent)
        made: Any
        with spilled_into(carrier):  # (its findings travel where they were spilled: not copied at the end)
            try:
                made = work()
            except FeedsyncError as exc:
                made = f"a share met an error ({exc})"
            except BaseException as exc:  # raised again in the parent
                made = _picklable(exc)
            with carried(carrier):
                pickle.dump(made, spool, protocol=pickle.HIGHEST_PROTOCOL)
        spool.flush()
        status = 0
    finally:
        os._exit(status)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError("".join(traceback.format_exception(exc)))
    return exc


def die_with(parent: int) -> None:
    """This process (forked from ``parent``'s main thread) killed when ``parent`` dies, where the kernel can tell
    it (Linux): a process a killed run forked neither lives on nor writes anything after it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that
        os._exit(1)
