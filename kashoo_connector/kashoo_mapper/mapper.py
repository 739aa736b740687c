"""Map one Kashoo record to a neutral description of its Odoo accounting document.

What each Kashoo type becomes:

- ``invoice``: a customer invoice (``out_invoice``), or a credit note (``out_refund``) when its
  amount is negative.
- ``bill``: a vendor bill (``in_invoice``), or a refund (``in_refund``) when negative.
- ``invoicePayment`` / ``billPayment``: a payment (an ``entry`` with :class:`PaymentInfo`)
  whose receivable or payable items name the imported moves they settle; an early-payment
  discount is written off to the company's discount account. GST/HST is not adjusted for a
  prompt-payment discount (Excise Tax Act s. 161), so the write-off carries no tax.
- ``transfer``: an entry between two liquidity accounts, in the general journal.
- ``expense`` paid from a bank or credit-card account: an entry in that account's journal
  (expense and recoverable-tax items against the liquidity account), exactly the entry Kashoo
  books. A bill plus a payment would add a payable Kashoo never had, and two moves per record.
- ``expense`` paid by an employee (``reimbursable``): a bill to the employee's partner on the
  employee-reimbursement payable, as Odoo's own expense claims are, so the reimbursement is paid
  and matched like any bill and aged per employee.
- ``removed: true`` (any type): a :class:`Removal`. ``readOnly`` records import normally: they
  are locked in Kashoo, not invalid.

Every description balances to the cent in both currencies. In a foreign currency, each item is
converted at Kashoo's rate; the receivable, payable or liquidity item gets exactly
``total x rate`` (what Kashoo's own ledger shows), and the cent the conversion may leave goes to
the largest product, counterpart or write-off item, never to a tax item.
"""

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from . import narration
from .context import read_context, required_minor_units
from .description import (
    ROLE_COUNTERPART,
    ROLE_LIQUIDITY,
    ROLE_TAX,
    ROLE_WRITE_OFF,
    MoveDescription,
    MoveLine,
    PaymentApplication,
    PaymentInfo,
    Removal,
)
from .errors import (
    FIX_CORRECT_IN_KASHOO,
    FIX_IGNORE_RECORD,
    REF_RECORD,
    CurrencyMismatchError,
    KashooRef,
    MappingError,
    UnbalancedError,
    UnsupportedTypeError,
    invalid_record,
)
from .line_items import build_item_lines
from .parsing import business_date, optional_int, optional_text, required_int
from .snapshot import PURCHASE, SALE, employee_key

_MOVE_TYPES = {
    (SALE, False): "out_invoice",
    (SALE, True): "out_refund",
    (PURCHASE, False): "in_invoice",
    (PURCHASE, True): "in_refund",
}


def map_record(record, snapshot):
    """Describe the Odoo document of one Kashoo record.

    Pure: reads only ``record`` and ``snapshot``, writes nothing, and gives the same result for
    the same input. Unknown fields of the record are ignored; ``null`` is the same as absent.

    :param dict record: one record as the Kashoo API returns it.
    :param MappingSnapshot snapshot: the mappings of the batch.
    :return: the move to write, or a :class:`Removal` for a soft-deleted record.
    :rtype: MoveDescription|Removal
    :raise MappingError: the record cannot be mapped; a subclass says why, and its
        ``record_id`` is set.
    """
    if not isinstance(record, Mapping):
        raise invalid_record(None, f"A Kashoo record must be an object, got {record!r}.")
    record_id = required_int(None, record, "id")
    try:
        return _map(record, record_id, snapshot)
    except MappingError as error:
        error.record_id = record_id
        raise


def _map(record, record_id, snapshot):
    kashoo_type = record.get("type")
    if record.get("removed") is True:
        return Removal(record_id, optional_int(record_id, record, "version"), kashoo_type)
    builder = _BUILDERS.get(kashoo_type) if isinstance(kashoo_type, str) else None
    if builder is None:
        raise UnsupportedTypeError(
            f"Kashoo records of type {kashoo_type!r} are not imported.",
            kashoo_ref=KashooRef(REF_RECORD, record_id, f"{kashoo_type} {record_id}"),
            fix_action=FIX_IGNORE_RECORD,
            suggested_fix="Ignore the record if it has no accounting effect in Kashoo; "
            "otherwise enter it in Odoo by hand.",
        )
    context = read_context(record, record_id, kashoo_type, snapshot)
    description = builder(record, context, snapshot)
    description.balance_check()
    return description


def _map_invoice(record, context, snapshot):
    return _document(
        record,
        context,
        snapshot,
        side=SALE,
        partner_id=_contact_partner(record, context, snapshot, required=True),
        counterpart_account_id=snapshot.receivable_account_id,
        journal_id=snapshot.journals.sale,
        ref=optional_text(record, "poNumber"),
    )


def _map_bill(record, context, snapshot):
    return _document(
        record,
        context,
        snapshot,
        side=PURCHASE,
        partner_id=_contact_partner(record, context, snapshot, required=True),
        counterpart_account_id=snapshot.payable_account_id,
        journal_id=snapshot.journals.purchase,
        ref=context.number,
    )


def _map_expense(record, context, snapshot):
    paid_from = optional_int(context.record_id, record, "paidFrom")
    if record.get("reimbursable") is True:
        return _employee_claim(record, context, snapshot, paid_from)
    if paid_from is None:
        raise invalid_record(
            context.record_id, "An expense that is not reimbursable needs 'paidFrom'."
        )
    partner_id = _contact_partner(record, context, snapshot, required=False)
    amount = required_minor_units(context, record, "amount")
    items = build_item_lines(
        record,
        context,
        snapshot,
        side=PURCHASE,
        refund_document=amount < 0,
        is_entry=True,
        partner_id=partner_id,
    )
    _check_total(context, amount, items)
    liquidity = MoveLine(
        role=ROLE_LIQUIDITY,
        account_id=snapshot.odoo_account(paid_from, context.currency_code),
        name=_label(context, "Expense"),
        amount_currency=-_sum_amounts(items.product_lines + items.tax_items),
        partner_id=partner_id,
    )
    return _describe(
        context,
        move_type="entry",
        journal_id=snapshot.journals.by_account.get(paid_from, snapshot.journals.general),
        partner_id=None,  # on entries the items carry the partner (no follower is written)
        ref=context.number,
        original_amount=amount,
        lines=items.product_lines + items.tax_items + (liquidity,),
        anchor_role=ROLE_LIQUIDITY,
        items=items,
    )


def _employee_claim(record, context, snapshot, paid_from):
    if paid_from is not None:
        raise invalid_record(
            context.record_id,
            "A reimbursable expense is paid by an employee; it cannot also name 'paidFrom'.",
        )
    employee = record.get("employee")
    if not isinstance(employee, Mapping) or not employee_key(employee):
        raise invalid_record(context.record_id, "A reimbursable expense must name its 'employee'.")
    return _document(
        record,
        context,
        snapshot,
        side=PURCHASE,
        partner_id=snapshot.employee_partner(employee),
        counterpart_account_id=snapshot.company_account(
            snapshot.employee_payable_account_id,
            "employee_payable_account_id",
            "employee expense reimbursements",
        ),
        journal_id=snapshot.journals.purchase,
        ref=context.number,
    )


def _document(
    record, context, snapshot, *, side, partner_id, counterpart_account_id, journal_id, ref
):
    """An invoice, bill or expense claim: line items against a receivable or payable."""
    amount = required_minor_units(context, record, "amount")
    refund = amount < 0
    items = build_item_lines(
        record,
        context,
        snapshot,
        side=side,
        refund_document=refund,
        is_entry=False,
        partner_id=partner_id,
    )
    _check_total(context, amount, items)
    due_date = business_date(context.record_id, record, "dueDate", required=False) or context.date
    counterpart = MoveLine(
        role=ROLE_COUNTERPART,
        account_id=counterpart_account_id,
        name=context.number or "",
        amount_currency=-_sum_amounts(items.product_lines + items.tax_items),
        partner_id=partner_id,
        date_maturity=due_date,
    )
    return _describe(
        context,
        move_type=_MOVE_TYPES[side, refund],
        journal_id=journal_id,
        partner_id=partner_id,
        ref=ref,
        original_amount=amount,
        lines=items.product_lines + items.tax_items + (counterpart,),
        anchor_role=ROLE_COUNTERPART,
        items=items,
        invoice_date=context.date,
        invoice_date_due=due_date,
    )


def _map_invoice_payment(record, context, snapshot):
    return _payment(record, context, snapshot, side=SALE)


def _map_bill_payment(record, context, snapshot):
    return _payment(record, context, snapshot, side=PURCHASE)


def _payment(record, context, snapshot, side):
    partner_id = _contact_partner(record, context, snapshot, required=True)
    amount = required_minor_units(context, record, "amount")
    deposit_account = required_int(context.record_id, record, "depositAccount")
    liquidity_account_id = snapshot.odoo_account(deposit_account, context.currency_code)
    method = optional_text(record, "paymentMethod")
    method_target = snapshot.payment_methods.get(method) if method else None
    journal_id = _payment_journal(deposit_account, method_target, snapshot)
    applications = _applications(record, context, snapshot, side)
    unapplied = _unapplied_amount(context, amount, applications)

    # Money in is a debit of the liquidity account: customer payments, vendor refunds.
    cash_sign = 1 if side == SALE else -1
    discounts = sum((application.discount for application in applications), context.money(0))
    payment = PaymentInfo(
        # The direction of the settlement, which a discount alone (no cash) still has.
        payment_type="inbound" if cash_sign * (amount + discounts) >= 0 else "outbound",
        partner_type="customer" if side == SALE else "supplier",
        amount=abs(amount),
        payment_method=method,
        payment_method_line_id=(
            method_target.payment_method_line_id
            if method_target and method_target.journal_id == journal_id
            else None
        ),
        liquidity_account_id=liquidity_account_id,
        applications=tuple(
            replace(application, amount=abs(application.amount), discount=abs(application.discount))
            for application in applications
        ),
        unapplied=abs(unapplied),
    )
    return _describe(
        context,
        move_type="entry",
        journal_id=journal_id,
        partner_id=partner_id,
        ref=context.number or context.memo,
        original_amount=amount,
        lines=_payment_lines(
            context,
            snapshot,
            side=side,
            cash_sign=cash_sign,
            partner_id=partner_id,
            liquidity_account_id=liquidity_account_id,
            amount=amount,
            applications=applications,
            unapplied=unapplied,
        ),
        anchor_role=ROLE_LIQUIDITY,
        payment=payment,
    )


def _unapplied_amount(context, amount, applications):
    """Check the amounts of a payment against what it applies; return what is left unapplied."""
    applied = sum((application.amount for application in applications), context.money(0))
    amounts = [amount, *(a.amount for a in applications), *(a.discount for a in applications)]
    if any(value > 0 for value in amounts) and any(value < 0 for value in amounts):
        raise invalid_record(context.record_id, "The payment mixes positive and negative amounts.")
    if abs(applied) > abs(amount):
        raise UnbalancedError(
            f"The payment of {_money(context, amount)} applies "
            f"{_money(context, applied)} to records.",
            kashoo_ref=KashooRef(REF_RECORD, context.record_id, f"payment {context.record_id}"),
            fix_action=FIX_CORRECT_IN_KASHOO,
            suggested_fix="Correct the amounts applied by the payment in Kashoo.",
        )
    return amount - applied


def _payment_lines(
    context,
    snapshot,
    *,
    side,
    cash_sign,
    partner_id,
    liquidity_account_id,
    amount,
    applications,
    unapplied,
):
    """Cash, one receivable or payable item per settled record, its discount, the rest."""
    label = _label(context, "Payment")
    counterpart_account_id = (
        snapshot.receivable_account_id if side == SALE else snapshot.payable_account_id
    )
    lines = [
        MoveLine(
            role=ROLE_LIQUIDITY,
            account_id=liquidity_account_id,
            name=label,
            amount_currency=cash_sign * amount,
            partner_id=partner_id,
            date_maturity=context.date,
        )
    ]
    for application in applications:
        lines.append(
            MoveLine(
                role=ROLE_COUNTERPART,
                account_id=counterpart_account_id,
                name=f"{label}: Kashoo record {application.kashoo_record_id}",
                amount_currency=-cash_sign * (application.amount + application.discount),
                partner_id=partner_id,
                reconcile_move_id=application.move_id,
                date_maturity=context.date,
            )
        )
        if application.discount:
            lines.append(
                MoveLine(
                    role=ROLE_WRITE_OFF,
                    account_id=_discount_account(snapshot, side),
                    name=f"Early payment discount: Kashoo record {application.kashoo_record_id}",
                    amount_currency=cash_sign * application.discount,
                    partner_id=partner_id,
                )
            )
    if unapplied:
        lines.append(
            MoveLine(
                role=ROLE_COUNTERPART,
                account_id=counterpart_account_id,
                name=f"{label}: not applied",
                amount_currency=-cash_sign * unapplied,
                partner_id=partner_id,
                date_maturity=context.date,
            )
        )
    return tuple(lines)


def _discount_account(snapshot, side):
    return snapshot.company_account(
        snapshot.early_payment_discount_account_ids.get(side),
        f"early_payment_discount_account_ids[{side}]",
        "early-payment discounts granted to customers"
        if side == SALE
        else "early-payment discounts taken from vendors",
    )


def _payment_journal(deposit_account, method_target, snapshot):
    """The deposit account's own journal; else the journal mapped for the payment method."""
    if deposit_account not in snapshot.journals.by_account and method_target is not None:
        return method_target.journal_id
    return snapshot.bank_journal(deposit_account)


def _applications(record, context, snapshot, side):
    """Read ``appliesTo``; amounts keep Kashoo's sign."""
    raw_applications = record.get("appliesTo") or []
    if not isinstance(raw_applications, list) or not all(
        isinstance(raw, Mapping) for raw in raw_applications
    ):
        raise invalid_record(context.record_id, "'appliesTo' is not a list of objects.")
    target_type = "invoice" if side == SALE else "bill"
    applications = []
    for index, raw_application in enumerate(raw_applications):
        path = f"appliesTo[{index}]"
        target_id = required_int(context.record_id, raw_application, "record", path)
        imported = snapshot.imported_record(target_id)
        if imported.kashoo_type != target_type:
            raise invalid_record(
                context.record_id,
                f"A {context.kashoo_type} cannot settle Kashoo record {target_id}, a "
                f"{imported.kashoo_type}.",
            )
        if imported.currency_code != context.currency_code:
            raise CurrencyMismatchError(
                f"The payment is in {context.currency_code} but Kashoo record {target_id} is "
                f"in {imported.currency_code}.",
                kashoo_ref=KashooRef(REF_RECORD, target_id, f"{target_type} {target_id}"),
                fix_action=FIX_CORRECT_IN_KASHOO,
                suggested_fix=f"Record the payment in {imported.currency_code} in Kashoo.",
            )
        discount = optional_int(context.record_id, raw_application, "discount", path) or 0
        applications.append(
            PaymentApplication(
                kashoo_record_id=target_id,
                move_id=imported.move_id,
                amount=required_minor_units(context, raw_application, "amount", path),
                discount=context.money(discount),
            )
        )
    return applications


def _map_transfer(record, context, snapshot):
    from_account = required_int(context.record_id, record, "fromAccount")
    to_account = required_int(context.record_id, record, "toAccount")
    if from_account == to_account:
        raise invalid_record(context.record_id, "A transfer needs two different accounts.")
    amount = required_minor_units(context, record, "amount")
    label = _label(context, "Transfer")
    lines = tuple(
        MoveLine(
            role=ROLE_LIQUIDITY,
            account_id=snapshot.odoo_account(kashoo_account, context.currency_code),
            name=label,
            amount_currency=amount_currency,
        )
        for kashoo_account, amount_currency in ((from_account, -amount), (to_account, amount))
    )
    return _describe(
        context,
        move_type="entry",
        journal_id=snapshot.journals.general,
        partner_id=None,
        ref=context.number,
        original_amount=amount,
        lines=lines,
        anchor_role=ROLE_LIQUIDITY,
    )


_BUILDERS = {
    "invoice": _map_invoice,
    "bill": _map_bill,
    "invoicePayment": _map_invoice_payment,
    "billPayment": _map_bill_payment,
    "transfer": _map_transfer,
    "expense": _map_expense,
}

#: Kashoo record types the mapper imports.
SUPPORTED_TYPES = tuple(_BUILDERS)


def _contact_partner(record, context, snapshot, required):
    contact_id = optional_int(context.record_id, record, "contact")
    if contact_id is None:
        if required:
            raise invalid_record(context.record_id, "The record names no 'contact'.")
        return None
    return snapshot.partner(contact_id, optional_text(record, "contactName"))


def _check_total(context, amount, items):
    if items.net_total + items.tax_total != amount:
        raise UnbalancedError(
            f"The record total {_money(context, amount)} is not the sum of its lines "
            f"{_money(context, items.net_total)} and taxes {_money(context, items.tax_total)}.",
            kashoo_ref=KashooRef(REF_RECORD, context.record_id, f"record {context.record_id}"),
            fix_action=FIX_CORRECT_IN_KASHOO,
            suggested_fix="Correct the lines or the total of the record in Kashoo.",
        )


def _label(context, fallback):
    return context.number or context.memo or fallback


def _money(context, amount):
    return narration.format_amount(amount, context.currency_code)


def _sum_amounts(lines):
    return sum((line.amount_currency for line in lines), Decimal(0))


def _company_balances(lines, anchor_role, context):
    """Convert every item; the anchor gets exactly ``total x rate``, the largest other
    non-tax item absorbs the cent left over. Returns the items and that cent."""
    balances = [context.to_company(line.amount_currency) for line in lines]
    leftover = Decimal(0) - sum(balances, Decimal(0))
    if leftover:
        adjustable = [
            index for index, line in enumerate(lines) if line.role not in (ROLE_TAX, anchor_role)
        ]
        largest = max(adjustable, key=lambda index: abs(lines[index].amount_currency))
        balances[largest] += leftover
    return tuple(
        replace(line, balance=balance) for line, balance in zip(lines, balances, strict=True)
    ), leftover


def _describe(
    context,
    *,
    move_type,
    journal_id,
    partner_id,
    ref,
    original_amount,
    lines,
    anchor_role,
    items=None,
    payment=None,
    invoice_date=None,
    invoice_date_due=None,
):
    lines, leftover = _company_balances(lines, anchor_role, context)
    tax_lines = items.tax_lines if items else ()
    notes = list(items.notes if items else ())
    if leftover:
        notes.append(
            f"Converting at {context.rate} left {leftover} {context.company_currency}, added to "
            "the largest item so that the move balances."
        )
    company_amount = context.to_company(original_amount)
    return MoveDescription(
        kashoo_id=context.record_id,
        kashoo_version=context.version,
        kashoo_type=context.kashoo_type,
        kashoo_read_only=context.read_only,
        move_uuid=context.move_uuid,
        move_type=move_type,
        journal_id=journal_id,
        partner_id=partner_id,
        date=context.date,
        invoice_date=invoice_date,
        invoice_date_due=invoice_date_due,
        number=context.number,
        ref=ref,
        currency_code=context.currency_code,
        currency_id=context.currency.odoo_id,
        exchange_rate=context.rate,
        original_amount=original_amount,
        company_amount=company_amount,
        lines=lines,
        tax_lines=tax_lines,
        narration=_narration(context, tax_lines, payment, original_amount, company_amount),
        payment=payment,
        tax_rounding_differences=items.rounding_differences if items else (),
        conversion_rounding=leftover,
        notes=tuple(notes),
    )


def _narration(context, tax_lines, payment, original_amount, company_amount):
    document = " ".join(part for part in (context.kashoo_type, context.number) if part)
    version = "-" if context.version is None else context.version
    sentences = [
        f"Imported from Kashoo: {document} (Kashoo id {context.record_id}, version {version}).",
        f"Audit UUID: {context.move_uuid}.",
    ]
    if context.read_only:
        sentences.append("The record is locked (read-only) in Kashoo.")
    if context.memo:
        sentences.append(f"Memo: {context.memo}")
    foreign_currency = context.company_currency if context.rate is not None else None
    sentences.extend(
        narration.tax_sentence(tax_line, context.currency_code, foreign_currency)
        for tax_line in tax_lines
    )
    if tax_lines:
        total_tax = sum((tax_line.amount for tax_line in tax_lines), context.money(0))
        sentences.append(f"Total tax: {_money(context, total_tax)}")
    if payment is not None:
        sentences.extend(_payment_sentences(context, payment))
    if context.rate is not None:
        sentences.append(
            f"Original amount: {_money(context, original_amount)} at {context.rate} "
            f"{context.company_currency} per {context.currency_code} = "
            f"{narration.format_amount(company_amount, context.company_currency)}."
        )
    return narration.render(sentences)


def _payment_sentences(context, payment):
    for application in payment.applications:
        discount = (
            f" and an early-payment discount of {_money(context, application.discount)}"
            if application.discount
            else ""
        )
        yield (
            f"Applied to Kashoo record {application.kashoo_record_id}: "
            f"{_money(context, application.amount)}{discount}."
        )
    if payment.unapplied:
        yield f"Not applied to any record: {_money(context, payment.unapplied)}."
