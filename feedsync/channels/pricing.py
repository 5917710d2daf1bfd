"""Per-channel price rules (markup, rounding, minimum margin) and inventory rules (buffer, percent, min/max)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from feedsync.channels.rules import Change, Context, Trace, get_path
from feedsync.channels.templating import TemplateFault, fault_text
from feedsync.model.money import Money, minor_units
from feedsync.model.product import Availability


class PriceRules(BaseModel):
    """``price:`` in a profile. Applied to ``price`` and ``sale_price`` in this order: markup_percent,
    markup_fixed, round_to (nearest step, e.g. 0.05) or ending (charm price, e.g. 0.99: the lowest X.99 not
    below the value). ``min_margin_percent`` with ``cost_field`` guards the margin: a sale price that would
    break it is dropped; a regular price that would is an error for that item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    markup_percent: Decimal = Decimal(0)
    """Percent added to the price (15 = +15 %)."""
    markup_fixed: Decimal = Decimal(0)
    """Amount added after the percent markup."""
    round_to: Decimal | None = Field(default=None, gt=0)
    """Round to the nearest multiple (e.g. 0.05)."""
    ending: Decimal | None = Field(default=None, ge=0, lt=1)
    """Charm ending: the lowest price ending in these cents not below the value (e.g. 0.99)."""
    min_margin_percent: Decimal | None = None
    """Keep at least this margin over the cost: a sale price below it is dropped (CFG005)."""
    cost_field: str = "attributes.cost"
    """The field holding the unit cost."""

    @property
    def changes_price(self) -> bool:
        return bool(self.markup_percent or self.markup_fixed or self.round_to or self.ending is not None)


class MarginTooLow(Exception):
    def __init__(self, margin: Decimal, minimum: Decimal, cost: Decimal) -> None:
        super().__init__(f"margin {margin:.1f}% is below the minimum {minimum}% (cost {cost})")


def adjust_amount(amount: Decimal, rules: PriceRules, currency: str) -> Decimal:
    """``amount`` after the rules; an amount of 0 or less is no price to adjust and stays as it is (a charm
    ending made 0.00 an offer at 0.99, and the channels' checks of a price of 0 never saw it)."""
    if amount <= 0:
        return amount
    value = amount * (1 + rules.markup_percent / 100) + rules.markup_fixed
    if rules.round_to is not None:
        value = (value / rules.round_to).quantize(Decimal(1), rounding=ROUND_HALF_UP) * rules.round_to
    if rules.ending is not None:
        candidate = value.to_integral_value(rounding=ROUND_FLOOR) + rules.ending
        if candidate < value:
            candidate += 1
        value = candidate
    step = Decimal(1).scaleb(-minor_units(currency))
    return value.quantize(step, rounding=ROUND_CEILING if rules.ending is not None else ROUND_HALF_UP)


def apply_price_rules(ctx: Context, rules: PriceRules, trace: Trace | None) -> None:
    """The price rules on the channel's view of a product. Decimal arithmetic that fails on this product's values
    (a cost that is no number, a markup that makes the price too large to round) is the rule's fault on this
    product (a ``TemplateFault``, a finding), not a bug."""
    try:
        _apply_price_rules(ctx, rules, trace)
    except ArithmeticError as exc:
        raise TemplateFault(fault_text(exc)) from None


def _apply_price_rules(ctx: Context, rules: PriceRules, trace: Trace | None) -> None:
    for field in ("price", "sale_price"):
        money = ctx.get(field)
        if rules.changes_price and isinstance(money, Money):
            new = Money.model_construct(
                amount=adjust_amount(money.amount, rules, money.currency), currency=money.currency
            )
            ctx[field] = new
            if trace is not None:
                trace.append(Change("price", "price rules", field, money, new))
    if rules.min_margin_percent is None:
        return
    cost_value = get_path(ctx, rules.cost_field)
    if cost_value in (None, ""):
        return
    cost = Decimal(str(cost_value.amount if isinstance(cost_value, Money) else cost_value).strip())
    for field in ("sale_price", "price"):
        money = ctx.get(field)
        if not isinstance(money, Money) or money.amount <= 0:
            continue
        margin = (money.amount - cost) / money.amount * 100
        if margin >= rules.min_margin_percent:
            return
        if field == "sale_price":
            ctx["sale_price"] = None
            ctx["sale_price_effective_date"] = None
            if trace is not None:
                trace.append(Change("price", "minimum margin", "sale_price", money, None))
            continue
        raise MarginTooLow(margin, rules.min_margin_percent, cost)


class InventoryRules(BaseModel):
    """``inventory:`` in a profile: reserve ``buffer`` units for other channels, offer ``percent`` of the rest,
    then clamp to ``min``/``max``. A tracked quantity that ends at 0 makes an in-stock item out of stock."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    buffer: int = Field(default=0, ge=0)
    """Units held back for other channels."""
    percent: Decimal = Field(default=Decimal(100), ge=0, le=100)
    """Share of the remaining units offered."""
    min: int | None = Field(default=None, ge=0)
    """Lowest quantity offered (after the buffer and share)."""
    max: int | None = Field(default=None, ge=0)
    """Highest quantity offered."""

    @property
    def active(self) -> bool:
        return bool(self.buffer or self.percent != 100 or self.min is not None or self.max is not None)


def apply_inventory_rules(ctx: Context, rules: InventoryRules, trace: Trace | None) -> None:
    quantity: Any = ctx.get("quantity")
    if not rules.active or quantity is None:
        return
    offered = int((Decimal(max(quantity - rules.buffer, 0)) * rules.percent / 100).to_integral_value(ROUND_FLOOR))
    if rules.max is not None:
        offered = min(offered, rules.max)
    if rules.min is not None:
        offered = max(offered, rules.min)
    ctx["quantity"] = offered
    if trace is not None:
        trace.append(Change("inventory", "inventory rules", "quantity", quantity, offered))
    if offered <= 0 and ctx.get("availability") is Availability.IN_STOCK:
        ctx["availability"] = Availability.OUT_OF_STOCK
        if trace is not None:
            trace.append(
                Change("inventory", "inventory rules", "availability", Availability.IN_STOCK, Availability.OUT_OF_STOCK)
            )
