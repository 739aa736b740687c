"""Kashoo line items to product and tax journal items, keeping Kashoo's tax amounts exactly.

Kashoo computes each tax per line. The mapper keeps those amounts to the cent and only checks
them: a non-compound tax is ``rate x line amount``, a compound tax ``rate x (line amount + the
non-compound taxes listed before it on the line)``, each rounded half up to the minor unit.
A difference is reported (:class:`TaxRoundingDifference`), never corrected.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .description import ROLE_PRODUCT, ROLE_TAX, MoveLine, TaxLine, TaxRoundingDifference
from .errors import invalid_record
from .money import from_minor_units
from .parsing import optional_decimal, optional_int, optional_text, required_int
from .pricing import price_line


@dataclass(frozen=True)
class ItemLines:
    """The journal items and tax totals of a record's line items.

    :ivar tuple product_lines: one :class:`MoveLine` per line item.
    :ivar tuple tax_items: tax :class:`MoveLine` items, one per tax, distribution and account.
    :ivar tuple tax_lines: one :class:`TaxLine` per Kashoo tax.
    :ivar Decimal net_total: sum of the line amounts, Kashoo's sign.
    :ivar Decimal tax_total: sum of the tax amounts, Kashoo's sign.
    """

    product_lines: tuple[MoveLine, ...]
    tax_items: tuple[MoveLine, ...]
    tax_lines: tuple[TaxLine, ...]
    net_total: Decimal
    tax_total: Decimal
    rounding_differences: tuple[TaxRoundingDifference, ...]
    notes: tuple[str, ...]


@dataclass
class _TaxSum:
    """Running totals of one tax (or one tax item), in minor units."""

    base: int = 0
    amount: int = 0


def recompute_tax(taxable_minor_units, rate):
    """Compute a tax the way Kashoo documents it: rate x taxable, half up to the minor unit.

    :param int taxable_minor_units: the base (plus earlier taxes for a compound tax).
    :param Decimal rate: percent.
    :rtype: int
    """
    return int((taxable_minor_units * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class _TaxAccumulator:
    """Collects the taxes of all lines: totals per tax, per tax item, and the differences."""

    def __init__(self, context, snapshot, side):
        self.context = context
        self.snapshot = snapshot
        self.side = side
        self.taxes = {}  # Kashoo tax id -> (KashooTax, OdooTax), in order of appearance
        self.tax_sums = defaultdict(_TaxSum)  # Kashoo tax id -> totals
        self.item_sums = defaultdict(_TaxSum)  # (Kashoo tax id, distribution, account) -> totals
        self.differences = []

    def add_line(self, raw_item, path, index, amount_minor_units, account_id, refund_distribution):
        """Add the taxes of one line; return its Odoo tax ids and base tag ids."""
        record_id = self.context.record_id
        tax_ids, base_tag_ids, line_tax_ids = [], [], set()
        non_compound_minor_units = 0
        for tax_index, raw_tax in enumerate(_list(self.context, raw_item, "taxes", path)):
            tax_path = f"{path}.taxes[{tax_index}]"
            kashoo_tax_id = required_int(record_id, raw_tax, "tax", tax_path)
            tax_minor_units = required_int(record_id, raw_tax, "amount", tax_path)
            if kashoo_tax_id in line_tax_ids:
                raise invalid_record(record_id, f"Tax {kashoo_tax_id} is listed twice on '{path}'.")
            line_tax_ids.add(kashoo_tax_id)
            kashoo_tax, odoo_tax = self.snapshot.tax(kashoo_tax_id, self.side)
            self.taxes[kashoo_tax_id] = (kashoo_tax, odoo_tax)
            distribution = odoo_tax.refund if refund_distribution else odoo_tax.invoice

            taxable_minor_units = amount_minor_units + (
                non_compound_minor_units if kashoo_tax.compound else 0
            )
            recomputed = recompute_tax(taxable_minor_units, kashoo_tax.rate)
            if recomputed != tax_minor_units:
                self.differences.append(
                    TaxRoundingDifference(
                        line_index=index,
                        kashoo_tax_id=kashoo_tax_id,
                        tax_name=kashoo_tax.name,
                        kashoo_amount=self.context.money(tax_minor_units),
                        recomputed_amount=self.context.money(recomputed),
                    )
                )
            if not kashoo_tax.compound:
                non_compound_minor_units += tax_minor_units

            item_key = (kashoo_tax_id, distribution, distribution.account_id or account_id)
            for running in (self.tax_sums[kashoo_tax_id], self.item_sums[item_key]):
                running.base += taxable_minor_units
                running.amount += tax_minor_units
            _append_new(tax_ids, [odoo_tax.tax_id])
            _append_new(base_tag_ids, distribution.base_tag_ids)
        return tuple(tax_ids), tuple(base_tag_ids)


def build_item_lines(record, context, snapshot, *, side, refund_document, is_entry, partner_id):
    """Turn the ``lineItems`` of an invoice, bill or expense into journal items.

    Signs: ``side`` decides the direction (a sale credits its lines, a purchase debits them);
    Kashoo's negative amounts (credit notes, refunds) flip it again.

    :param dict record: the Kashoo record.
    :param RecordContext context: its header.
    :param MappingSnapshot snapshot: mappings of the batch.
    :param str side: ``sale`` or ``purchase``: which Odoo taxes apply.
    :param bool refund_document: the move is a credit note or a refund.
    :param bool is_entry: the move is a plain entry; Odoo then picks the invoice or refund tax
        distribution per item from its debit or credit, not from the move type.
    :param int|None partner_id: partner written on every item.
    :raise InvalidRecordError: no line items, or a malformed one.
    :raise UnmappedAccountError: a line's account is not mapped.
    :raise UnmappedTaxError: a line's tax is not mapped for ``side``.
    :rtype: ItemLines
    """
    raw_items = record.get("lineItems")
    if not isinstance(raw_items, list) or not raw_items:
        raise invalid_record(context.record_id, "The record has no line items ('lineItems').")
    journal_sign = -1 if side == "sale" else 1
    document_sign = -1 if refund_document else 1

    accumulator = _TaxAccumulator(context, snapshot, side)
    product_lines = []
    net_minor_units = 0
    for index, raw_item in enumerate(raw_items):
        path = f"lineItems[{index}]"
        if not isinstance(raw_item, Mapping):
            raise invalid_record(context.record_id, f"'{path}' is not an object.")
        kashoo_account_id = required_int(context.record_id, raw_item, "account", path)
        account_id = snapshot.odoo_account(kashoo_account_id, context.currency_code)
        amount_minor_units = required_int(context.record_id, raw_item, "amount", path)
        net_minor_units += amount_minor_units
        tax_ids, base_tag_ids = accumulator.add_line(
            raw_item,
            path,
            index,
            amount_minor_units,
            account_id,
            refund_distribution=amount_minor_units < 0 if is_entry else refund_document,
        )
        product_lines.append(
            _product_line(
                context,
                snapshot,
                raw_item,
                path,
                account_id=account_id,
                kashoo_account_id=kashoo_account_id,
                amount=context.money(amount_minor_units),
                journal_sign=journal_sign,
                document_sign=document_sign,
                partner_id=partner_id,
                tax_ids=tax_ids,
                base_tag_ids=base_tag_ids,
            )
        )

    tax_items = _tax_items(context, accumulator, journal_sign, partner_id)
    tax_lines = tuple(
        TaxLine(
            kashoo_tax_id=kashoo_tax_id,
            name=kashoo_tax.name,
            kind=kashoo_tax.kind,
            rate=kashoo_tax.rate,
            compound=kashoo_tax.compound,
            province=kashoo_tax.province,
            odoo_tax_id=odoo_tax.tax_id,
            base=context.money(accumulator.tax_sums[kashoo_tax_id].base),
            amount=context.money(accumulator.tax_sums[kashoo_tax_id].amount),
            balance=sum(
                (
                    context.to_company(journal_sign * item.amount_currency)
                    for item in tax_items
                    if item.kashoo_tax_id == kashoo_tax_id
                ),
                from_minor_units(0, context.company_decimals),
            ),
        )
        for kashoo_tax_id, (kashoo_tax, odoo_tax) in accumulator.taxes.items()
    )
    return ItemLines(
        product_lines=tuple(product_lines),
        tax_items=tax_items,
        tax_lines=tax_lines,
        net_total=context.money(net_minor_units),
        tax_total=sum((tax_line.amount for tax_line in tax_lines), context.money(0)),
        rounding_differences=tuple(accumulator.differences),
        notes=_notes(context, accumulator),
    )


def _list(context, data, key, path):
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise invalid_record(context.record_id, f"'{path}.{key}' is not a list of objects.")
    return value


def _append_new(target, values):
    target.extend(value for value in values if value not in target)


def _product_line(
    context,
    snapshot,
    raw_item,
    path,
    *,
    account_id,
    kashoo_account_id,
    amount,
    journal_sign,
    document_sign,
    partner_id,
    tax_ids,
    base_tag_ids,
):
    record_id = context.record_id
    quantity = optional_decimal(record_id, raw_item, "quantity", path)
    unit_price_minor_units = optional_int(record_id, raw_item, "unitPrice", path)
    unit_price = None if unit_price_minor_units is None else context.money(unit_price_minor_units)
    discount = context.money(optional_int(record_id, raw_item, "discount", path) or 0)
    pricing = price_line(
        document_sign * amount,
        quantity,
        None if unit_price is None else document_sign * unit_price,
        document_sign * discount,
        context.currency.decimals,
        snapshot.precision,
    )
    kashoo_account = snapshot.kashoo_accounts.get(kashoo_account_id)
    name = optional_text(raw_item, "description") or (kashoo_account and kashoo_account.name) or ""
    if unit_price is not None and not pricing.keeps_kashoo_figures:
        # Odoo cannot hold Kashoo's figures exactly: keep them in the label.
        discount_text = f" - {discount} discount" if discount else ""
        shown_quantity = 1 if quantity is None else quantity
        name = f"{name} (Kashoo: {shown_quantity} x {unit_price}{discount_text})".strip()
    return MoveLine(
        role=ROLE_PRODUCT,
        account_id=account_id,
        name=name,
        amount_currency=journal_sign * amount,
        partner_id=partner_id,
        quantity=pricing.quantity,
        price_unit=pricing.price_unit,
        discount=pricing.discount,
        tax_ids=tax_ids,
        tax_tag_ids=base_tag_ids,
    )


def _tax_items(context, accumulator, journal_sign, partner_id):
    items = []
    for (kashoo_tax_id, distribution, account_id), running in accumulator.item_sums.items():
        if not running.amount:
            continue  # a 0 % tax, or a line too small to carry tax: nothing to post
        kashoo_tax, odoo_tax = accumulator.taxes[kashoo_tax_id]
        items.append(
            MoveLine(
                role=ROLE_TAX,
                account_id=account_id,
                name=kashoo_tax.name,
                amount_currency=journal_sign * context.money(running.amount),
                partner_id=partner_id,
                tax_tag_ids=distribution.tax_tag_ids,
                kashoo_tax_id=kashoo_tax_id,
                odoo_tax_id=odoo_tax.tax_id,
                tax_repartition_line_id=distribution.repartition_line_id,
                tax_base_amount=abs(context.to_company(context.money(running.base))),
            )
        )
    return tuple(items)


def _notes(context, accumulator):
    notes = [
        f"Tax {difference.tax_name} on line {difference.line_index + 1}: Kashoo charged "
        f"{difference.kashoo_amount}, the rate gives {difference.recomputed_amount}; Kashoo's "
        "amount is kept."
        for difference in accumulator.differences
    ]
    notes.extend(
        f"Tax {kashoo_tax.name} ({kashoo_tax.rate}%) is valid from {kashoo_tax.valid_from or '-'} "
        f"to {kashoo_tax.valid_to or '-'}, not on {context.date}; Kashoo's amount is kept."
        for kashoo_tax, _odoo_tax in accumulator.taxes.values()
        if not kashoo_tax.applies_on(context.date)
    )
    return tuple(notes)
