"""Odoo 18 ``create()`` values built from a :class:`MoveDescription`, ready for a batched create.

x2many commands are plain tuples (``(0, 0, vals)`` creates, ``(6, 0, ids)`` sets), so nothing
here imports Odoo. Amounts become ``float`` only here, at the edge of the ORM, which stores
them as floats anyway; every value is already rounded to its currency.

Invoices, bills and expense claims (``to_move_vals``) get product lines only
(``invoice_line_ids``): Odoo 18 recomputes the tax lines of an invoice when it is created,
whatever the values say (``_sync_tax_lines`` treats a new invoice like a currency change), so
Kashoo's amounts are forced afterwards. The importer, for each created move, **before posting**:

1. reads ``description.tax_targets()``: ``{(odoo_tax_id, account_id): (amount_currency,
   balance)}``, signed like the journal items (negative on a sale invoice); a missing key means
   zero;
2. for each tax line whose ``(tax_line_id, account_id)`` amounts differ, writes the target
   inside the payment-term sync, exactly as Odoo's own "edit tax amount" does
   (``account.move._inverse_tax_totals``)::

       with move._sync_dynamic_line(
           existing_key_fname="term_key", needed_vals_fname="needed_terms",
           needed_dirty_fname="needed_terms_dirty", line_type="payment_term",
           container={"records": move},
       ):
           tax_line.write({"amount_currency": ..., "balance": ...})

   so the receivable or payable follows and the move stays balanced;
3. logs every forced difference with ``description.tax_rounding_differences`` and
   ``description.notes``;
4. for a foreign currency, writes the ``balance`` of each product and counterpart line that
   differs from the description (Odoo converts with ``invoice_currency_rate`` in floats; the
   description converts with Kashoo's exact rate), and the counterpart account when it is not
   the partner's default (an employee claim uses the employee-reimbursement payable).

Entries (transfers, expenses paid from a bank or card) carry every item, tax items included,
with ``balance`` and ``amount_currency``: Odoo 18 then keeps the tax amounts as given (the fast
path of ``_sync_tax_lines``); the context key ``skip_invoice_sync`` is safe for them too.

Payments (``to_payment_vals``) give ``account.payment`` values whose ``line_ids`` hold the
complete journal items; ``account.payment.create`` writes them as the payment's move. The
importer then writes :func:`kashoo_move_vals` on ``payment.move_id``, posts, and reconciles
each counterpart item with the receivable or payable of its ``reconcile_move_id``; Odoo books
any exchange difference itself.
"""

from decimal import Decimal

from .description import ROLE_PRODUCT, ROLE_TAX

#: ``account.move`` fields that record where a move came from (defined by the addon's model).
KASHOO_ID_FIELD = "kashoo_id"
KASHOO_VERSION_FIELD = "kashoo_version"
KASHOO_UUID_FIELD = "kashoo_uuid"
KASHOO_ORIGINAL_AMOUNT_FIELD = "kashoo_original_amount"
KASHOO_EXCHANGE_RATE_FIELD = "kashoo_exchange_rate"


def kashoo_move_vals(description):
    """Return the values that tie a move to its Kashoo record, and its narration.

    :param MoveDescription description: a mapped record.
    :return: the ``kashoo_*`` fields (id, version, audit UUID, original amount, exchange rate;
        ``False`` when unset) and ``narration``.
    :rtype: dict
    """
    rate = description.exchange_rate
    return {
        KASHOO_ID_FIELD: description.kashoo_id,
        KASHOO_VERSION_FIELD: description.kashoo_version or False,
        KASHOO_UUID_FIELD: description.move_uuid,
        KASHOO_ORIGINAL_AMOUNT_FIELD: float(description.original_amount),
        KASHOO_EXCHANGE_RATE_FIELD: False if rate is None else float(rate),
        "narration": description.narration,
    }


def to_move_vals(description):
    """Return the ``account.move`` create values of an invoice, bill, claim or entry.

    :param MoveDescription description: a mapped record that is not a payment.
    :raise ValueError: for a payment; use :func:`to_payment_vals`.
    :rtype: dict
    """
    if description.payment is not None:
        raise ValueError("A payment is created with to_payment_vals(), not to_move_vals().")
    vals = {
        "move_type": description.move_type,
        "journal_id": description.journal_id,
        "date": description.date,
        "ref": description.ref or False,
        "currency_id": description.currency_id,
        **kashoo_move_vals(description),
    }
    if not description.is_invoice:
        vals["line_ids"] = [(0, 0, _item_vals(description, line)) for line in description.lines]
        return vals
    vals.update(
        {
            "partner_id": description.partner_id,
            "invoice_date": description.invoice_date,
            "invoice_date_due": description.invoice_date_due,
            "invoice_line_ids": [
                (0, 0, _invoice_line_vals(line))
                for line in description.lines
                if line.role == ROLE_PRODUCT
            ],
        }
    )
    if description.move_type in ("out_invoice", "out_refund"):
        vals["payment_reference"] = description.number or False
    if description.exchange_rate is not None:
        # Odoo's rate runs the other way: record-currency units per company-currency unit.
        vals["invoice_currency_rate"] = float(Decimal(1) / description.exchange_rate)
    return vals


def to_payment_vals(description):
    """Return the ``account.payment`` create values of a payment description.

    :param MoveDescription description: a mapped ``invoicePayment`` or ``billPayment``.
    :raise ValueError: for any other description; use :func:`to_move_vals`.
    :rtype: dict
    """
    payment = description.payment
    if payment is None:
        raise ValueError("Only payments are created with to_payment_vals().")
    vals = {
        "payment_type": payment.payment_type,
        "partner_type": payment.partner_type,
        "partner_id": description.partner_id,
        "amount": float(payment.amount),
        "currency_id": description.currency_id,
        "date": description.date,
        "journal_id": description.journal_id,
        "memo": description.ref or False,
        "line_ids": [(0, 0, _item_vals(description, line)) for line in description.lines],
    }
    if payment.payment_method_line_id is not None:
        vals["payment_method_line_id"] = payment.payment_method_line_id
    return vals


def _invoice_line_vals(line):
    return {
        "display_type": "product",
        "account_id": line.account_id,
        "name": line.name,
        "quantity": float(line.quantity),
        "price_unit": float(line.price_unit),
        "discount": float(line.discount),
        "tax_ids": [(6, 0, list(line.tax_ids))],
    }


def _item_vals(description, line):
    vals = {
        "display_type": "tax" if line.role == ROLE_TAX else "product",
        "account_id": line.account_id,
        "name": line.name,
        "partner_id": line.partner_id or False,
        "currency_id": description.currency_id,
        "amount_currency": float(line.amount_currency),
        "balance": float(line.balance),
    }
    if line.role == ROLE_PRODUCT:
        vals["tax_ids"] = [(6, 0, list(line.tax_ids))]
        vals["tax_tag_ids"] = [(6, 0, list(line.tax_tag_ids))]
    elif line.role == ROLE_TAX:
        vals["tax_repartition_line_id"] = line.tax_repartition_line_id
        vals["tax_tag_ids"] = [(6, 0, list(line.tax_tag_ids))]
        vals["tax_base_amount"] = float(line.tax_base_amount)
    if line.date_maturity:
        vals["date_maturity"] = line.date_maturity
    return vals
