"""build / validate on several cores by splitting the *rows*: each process streams a share of the source file (a
byte range cut at a record boundary between two groups, ``cuts``) through every channel into a scratch folder
(``share``): this process the first share (``here``, its state put back after it), a process forked before it each
of the others (``child``). This process then merges the findings and counts in row order (``merge``) and stitches
the feeds (``stitch``): the feeds, findings and counts are byte for byte those of one process.

An encoder that surveys the catalog (Amazon with definitions: what each family differs by) is told each family by the
share that reads it, a family ahead (``feedsync.lookahead``): the catalog is not read before the shares. When a share's
families do not come one after another (a family comes again after another: beyond the columnar gate's batch of it,
which holds the family whole where it comes again in the next piece), the share surveys its own rows whole and is made
again (``share.work``: a real store's export may list a family's variants apart). When a family is in two shares (or a
share's variant names another parent than its group), the run is not split by rows (``Unsplit``), nor where any
variant's parent may be another than its group's (a supplement sets it, the parent SKU is made otherwise:
``FamilyFeed.apart``, before a share is made); a family in two shares is found as soon as a reader's first pass over the
whole file shows it (a WooCommerce or Magento export: ``lookahead.apart``), or a later share made a column at a time
reads the file's group column (a native catalog: ``columnar.ahead``), else once the shares are made. State that
spans rows is checked after the fact; a later share of a native catalog leaves out the products of ids the records
before it hold too (read before its rows: ``columnar.ahead``, ``presumed``; MDL008, checked after the fact as well).
A share whose records do not end where it was cut (a quote the csv module reads otherwise), or that met an error,
makes the run be made as though not split too (``Unsplit``). A share that the shares
before it would change (an id also before its cut; a set or flag of the channels' and encoders' state grown alike, such
as an Amazon parent written or a finding told once per run) is made again, in turn, from the state after the shares
before it; a SKU also before its cut is told of where one process tells it (``firsts``, ``merge``). The once-per-run
findings (tallies, MDL014, MDL015; CFG004 once per product type) are made here from the shares' merged counts. Each step
is told in a ``rows`` event.

Split only: the native CSV/TSV reader, a Shopify product export (cut where the handle changes: a product's rows
share one; a handle in two shares makes the run not split), a WooCommerce export (cut where ``Parent``
changes) or a Magento export (cut after a row that is not a child; both: each share indexes the whole file's parents
first, as one reader does), of a UTF-8 file
without lone CR line ends, whose feeds are written by the RSS, delimited or JSON listings writers (a delimited
feed's extra columns, whose header is known only at the end, are a Google feed's own: no format split by rows
carries them, ``sources.base.feed_attributes_possible``), in a build or validate whose item observers are only the
recorded ids. Anything else (other formats: a BigCommerce export's rows are linked by their order alone; other
encodings and writers; a push) keeps the channel split of ``feedsync.parallel`` or one process, with a ``rows``
event saying why."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedsync import tidy
from feedsync.channels.base import Encoder, Stopped, SurveyingEncoder, Unsurveyed
from feedsync.channels.compiled import CompiledChannel
from feedsync.config import Config, SourceConfig
from feedsync.errors import FeedsyncError
from feedsync.events import event
from feedsync.faults import checkpoint
from feedsync.sources import Source
from feedsync.sources.base import field_for, resolve_format
from feedsync.sources.tabular import ByteRange, excel_sep, sniff_delimiter, sniff_encoding, unquoted_tsv
from feedsync.stream import ItemIds, ItemObserver, Stream
from feedsync.supplements import Supplement

if TYPE_CHECKING:
    from feedsync.diagnostics import Report
    from feedsync.rows import child
    from feedsync.rows.ahead import Ahead
    from feedsync.rows.cuts import Group
    from feedsync.rows.share import Share

# The row split's parts (cuts, share, child, here, merge, stitch) are imported by the functions that use them: a run
# that is not split (a small catalog, a push) imports none of them.

MIN_ROWS = 1_000
"""A share has at least about this many rows (a share's process is forked: about 0.1 s of CPU before its first row,
Amazon's definition compiled again; a row about 0.3 ms of channel work made per row). 2,000 rows of the benchmark's
catalog on two cores: 0.79-0.81 s against 1.01-1.03 s in one process; 1,000 rows in shares of 500: 0.65-0.67 s
against 0.74 s, a gain too small to count on with more cores than two."""
SCRATCH = ".feedsync-rows-"
LOCK = ".lock"
"""The file in a scratch folder its run holds locked while it uses the folder."""


class Unsplit(Exception):
    """A row split found (before writing a feed) that its shares cannot be made apart (``run_split``): an Amazon family
    in two shares, whose parent and facts its later variants take from the first, or a variant naming another
    family's parent; a share that met an error, or whose records did not end where it was cut; a Shopify product's
    rows in two shares. The pipeline makes the run as though its rows were never split (``pipeline.run``: its
    channels split between processes, or one process a column at a time), the catalog surveyed whole first where an
    encoder needs it: quicker than the shares made again in turn."""


def plan(config: Config, compiled: list[CompiledChannel], jobs: int, *, writes: bool = True) -> list[ByteRange]:
    """The shares to build in ``jobs`` processes, or [] when the rows are not split (an event says why). A run
    that ``writes`` feeds stitches the later shares' documents while they are made (``ahead``): its first share is
    cut a little shorter."""
    from feedsync.rows.ahead import FIRST
    from feedsync.rows.cuts import cut

    why = _unsplittable(config, compiled)
    shares: list[ByteRange] = []
    if why is None:
        path = config.source.path
        delimiter = _delimiter(config.source)
        parts = min(jobs, max(1, _rows_about(path) // MIN_ROWS))
        group_of = _group_column(config)
        first = FIRST if writes else 1.0
        shares = cut(path, delimiter, parts, group_of=group_of, encoding="utf-8", first=first) if parts > 1 else []
        why = None if len(shares) > 1 else f"fewer than {MIN_ROWS} rows per process, no cut between groups, or CRs"
    if why is not None:
        event("rows", split=False, why=why)
        return []
    return shares


def _delimiter(source: SourceConfig) -> str:
    """The delimiter of a delimited file split by rows, as its reader finds it."""
    if resolve_format(source) == "tsv":
        return "\t"
    with source.path.open("rb") as handle:
        lines = (line.decode("utf-8", "replace").lstrip(" \t\ufeff") for line in handle)
        first = next(lines, "")
        head = next((line for line in chain([first], lines) if line.strip()), "")
    return excel_sep(first) or sniff_delimiter(head)


def _id_column(source: Source) -> tuple[int, int | None, str] | None:
    """A native catalog's id column and group column (their indexes; the group's None where it has none) and its
    delimiter, which a later share reads before its rows (``share._read_ahead``); None for another reader's (an
    export's ids are made of other columns)."""
    from feedsync.rows.cuts import read_header

    config = getattr(getattr(source, "source", source), "config", None)  # (the reader within ``NonEmpty``)
    if not isinstance(config, SourceConfig) or resolve_format(config) not in ("csv", "tsv"):
        return None
    delimiter = _delimiter(config)
    header = read_header(config.path, delimiter)
    if header is None:
        return None
    fields = [field_for(name, config.columns) for name in header.names]
    group = fields.index("group_id") if "group_id" in fields else None
    return (fields.index("id"), group, delimiter) if "id" in fields else None


def _group_column(config: Config) -> Callable[[list[str]], Group]:
    """Where a header has the column whose value groups the catalog's rows (a cut goes where it changes): a native
    file's ``group_id``, a Shopify export's handle, a WooCommerce export's ``Parent``; or where a Magento export's
    families end (after a row that is not a child)."""
    fmt = resolve_format(config.source)
    if fmt == "shopify":
        from feedsync.sources.shopify import handle_column

        return handle_column
    if fmt == "woocommerce":
        from feedsync.sources.woocommerce import parent_column

        return parent_column
    if fmt == "magento":
        from feedsync.sources.magento import family_ends

        return family_ends
    columns = config.source.columns
    return lambda names: next((i for i, name in enumerate(names) if field_for(name, columns) == "group_id"), None)


def _unsplittable(config: Config, compiled: list[CompiledChannel]) -> str | None:
    """Why this run's rows cannot be split, or None."""
    from feedsync.rows.stitch import TAILS

    if resolve_format(config.source) not in ("csv", "tsv", "shopify", "woocommerce", "magento"):
        return f"the {resolve_format(config.source)} reader is not split by rows"
    for channel in compiled:
        writer = channel.format.writer
        # (a delimited feed's extra columns are a Google feed's own, which no format split by rows carries: its
        # header is written first, ``feed_attributes_possible``)
        if writer not in TAILS:
            return f"the {channel.name} feed's writer is not split by rows"
    if (config.source.encoding or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        return f"the source is read as {config.source.encoding}"
    with config.source.path.open("rb") as handle:  # a file that is not UTF-8 fails its shares' reading: one
        head = handle.read(1 << 16)  # process reads it (as cp1252, with the warning)
    try:
        if sniff_encoding(config.source.path, head) is not None:
            return "the source is UTF-16 or UTF-32"
    except FeedsyncError:
        return "the source is not text"
    if _delimiter(config.source) == "\t":  # (its cuts are found by quotes, which such a file does not pair)
        from feedsync.rows.cuts import read_header

        header = read_header(config.source.path, "\t")
        if header is not None and unquoted_tsv(config.source.path, "utf-8", header.lines, len(header.names)):
            return "the source is a TSV written without quoting"
    return None


def _rows_about(path: Path) -> int:
    """The file's rows, about: its size over the mean length of its first lines."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return path.stat().st_size * max(1, head.count(b"\n")) // max(1, len(head))


def run_split(
    shares: list[ByteRange],
    stream: Stream,
    source: Source,
    compiled: list[CompiledChannel],
    out: Path | None,
    supplements: list[Supplement],
    currency: str | None,
    *,
    check: bool,
    encoders: Mapping[str, Encoder | None],
    observers: Mapping[str, Sequence[ItemObserver]],
    survey_share: Callable[[ByteRange, Callable[[], Any] | None], None] | None = None,
    columnar: Callable[[Source, bool], Any] | None = None,
) -> None:
    """``stream.run`` with the rows of ``shares`` in one process each; raises ``Unsplit`` (no feed written) where the
    shares cannot be made apart: the observers are not only recorded ids, a share met an error or did not read the
    rows it was cut at, a Shopify product's rows are in two shares, or a family is (where an encoder surveys the
    catalog a family ahead, ``feedsync.lookahead``: a share whose own families are not one after another surveys its
    own rows whole, ``survey_share``: the share's range and what reads its rows a column at a time, or None, and is
    made again).
    ``columnar``: opens a share's columnar gate (``columnar.gate.open_gate``), each share a column at a time where
    it can."""
    from feedsync.rows import share as worker
    from feedsync.rows.ahead import Ahead
    from feedsync.rows.merge import merge
    from feedsync.rows.share import told_state
    from feedsync.rows.stitch import stitch

    recorded = [name for name, seen in observers.items() if seen]
    feeds = [e.family_feed() for e in encoders.values() if isinstance(e, SurveyingEncoder)]
    apart = next((why for feed in feeds if feed is not None and (why := feed.apart()) is not None), None)
    if any(not isinstance(o, ItemIds) for seen in observers.values() for o in seen):
        apart = "the items are observed"  # (a push's deliveries: never split by rows)
    if apart is not None:  # (before a share is made)
        raise _unsplit(apart, shares)
    with ExitStack() as scratch:
        folder = None
        if out is not None:
            try:
                out.mkdir(parents=True, exist_ok=True)
                folder = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=out))
                scratch.callback(tidy.remove, folder)  # (while the report is printed, where the command asks)
                scratch.callback(os.close, _hold(folder))  # the sweeps of runs beside it leave it until then
            except OSError as exc:  # (a folder that is a file, full or read-only: the run not split tells it)
                raise _unsplit(f"no scratch folder in {out}: {exc.strerror or exc}", shares) from None
        job = worker.Job(
            shares,
            stream,
            source,
            compiled,
            folder,
            supplements,
            currency,
            check,
            encoders,
            recorded,
            columnar=columnar,
            survey_share=survey_share,
            ids=_id_column(source),
        )
        worker.JOB = job
        before = told_state(compiled, encoders)
        early = None  # the stitch begun as soon as this process made its own share (``ahead``)
        if out is not None and folder is not None:
            early = Ahead(folder, len(shares), _kept(stream.report))
            scratch.callback(early.abort)  # (a run that ends otherwise: nothing renamed, its thread gone)
        stitching = (stitch, stream.report, compiled, encoders, out, folder, len(shares))
        try:
            ahead = any(isinstance(e, SurveyingEncoder) and e.family_feed() is not None for e in encoders.values())
            try:
                with _stop(ahead, shares), _polars_threads(len(shares)):
                    made = _make_all(len(shares), early, stitching)
                if not isinstance(made, str) and any(share.surveyed for share in made[1:]):
                    early = _stopped(early)  # (stopped by ``_make_all``: the stitch is made after the merge)
                whole = _families_across(made) if ahead and not isinstance(made, str) else None
            except Unsurveyed as exc:
                whole = str(exc)
            # (``whole``: the shares' families read a family ahead do not answer as the whole catalog)
            why = whole or (made if isinstance(made, str) else _misread(shares, made) or _read_apart(made))
            if why is not None:
                _stopped(early)
                raise _unsplit(why, shares)
            assert not isinstance(made, str)
            groups, again = _chain(made, before, lambda: _stopped(early))
            if again:
                early = None  # (stopped before a share was made again: the stitch is made after the merge)
        finally:
            worker.JOB = None
        if early is not None:
            early.stands()
        for share in made:
            share.settle()
        checkpoint("rows.shares-made")
        merge(stream, source, compiled, made, check=check)
        stream.report.products = groups
        if early is not None:
            early.stitched()
            for _ in compiled:
                checkpoint("rows.feed-stitched")  # (each feed stitched and synced, none renamed yet)
            early.commit()
        elif out is not None and folder is not None:
            stitch(stream.report, compiled, encoders, out, folder, len(made))
    event("rows", split=True, shares=len(shares), again=again or None)


def _unsplit(why: str, shares: list[ByteRange]) -> Unsplit:
    """``Unsplit`` for ``why``, told in a ``rows`` event."""
    event("rows", split=False, why=why, shares=len(shares))
    return Unsplit(why)


def _kept(report: Report) -> Callable[[], None]:
    """What puts the report's feeds' paths (``output``, ``parts``) back as they are now."""
    kept = {name: (result.output, list(result.parts)) for name, result in report.channels.items()}

    def put_back() -> None:
        for name, (output, parts) in kept.items():
            report.channels[name].output = output
            report.channels[name].parts[:] = parts

    return put_back


def _stopped(early: Ahead | None) -> None:
    """The stitch begun ahead stopped (``Ahead.abort``): the run makes shares again, or is not split."""
    if early is not None:
        early.abort()


def _make_all(count: int, early: Ahead | None = None, stitching: tuple[Any, ...] = ()) -> list[Share] | str:
    """Every share made, in order: the first in this process (the others in processes forked before it, while it
    is as it was), or why not (an error a share met: the run not split will meet it, or not). ``early``: begun with
    ``stitching`` (the stitch and its arguments) once the first share is made, told of each other share once its
    process has ended."""
    from feedsync.rows import child, here

    children: list[child.Child] = []
    try:
        # the forked processes share this one's objects, frozen out of their collections by the pipeline
        for index in range(1, count):  # one by one: a fork that fails stops the ones started before it
            children.append(child.start(index))
        try:
            try:
                made = [here.make(0)]
            except FeedsyncError as exc:
                return f"a share met an error ({exc})"
            if early is not None:
                early.begin(*stitching)
            for index, process in enumerate(children, start=1):
                share = process.result()
                if isinstance(share, str):
                    return share
                if early is not None and share.surveyed:  # its first documents, which the stitch read, were removed:
                    early = _stopped(early)  # the stitch is made after the merge (the caller finds it surveyed too)
                if early is not None:
                    early.final(index)
                made.append(share)
        except Stopped as stopped:  # another share set the flag: its reason is the run's
            raise next(_causes(children), stopped) from None
        return made
    finally:
        for process in children:
            process.stop()


def _causes(children: list[child.Child]) -> Iterator[Unsurveyed]:
    """Why the shares whose processes were not yet waited for could not be surveyed apart (what they raised but
    ``Stopped``), in order."""
    for process in children:
        if not process.pid:
            continue
        try:
            process.result()
        except Stopped:
            continue
        except Unsurveyed as exc:
            yield exc
        except FeedsyncError:
            continue


@contextmanager
def _polars_threads(shares: int) -> Iterator[None]:
    """While the shares are made: Polars' own threads in each of their processes the cores over the shares (one
    each when there are as many shares as cores), unless ``POLARS_MAX_THREADS`` says. Polars reads it when a
    process first imports it, which none has yet (the forked processes take it with them). On 2 cores, 100,000
    variants: about 20 MB less memory a process and no slower (its columns' work is mostly one thread's anyway)."""
    if "POLARS_MAX_THREADS" in os.environ or "polars" in sys.modules:
        yield
        return
    os.environ["POLARS_MAX_THREADS"] = str(max(1, (os.cpu_count() or 1) // shares))
    try:
        yield
    finally:
        del os.environ["POLARS_MAX_THREADS"]


@contextmanager
def _stop(ahead: bool, shares: list[ByteRange]) -> Iterator[None]:
    """While the shares are made a family ahead: the flag that stops them all once one cannot be, and where the
    shares after the first begin (``lookahead.apart``)."""
    from feedsync import lookahead

    if not ahead:
        yield
        return
    lookahead.STOP = stop = lookahead.Stop()
    lookahead.CUTS = tuple(share.first_row for share in shares[1:])
    try:
        yield
    finally:
        lookahead.STOP, lookahead.CUTS = None, ()
        stop.close()


def _families_across(made: list[Share]) -> str | None:
    """Why the shares' families, each surveyed by its own share a family ahead, are not the catalog's (a family,
    or a product's id taken for its group, in two shares), or None."""
    for index, share in enumerate(made):
        if any(not share.ids[1].isdisjoint(before.ids[1]) for before in made[:index]):
            return "a family is in two shares"
    return None


def _read_apart(made: list[Share]) -> str | None:
    """Why the shares' readers did not read their rows as one reader of the whole file does, or None: a group of
    rows (a Shopify handle) in two shares, which one reader tells are apart (SRC004)."""
    for index, share in enumerate(made):
        for before in made[:index]:
            if not share.stats.together.isdisjoint(before.stats.together):
                return "the rows of a group are in two shares"
    return None


def _misread(shares: list[ByteRange], made: list[Share]) -> str | None:
    """Why the shares' rows are not the file's (a cut was not at a record's end), or None."""
    for share, previous in zip(shares[1:], made, strict=False):
        if previous.last_row is None or previous.last_row + 1 != share.first_row:
            return f"the records before row {share.first_row} did not end where the cut was made"
    return None


def _chain(
    made: list[Share], before: dict[str, Any], again_first: Callable[[], None] = lambda: None
) -> tuple[int, list[str]]:
    """The product groups of all shares, each share made again (in turn, from the state after the ones before it)
    when that state would change what it makes; and why each was made again (``again_first`` called before the
    first is). The state after the last share is not made: of its ids, only how many groups it adds is needed."""
    from feedsync.rows import here
    from feedsync.rows.share import Seed, crossing, shared_skus

    first = made[0]
    seed = Seed(first.ids, first.trackers, dict(first.told), dict(first.ignores))
    again = []
    for index in range(1, len(made)):
        why = crossing(seed, made[index], before)
        if why is not None:
            if not again:
                again_first()
            again.append(why)
            try:
                made[index] = here.make(index, seed)
            except FeedsyncError as exc:
                raise FeedsyncError(f"a share made again met an error it had not met: {exc}") from None
        else:
            made[index].shared = shared_skus(seed, made[index])
        if index < len(made) - 1:
            seed.add(made[index], before)
    last = made[-1].ids[1]
    # the last share's groups: the seed's own set (made again from it), or those the seed lacks
    return len(seed.ids[1]) + (0 if last is seed.ids[1] else len(last - seed.ids[1])), again


def _hold(folder: Path) -> int:
    """A lock on the scratch ``folder`` (an OS file lock on its ``LOCK`` file, which the processes forked after
    share and the system releases when the last of them ends, killed or not), so that no run's sweep
    (``remove_scratch``) removes the folder while this run uses it: its descriptor, to close when the run is done
    with the folder."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # (a new file: nobody else holds it)
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_scratch(out: Path, *, before: float) -> None:
    """Scratch folders that killed row splits left in ``out``: those last changed before ``before`` (the sweeping
    run's start) whose lock no live run holds (``_hold``; a folder without one is from a run killed before it
    took it, or from an earlier version)."""
    for path in out.glob(SCRATCH + "*"):
        with suppress(OSError):
            if not path.is_dir() or path.stat().st_mtime >= before:
                continue
            try:
                fd = os.open(path / LOCK, os.O_RDWR | os.O_CLOEXEC)
            except FileNotFoundError:
                shutil.rmtree(path, ignore_errors=True)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a run uses the folder
                shutil.rmtree(path, ignore_errors=True)
            finally:
                os.close(fd)
