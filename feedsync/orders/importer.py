"""Import marketplace orders into the store exactly once.

Per order: already imported -> only a later status is applied (any other change, of its lines or its address,
is told: ORD003; units of a line cancelled since, once); marketplace-fulfilled -> recorded, not sent;
pending -> left for a later run; cancelled before it was imported -> skipped, unless the store holds it after all
(a crash after the sink and before the state write), when the cancellation is applied to it; any line without a
catalog id -> held (ORD002) and retried next run, never imported half-mapped (so is one with an amount finer than
its currency's minor unit, ORD010: never rounded into the store), until it can be imported or an ops person marks it
handled (``import-orders --handled``: the store got it otherwise; then it is known, never imported); else the sink
is asked whether it already has the order (a crash after the sink and before the state write), and only then is the
order created, with the units still to ship (those the marketplace shipped or cancelled before are left out and told:
ORD012).
The state is written after the sink made the order durable; a sink that cannot be asked (a webhook) has the order
marked before its create, so that a cancellation after a crash in between still reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from feedsync.diagnostics import Diagnostic, Emit, Severity
from feedsync.diagnostics.codes import make
from feedsync.errors import OrderRejected, RemoteError
from feedsync.faults import checkpoint
from feedsync.model.money import Money
from feedsync.model.order import Charge, FulfilledBy, Order, OrderLine, OrderStatus, UnreadableOrder
from feedsync.orders.later import (
    as_imported,
    by_hand,
    cancelled_finding,
    holder_of,
    keep_packages,
    tell_cancelled,
    tell_changes,
)
from feedsync.orders.mapping import SkuMap
from feedsync.orders.sanity import amount_problem
from feedsync.orders.sinks import OrderSink
from feedsync.state import State

IMPORTED, HELD, RECORDED, SKIPPED = "imported", "held", "recorded", "skipped"
HANDLED = "handled"
"""A held order the store got otherwise (entered by hand), as ``import-orders --handled`` marks it: never imported.
What the marketplace changes of it later is told as of an imported order's (its store order is ``later.BY_HAND``)."""
CREATING = "creating"
"""An order whose create went to a sink that cannot be searched (a webhook) before the state knew the outcome: a
run killed in between leaves it so, and a cancellation read next is sent to the store, which may hold the order."""


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    """Orders the store already had though the state did not know (a crash between the two): not created again."""
    updated: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    """Marketplace-fulfilled orders: known, not sent to the store for fulfilment."""
    unchanged: int = 0
    pending: int = 0
    skipped: int = 0
    cancelled_since: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """(marketplace, order id) -> line id -> the units of the line cancelled on the marketplace in all, where this
    run told (ORD003) that some of them were cancelled after the import (so that a dry run tells them once)."""
    told: list[tuple[str, str, str]] = field(default_factory=list)
    """(marketplace, order id, line id) of the cancellations this run told (ORD003) that the state keeps as untold:
    ``note_told`` forgets them once the findings are out."""


def import_orders(
    orders: Iterable[Order | UnreadableOrder],
    *,
    state: State,
    sink: OrderSink,
    skus: SkuMap,
    emit: Emit,
    marketplace: str = "amazon",
    dry_run: bool = False,
    refresh: Callable[[str], Order | UnreadableOrder] | None = None,
) -> ImportResult:
    """``refresh`` re-reads a held order from the marketplace (its status may have changed since it was held);
    without it a held order is retried as it was stored. An ``UnreadableOrder`` (a marketplace answer that
    cannot be read or believed) is reported (ORD010) and held, unless the order was imported (or marked handled)
    before: the store keeps what it has."""
    result = ImportResult()
    staged: list[tuple[Order, str, str]] = []  # (order, state, ref) waiting for the sink's commit
    seen: set[str] = set()
    for order_id, line_id, sku, units in state.untold(marketplace):  # (a run that ended before it printed them)
        record = state.order(marketplace, order_id)
        handled = record is not None and record.state == HANDLED
        emit(cancelled_finding(marketplace, order_id, line_id, sku, units, holder_of(handled, sink)))
        result.told.append((marketplace, order_id, line_id))

    def flush() -> None:
        if dry_run or not staged:
            return
        sink.commit()
        for order, order_state, ref in staged:
            state.record_order(
                order.marketplace,
                order.order_id,
                status=order.status,
                state=order_state,
                sink_ref=ref,
                payload=order.model_dump_json(),
            )
        staged.clear()

    def unreadable(order: UnreadableOrder) -> None:
        record = state.order(order.marketplace, order.order_id) if order.order_id else None
        known = record is not None and record.state != HELD
        if record is not None and record.state == HANDLED:
            what = "left as it was marked handled"
        elif known:
            what = "left as it was imported"
        else:
            what = "held" if order.order_id else "left out"
        emit(
            make(
                "ORD010",
                f"order {order.order_id or '(without an id)'} {what}: {order.reason}",
                product_id=order.order_id or None,
                field=order.field or "order",
                value=order.value,
            )
        )
        if not order.order_id or known:
            return
        result.held.append(order.order_id)
        if not dry_run:
            status = record.status if record is not None else OrderStatus.PENDING
            state.record_order(order.marketplace, order.order_id, status=status, state=HELD, message=order.reason)

    def hold(order: Order, message: str) -> None:
        """The order held (told in the result; a real run keeps it with ``message`` to be tried again)."""
        result.held.append(order.order_id)
        if not dry_run:
            state.record_order(
                order.marketplace,
                order.order_id,
                status=order.status,
                state=HELD,
                message=message,
                payload=order.model_dump_json(),
            )

    def handle(order: Order | UnreadableOrder) -> None:
        if isinstance(order, UnreadableOrder):
            unreadable(order)
            return
        record = state.order(order.marketplace, order.order_id)
        if record is not None and record.state in (IMPORTED, RECORDED, SKIPPED, HANDLED):
            if record.state in (IMPORTED, HANDLED):  # (a store order holds it: feedsync's, or one entered by hand)
                holder = holder_of(record.state == HANDLED, sink)
                tell_changes(state, order, holder, emit)
                tell_cancelled(state, order, holder, emit, result, dry_run)
                if not dry_run:
                    keep_packages(state, order, record)
            if record.status == order.status:
                result.unchanged += 1
            elif record.state == HANDLED:  # its news kept with it (push-tracking reads them)
                cancelled = order.status in (OrderStatus.CANCELLED, OrderStatus.UNFULFILLABLE)
                if cancelled:  # told on every read (its old status kept): no sink passes it on, and a run killed
                    emit(by_hand(order))  # before it printed this would else never tell it
                if not dry_run:
                    state.record_order(
                        order.marketplace,
                        order.order_id,
                        status=record.status if cancelled else order.status,
                        state=HANDLED,
                        message=record.message,
                        payload=as_imported(state, order).model_dump_json(),
                    )
            elif record.state == IMPORTED:
                order = as_imported(state, order)
                refused = None if dry_run or not record.sink_ref else _update(sink, record.sink_ref, order)
                if record.sink_ref and refused is None:
                    result.updated.append(order.order_id)
                    staged.append((order, IMPORTED, record.sink_ref))
                    if not sink.batched:  # recorded at once, as a create is: a later failure never sends it again
                        flush()
                else:
                    emit(_not_applied(order, "", sink, refused))
            elif not dry_run:
                state.record_order(
                    order.marketplace, order.order_id, status=order.status, state=record.state, message=record.message
                )
            return
        if order.status == OrderStatus.PENDING:
            result.pending += 1
            return
        if order.status in (OrderStatus.CANCELLED, OrderStatus.UNFULFILLABLE):
            # never imported as far as the state knows; but a run that crashed after the sink and before the state
            # write made it a store order, which the store would ship: the sink is asked, and its order cancelled
            existing = None if dry_run or order.fulfilled_by == FulfilledBy.MARKETPLACE else sink.find(order)
            marked = existing is None and record is not None and record.state == CREATING and not dry_run
            if marked:
                existing = record.sink_ref or f"{order.marketplace}:{order.order_id}"  # (asked: it cannot tell)
                order = as_imported(state, order)
            if existing is not None:
                try:
                    refused = _update(sink, existing, order)
                except RemoteError as exc:
                    if not marked or exc.status not in (404, 410):
                        raise
                    # the endpoint does not know it: the run that marked it ended before its POST arrived
                    result.skipped += 1
                    state.record_order(order.marketplace, order.order_id, status=order.status, state=SKIPPED)
                    return
                if refused is None:
                    result.updated.append(order.order_id)
                    staged.append((order, IMPORTED, existing))
                    if not sink.batched:
                        flush()
                    return
                emit(_not_applied(order, " the store holds it (an interrupted run made it) and", sink, refused))
                state.record_order(
                    order.marketplace, order.order_id, status=order.status, state=IMPORTED, sink_ref=existing
                )
                return
            result.skipped += 1
            if not dry_run:
                state.record_order(order.marketplace, order.order_id, status=order.status, state=SKIPPED)
            return
        if order.fulfilled_by == FulfilledBy.MARKETPLACE:
            result.recorded.append(order.order_id)
            if not dry_run:
                state.record_order(order.marketplace, order.order_id, status=order.status, state=RECORDED)
            return
        problem = amount_problem(order)  # (the readers check it; an order held before they did is retried as kept)
        if problem is not None:
            emit(
                make(
                    "ORD010",
                    f"order {order.order_id} held: {problem.message}",
                    product_id=order.order_id,
                    field=problem.field or "order",
                    value=problem.value,
                )
            )
            hold(order, problem.message)
            return
        mapped, reasons = _map(order, skus)
        if not reasons:
            mapped = _to_fulfil(mapped)
            if _left_out(mapped, emit) and not any(line.quantity for line in mapped.lines):
                result.skipped += 1  # (nothing of it is left for the store to ship)
                if not dry_run:
                    state.record_order(order.marketplace, order.order_id, status=order.status, state=SKIPPED)
                return
        if reasons:
            for sku, reason in reasons:
                emit(
                    make(
                        "ORD002",
                        f"order {order.order_id} held: {reason}",
                        product_id=order.order_id,
                        field="sku",
                        value=sku,
                    )
                )
            hold(order, "; ".join(reason for _, reason in reasons))
            return
        if dry_run:
            result.imported.append(order.order_id)
            return
        marked = False
        before: str | None = None  # the payload a mark replaces (restored if the endpoint refuses outright)
        try:
            existing = sink.find(mapped)
            if existing is None and not sink.searchable:  # (a held order retried too: its POST may arrive)
                marked = True
                if record is not None:
                    before = state.order_payload(order.marketplace, order.order_id)
                state.record_order(
                    order.marketplace,
                    order.order_id,
                    status=order.status,
                    state=CREATING,
                    payload=mapped.model_dump_json(),
                )
            created = sink.create(_in_store(mapped)) if existing is None else None
        except OrderRejected as exc:
            emit(make("ORD007", f"order {order.order_id} held: {exc}", product_id=order.order_id, field="order"))
            hold(order, str(exc))
            return
        except RemoteError as exc:
            if marked and exc.status is not None and exc.status < 500:  # refused outright: the store has no order
                if record is None:
                    state.forget_order(order.marketplace, order.order_id, CREATING)
                else:  # as it was before this run's mark (an earlier run's mark, or a held order to retry)
                    state.record_order(
                        order.marketplace,
                        order.order_id,
                        status=record.status,
                        state=record.state,
                        message=record.message,
                        payload=before,
                    )
            raise
        if existing is not None:
            result.recovered.append(order.order_id)
            staged.append((mapped, IMPORTED, existing))
        else:
            assert created is not None
            staged.append((mapped, IMPORTED, created))
            result.imported.append(order.order_id)
        if not sink.batched:
            flush()

    def resend(mapped: Order) -> None:
        """An order a run sent to the store without learning whether it arrived (marked creating: a failure or a
        kill between the POST and its answer), which this run's orders do not list: sent again as it was sent
        (the sink's idempotency key makes a repeat harmless). A refusal leaves it to send again (never mapped or
        cut to its units again), told (ORD007) and noted: ``status`` names it, ``--handled`` settles it."""
        if dry_run:
            result.imported.append(mapped.order_id)
            return
        try:
            created = sink.create(_in_store(mapped))
        except OrderRejected as exc:  # (kept as it was sent, the refusal its note: status tells it, --handled takes it)
            result.held.append(mapped.order_id)
            text = (
                f"order {mapped.order_id} held: the store refused it: {exc}; it is sent again on every import-orders "
                "(as it was sent) until the store takes it, or marked with --handled"
            )
            emit(make("ORD007", text, product_id=mapped.order_id, field="order"))
            state.record_order(
                mapped.marketplace, mapped.order_id, status=mapped.status, state=CREATING, message=f"refused: {exc}"
            )
            return
        staged.append((mapped, IMPORTED, created))
        result.imported.append(mapped.order_id)
        if not sink.batched:
            flush()

    for order in orders:
        seen.add(order.order_id)
        handle(order)
    for order_id, _reason, payload in state.held_orders(marketplace):
        if order_id not in seen and (payload or refresh):
            handle(refresh(order_id) if refresh else Order.model_validate_json(payload or ""))
    for order_id, _reason, payload in state.held_orders(marketplace, CREATING):
        if order_id in seen or not (payload or refresh):
            continue
        if refresh:  # as the marketplace has it now (cancelled since, say): as though this run's orders listed it
            handle(refresh(order_id))
        else:  # the order as it was sent (mapped and cut to its units to fulfil: never mapped or cut again)
            resend(Order.model_validate_json(payload or ""))
    flush()
    return result


def _update(sink: OrderSink, ref: str, order: Order) -> str | None:
    """Apply ``order``'s new status to the store order ``ref``: None when done, else why not (``""`` where the sink
    cannot apply it, the store's answer where the store refused it)."""
    try:
        return None if sink.update(ref, order) else ""
    except OrderRejected as exc:
        return str(exc) or type(exc).__name__


def _not_applied(order: Order, held: str, sink: OrderSink, refused: str | None) -> Diagnostic:
    """ORD003: the store order keeps its old status. A refusal of the store (a store order deleted by hand, one
    cancelled already) is an error: the store may ship an order the marketplace cancelled."""
    why = f"{sink.describe()} refused it ({refused})" if refused else f"{sink.describe()} cannot apply it"
    return make(
        "ORD003",
        f"order {order.order_id} is now {order.status} on {order.marketplace};{held} {why}: change the store "
        "order by hand",
        product_id=order.order_id,
        field="status",
        value=order.status,
        severity=Severity.ERROR if refused else None,
    )


def _to_fulfil(order: Order) -> Order:
    """The order as the store gets it: each line's units still to ship (what the marketplace had shipped before
    and cancelled is left out, and stays named in ``shipped`` and ``cancelled``), with the line's money prorated to
    them (``_prorated``). An order the marketplace shipped in full before its import goes into the store as
    shipped: its shipped units are its lines."""
    lines = order.lines
    if order.status == OrderStatus.SHIPPED:
        lines = tuple(
            line.model_copy(update={"quantity": line.quantity + line.shipped, "shipped": 0}) for line in lines
        )
    return order.model_copy(update={"lines": tuple(_prorated(line) for line in lines)})


def _prorated(line: OrderLine) -> OrderLine:
    """``line`` with the amounts the marketplace gives for all its units ordered (tax, shipping and its tax, the
    discount, each charge and its tax) cut to the units the store gets: each rounded half-up to the currency's
    minor unit, the remainder staying with the units left out (``Money.share``). The unit price is per unit."""
    units, ordered = line.quantity, line.ordered
    if units >= ordered:
        return line

    def share(money: Money | None) -> Money | None:
        part = None if money is None else money.share(units, ordered)
        return part if part is None or part.amount else None  # (no amount is none, as the model keeps it)

    charges: list[Charge] = []
    for charge in line.charges:
        amount, tax = charge.amount.share(units, ordered), share(charge.tax)
        if amount.amount or tax is not None:  # (a charge of nothing is none, as the readers keep it)
            charges.append(charge.model_copy(update={"amount": amount, "tax": tax}))
    return line.model_copy(
        update={
            "tax": share(line.tax),
            "shipping": share(line.shipping),
            "shipping_tax": share(line.shipping_tax),
            "discount": share(line.discount),
            "charges": tuple(charges),
        }
    )


def _in_store(order: Order) -> Order:
    """``order`` without its lines of no unit left to fulfil (a store takes no line of 0 units)."""
    if all(line.quantity for line in order.lines):
        return order
    return order.model_copy(update={"lines": tuple(line for line in order.lines if line.quantity)})


def _left_out(order: Order, emit: Emit) -> bool:
    """ORD012 naming what of ``order`` (as it goes to the store) the store does not get: units the marketplace
    shipped before the import or cancelled. True when anything was left out."""
    parts = []
    for line in order.lines:
        why = [f"{n} {what}" for n, what in ((line.shipped, "shipped"), (line.cancelled, "cancelled")) if n]
        if why:
            parts.append(
                f"line {line.line_id} ({line.marketplace_sku}): {line.quantity} of {line.ordered} imported, "
                f"{' and '.join(why)} on {order.marketplace}"
            )
    if not parts:
        return False
    whole = (
        "nothing of it is left to ship, it is not imported"
        if not any(x.quantity for x in order.lines)
        else (
            "only what is still to ship is imported, with its share of each line's tax, shipping, charges and discount"
        )
    )
    emit(
        make(
            "ORD012",
            f"order {order.order_id} is {order.status} on {order.marketplace}; {whole}: {'; '.join(parts)}",
            product_id=order.order_id,
            field="quantity",
        )
    )
    return True


def note_told(state: State, result: ImportResult) -> None:
    """Forget the cancellations ``result``'s run told (ORD003) and the state kept as untold. Called once the run's
    findings are out: a run killed before tells them again, never not at all."""
    if result.told:
        checkpoint("orders.cancellations-told")  # the findings are out; the state does not know they were told
        for marketplace in dict.fromkeys(marketplace for marketplace, _, _ in result.told):
            state.forget_untold(marketplace, [(o, line) for m, o, line in result.told if m == marketplace])


def _map(order: Order, skus: SkuMap) -> tuple[Order, list[tuple[str, str]]]:
    lines = []
    reasons: list[tuple[str, str]] = []
    for line in order.lines:
        catalog_id, reason = skus.catalog_id(line.marketplace_sku)
        if reason:
            reasons.append((line.marketplace_sku, reason))
        lines.append(line.model_copy(update={"catalog_id": catalog_id}))
    return order.model_copy(update={"lines": tuple(lines)}), reasons
