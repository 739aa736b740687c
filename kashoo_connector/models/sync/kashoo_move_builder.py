"""Kashoo records to posted Odoo documents: the contract the sync engine codes against.

The import engine (``kashoo.import.engine``) claims Kashoo records, then calls, on
``env["kashoo.move.builder"]``:

``_kashoo_prepare(backend, records)``
    -> ``[(record, vals_or_error), ...]`` in input order, nothing written but the reference
    data the records need (partners of known Kashoo contacts and of employees, matched or
    created in batch, and payment-method rows). Each item is:

    - ``dict``: ``account.move`` create values (invoices, bills, credit notes, refunds,
      expense claims, transfers, expenses); for ``invoicePayment``/``billPayment`` the
      ``account.payment`` create values instead (recognised by their ``payment_type`` key;
      ``line_ids`` holds the complete journal items);
    - a :class:`~kashoo_mapper.Removal` for a record with ``removed: true``;
    - a :class:`~kashoo_mapper.MappingError` (never raised) when it cannot be mapped: use
      ``error.error_type``, ``error.fix_action``, ``error.kashoo_ref``, ``error.suggested_fix``
      (``error.to_dict()`` for JSON).

    Payments whose invoice is not imported yet get a ``MissingPaymentTargetError`` here; the
    builder below imports invoices before the payments of the same batch, so hand the whole
    batch to ``_kashoo_build_moves``.

``_kashoo_build_moves(backend, records)``
    -> ``[ImportResult, ...]`` in input order. Creates every mappable document with one
    batched ``create()`` and posts them with one batched ``action_post()``; then the payments
    (one ``create()``, one ``action_post()``), each reconciled with the invoices or bills it
    settles (partial payments and early-payment discounts included). Tax amounts are forced
    to Kashoo's exact amounts where Odoo's rounding differs (logged, and listed in
    ``result.notes``); the full tax breakdown is in the move's narration. A ``removed`` record
    creates nothing (``outcome == "deleted"``; call ``_kashoo_remove_move`` on its move). A
    record whose move (same audit UUID: same record version) already exists is not created
    twice (``outcome == "unchanged"``). It never commits. When the batch fails, every record is
    retried alone inside a savepoint, so one bad record only fails itself. A date inside a
    lock date gives an error with ``error_type == "locked_period"``.

``_kashoo_rewrite_move(move, record)``
    -> ``ImportResult`` for a new version of an imported record. Draft move: lines
    rewritten in place. Posted move: when its period is open and nothing is reconciled,
    reset to draft, rewrite, post again; otherwise an error (``locked_period`` or
    ``reconciled``) and the move is left untouched. A payment's reconciliation is ours: it
    is undone, the payment rewritten in place and reconciled again (the move keeps its
    Kashoo id, unique per company). ``removed: true`` delegates to
    ``_kashoo_remove_move``. A move secured by Odoo's inalterability hash (the backend's
    "Lock imported entries with Odoo's hash", or any journal in restrict mode) cannot be
    reset to draft: it is reversed and the new version created as a new document
    (``result.move``), whose ``kashoo_previous_move_id`` is the reversed one; the original
    gives up its Kashoo id, which belongs to the live document.

``_kashoo_remove_move(move, reason=None)``
    -> ``ImportResult`` with ``outcome == "deleted"``: a draft move is deleted (``result.move``
    is empty); a posted move is reversed with a reason (``result.move`` is the reversal),
    dated like the original, or today when the original's period is locked.

Results are :class:`~kashoo_logic.sync_outcomes.ImportResult` in the sync log's words.
Every error is typed: a ``MappingError`` (the mapper's, or one of
``kashoo_logic.import_errors``: ``PostingError``, ``LockedPeriodError``,
``ReconciledMoveError``, which share its attributes), or an ``UnexpectedImportError`` for a
failure nobody foresaw. Lock dates and reconciliations are checked before Odoo is asked, so
an error's type never depends on the text of Odoo's (translated) message.

Moves carry ``kashoo_backend_id``, ``kashoo_id``, ``kashoo_version``, ``kashoo_type``,
``kashoo_uuid``, ``kashoo_original_amount`` and ``kashoo_exchange_rate`` (see
``models/sync/account_move.py``).
"""

import logging
from collections.abc import Mapping

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ...kashoo_logic import sync_outcomes
from ...kashoo_logic.import_errors import (
    PostingError,
    locked_period_error,
    reconciled_error,
    record_error,
    refused_error,
    unexpected_error,
)
from ...kashoo_logic.sync_outcomes import ImportResult
from ...kashoo_mapper import (
    ROLE_COUNTERPART,
    ROLE_LIQUIDITY,
    ROLE_PRODUCT,
    ROLE_TAX,
    MappingError,
    MoveDescription,
    Removal,
    kashoo_move_vals,
    map_record,
    to_move_vals,
    to_payment_vals,
)
from ...kashoo_mapper.errors import FIX_CORRECT_IN_KASHOO
from ...utils import TRANSIENT_DB_ERRORS
from .account_move import IMPORT_SEQUENCE_CONTEXT

_logger = logging.getLogger(__name__)

PAYMENT_TYPES = ("invoicePayment", "billPayment")
# Mail bookkeeping an import does not need: no tracking values, no creation messages.
IMPORT_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


def _record_id(record):
    value = record.get("id") if isinstance(record, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record_version(record):
    value = record.get("version") if isinstance(record, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _guarded(record_id, version, call, explain=None):
    """Run ``call`` and return its result, or the typed error result of ``record_id``.

    The one place where the builder turns an exception into a record's error. When Odoo
    refuses (``UserError``, ``ValidationError``), ``explain()`` looks at the documents as
    they are (a lock date, a reconciliation) and returns the typed error it finds; else the
    refusal is a :class:`PostingError` carrying Odoo's message. Odoo's message is never read
    to decide: it is translated. Anything else becomes an ``UnexpectedImportError``;
    transient database errors are raised, as the engine runs the whole batch again.
    """
    try:
        return call()
    except TRANSIENT_DB_ERRORS:
        raise
    except MappingError as error:
        return ImportResult(record_id, version, None, error, sync_outcomes.ERROR)
    except (UserError, ValidationError) as error:
        reason = error.args[0] if error.args else str(error)
        typed = (explain and explain()) or refused_error(record_id, reason)
        return ImportResult(record_id, version, None, typed, sync_outcomes.ERROR)
    except Exception as error:  # noqa: BLE001 - the engine retries it, then quarantines
        _logger.info("Kashoo record %s not imported: %s", record_id, error)
        return ImportResult(
            record_id, version, None, unexpected_error(record_id, error), sync_outcomes.ERROR
        )


class _NotSuperseded(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Rolls back a half-done supersession; carries the new version's failed result."""

    def __init__(self, result):
        super().__init__(result.kashoo_id)
        self.result = result


class KashooMoveBuilder(models.AbstractModel):
    """Turns Kashoo records into posted ``account.move`` (see the module docstring)."""

    _name = "kashoo.move.builder"
    _description = "Kashoo Move Builder"

    # === CONTRACT === #

    @api.model
    def _kashoo_prepare(self, backend, records):
        """Map records to create values; see the module docstring.

        :param backend: ``kashoo.backend`` record.
        :param list[dict] records: Kashoo records as the API returns them.
        :return: ``[(record, vals | Removal | MappingError), ...]`` in input order.
        """
        if self.env.company != backend.company_id:
            # Company-dependent values (payment terms, receivables) are the backend company's.
            return self.with_company(backend.company_id)._kashoo_prepare(backend, records)
        described = self._kashoo_describe(backend, records)
        return [
            (
                record,
                self._kashoo_vals(backend, item) if isinstance(item, MoveDescription) else item,
            )
            for record, item in described
        ]

    @api.model
    def _kashoo_build_moves(self, backend, records):
        """Create and post the documents of a batch; see the module docstring.

        :param backend: ``kashoo.backend`` record.
        :param list[dict] records: Kashoo records.
        :return: one :class:`ImportResult` per record, in input order.
        :rtype: list[ImportResult]
        """
        backend.ensure_one()
        if self.env.company != backend.company_id:
            return self.with_company(backend.company_id)._kashoo_build_moves(backend, records)
        if backend.kashoo_lock_with_hash:
            backend._kashoo_apply_hash_lock()
        results = [None] * len(records)
        documents = [
            (index, record)
            for index, record in enumerate(records)
            if not (
                isinstance(record, Mapping)
                and record.get("type") in PAYMENT_TYPES
                and record.get("removed") is not True
            )
        ]
        payments = [
            (index, record)
            for index, record in enumerate(records)
            if (index, record) not in documents
        ]
        # Invoices and bills first: payments of the same batch settle them.
        for group, builder in (
            (documents, self._kashoo_build_documents),
            (payments, self._kashoo_build_payments),
        ):
            if not group:
                continue
            for (index, _record), result in zip(
                group,
                self._kashoo_build_isolated(backend, [r for _i, r in group], builder),
                strict=True,
            ):
                results[index] = result
        return results

    @api.model
    def _kashoo_rewrite_move(self, move, record):
        """Bring an imported move to a new version of its record; see the module docstring.

        :param move: the ``account.move`` of the previous version.
        :param dict record: the new version.
        :rtype: ImportResult
        """
        move.ensure_one()
        if self.env.company != move.company_id:
            return self.with_company(move.company_id)._kashoo_rewrite_move(
                move.with_company(move.company_id), record
            )
        backend = move.kashoo_backend_id
        record_id, version = _record_id(record), _record_version(record)
        if isinstance(record, Mapping) and record.get("removed") is True:
            return self._kashoo_remove_move(move)
        if move.state == "posted" and (move.inalterable_hash or move.restrict_mode_hash_table):
            return self._kashoo_supersede_move(move, record)
        if move.origin_payment_id:
            return self._kashoo_replace_payment(move, record)
        [(_record, item)] = self._kashoo_describe(backend, [record])
        if not isinstance(item, MoveDescription):
            return ImportResult(record_id, version, None, item, sync_outcomes.ERROR)
        blocker = self._kashoo_change_blocker(move, record_id, item)
        if blocker:
            return ImportResult(record_id, version, None, blocker, sync_outcomes.ERROR)

        def rewrite():
            was_posted = move.state == "posted"
            with self.env.cr.savepoint():
                if was_posted:
                    move.button_draft()
                self._kashoo_rewrite_lines(backend, move, item)
                notes = self._kashoo_force_amounts(move, item)
                if was_posted:
                    move.action_post()
            return ImportResult(
                record_id, version, move, None, sync_outcomes.UPDATED, tuple(item.notes) + notes
            )

        return _guarded(
            record_id, version, rewrite, lambda: self._kashoo_change_blocker(move, record_id, item)
        )

    @api.model
    def _kashoo_supersede_move(self, move, record):
        """A new version of a posted, hash-locked move: reverse it, then create the new
        version as a new document of the same lineage (see the module docstring)."""
        backend = move.kashoo_backend_id
        record_id, version = _record_id(record), _record_version(record)
        [(_record, item)] = self._kashoo_describe(backend, [record])
        if not isinstance(item, MoveDescription):
            return ImportResult(record_id, version, None, item, sync_outcomes.ERROR)
        is_payment = bool(move.origin_payment_id)

        def blocker():
            # A payment's reconciliation is ours (undone here); a document's is not.
            if is_payment:
                return self._kashoo_lock_error(move, record_id, item, has_tax=False)
            return self._kashoo_change_blocker(move, record_id, item)

        blocked = blocker()
        if blocked:
            return ImportResult(record_id, version, None, blocked, sync_outcomes.ERROR)

        def supersede():
            try:
                with self.env.cr.savepoint():
                    if is_payment:
                        move.line_ids.remove_move_reconcile()
                    self._kashoo_reverse(
                        move,
                        self.env._(
                            "Replaced by version %(version)s of Kashoo record %(id)s",
                            version=version,
                            id=record_id,
                        ),
                    )
                    # The Kashoo id is unique among live documents: it moves to the new one.
                    move.with_context(**IMPORT_CONTEXT).write({"kashoo_id": False})
                    [result] = self._kashoo_build_moves(backend, [record])
                    if result.error is not None or not result.move:
                        raise _NotSuperseded(result)
                    result.move.with_context(**IMPORT_CONTEXT).write(
                        {"kashoo_previous_move_id": move.id}
                    )
            except _NotSuperseded as failed:
                return failed.result
            return ImportResult(
                record_id, version, result.move, None, sync_outcomes.UPDATED, result.notes
            )

        return _guarded(record_id, version, supersede, blocker)

    @api.model
    def _kashoo_remove_move(self, move, reason=None):
        """Undo the move of a record deleted in Kashoo; see the module docstring.

        :rtype: ImportResult
        """
        move.ensure_one()
        if self.env.company != move.company_id:
            return self.with_company(move.company_id)._kashoo_remove_move(
                move.with_company(move.company_id), reason
            )
        record_id, version = move.kashoo_id or None, move.kashoo_version or None
        if move.state == "cancel":
            return ImportResult(record_id, version, None, None, sync_outcomes.DELETED)

        def remove():
            with self.env.cr.savepoint():
                if move.state == "draft":
                    move.with_context(force_delete=True).unlink()
                    return ImportResult(record_id, version, None, None, sync_outcomes.DELETED)
                reversal = self._kashoo_reverse(
                    move, reason or self.env._("Deleted in Kashoo (record %(id)s)", id=record_id)
                )
            return ImportResult(record_id, version, reversal, None, sync_outcomes.DELETED)

        return _guarded(record_id, version, remove)

    @api.model
    def _kashoo_reverse(self, move, reason):
        """Reverse a posted move, dated like it, or today when its period is locked."""
        reverse_date = move.date
        if move.company_id._get_violated_lock_dates(
            move.date, bool(move.line_ids.tax_ids), move.journal_id
        ):
            reverse_date = fields.Date.context_today(self)
        # As Odoo's reversal wizard does: a refund needs its own invoice date (vendor refunds
        # cannot be posted without one).
        is_invoice = move.is_invoice(include_receipts=True)
        reversal = move._reverse_moves(
            [
                {
                    "date": reverse_date,
                    "invoice_date": is_invoice and reverse_date,
                    "invoice_date_due": is_invoice and reverse_date,
                    "ref": reason,
                }
            ],
            cancel=True,
        )
        if move.origin_payment_id:
            # The payment no longer exists in Kashoo; its move is reversed, not deleted.
            move.origin_payment_id.with_context(**IMPORT_CONTEXT).write({"state": "canceled"})
        return reversal

    # === DESCRIBING === #

    @api.model
    def _kashoo_describe(self, backend, records, imported_extra=()):
        """Map each record with one snapshot: ``[(record, MoveDescription|Removal|error)]``.

        The reference data the records need is written first, as its own step; reading the
        snapshot then writes nothing.
        """
        backend.ensure_one()
        contact_ids, target_ids, employees, methods = set(), set(), [], set()
        for record in records:
            if not isinstance(record, Mapping):
                continue
            if isinstance(record.get("contact"), int):
                contact_ids.add(record["contact"])
            for application in record.get("appliesTo") or ():
                if isinstance(application, Mapping) and isinstance(application.get("record"), int):
                    target_ids.add(application["record"])
            if isinstance(record.get("employee"), Mapping):
                employees.append(record["employee"])
            if isinstance(record.get("paymentMethod"), str):
                methods.add(record["paymentMethod"])
        employee_partners = self._kashoo_prepare_references(
            backend, contact_ids, methods, employees
        )
        snapshot = backend._kashoo_mapping_snapshot(
            contact_ids=contact_ids,
            imported_record_ids=target_ids | set(imported_extra),
            employee_partners=employee_partners,
        )
        described = []
        for record in records:
            try:
                described.append((record, map_record(record, snapshot)))
            except MappingError as error:
                described.append((record, error))
        return described

    @api.model
    def _kashoo_prepare_references(self, backend, contact_ids, methods, employees):
        """Write the reference data a batch needs before it is mapped: a partner for each
        known Kashoo contact and each employee to reimburse (matched, else created, in
        batch), and the payment-method rows. The engine mirrored the contacts beforehand.

        :return: the employees' partners, by employee key.
        """
        if contact_ids:
            self.env["kashoo.contact"].sudo().search(
                [
                    ("backend_id", "=", backend.id),
                    ("kashoo_id", "in", list(contact_ids)),
                ]
            )._kashoo_resolve_partners()
        if methods:
            self.env["kashoo.payment.method"].sudo()._kashoo_ensure(backend, methods)
        return backend._kashoo_employee_partners(employees)

    @api.model
    def _kashoo_vals(self, backend, description):
        """Create values of a description, with the partner's payment term when it agrees."""
        identity = {"kashoo_backend_id": backend.id, "kashoo_type": description.kashoo_type}
        if description.payment is not None:
            vals = to_payment_vals(description)
            liquidity = next(line for line in description.lines if line.role == ROLE_LIQUIDITY)
            vals.update(
                identity,
                kashoo_id=description.kashoo_id,
                kashoo_version=description.kashoo_version or False,
                kashoo_uuid=description.move_uuid,
                outstanding_account_id=liquidity.account_id,
            )
            return vals
        vals = {**to_move_vals(description), **identity}
        if description.is_invoice:
            vals["invoice_payment_term_id"] = self._kashoo_payment_term(description).id or False
            if vals["invoice_payment_term_id"]:
                vals.pop("invoice_date_due")  # the term gives the same date
        return vals

    @api.model
    def _kashoo_payment_term(self, description):
        """The partner's payment term if it gives Kashoo's due date, else none: the imported
        due date wins, and a term with instalments would split Kashoo's single due amount."""
        partner = self.env["res.partner"].browse(description.partner_id)
        term = (
            partner.property_payment_term_id
            if description.move_type in ("out_invoice", "out_refund")
            else partner.property_supplier_payment_term_id
        )
        lines = term.line_ids
        if (
            len(lines) == 1
            and lines.value == "percent"
            and lines.delay_type == "days_after"
            and not term.early_discount
            and description.invoice_date
            and description.invoice_date_due
            and (description.invoice_date_due - description.invoice_date).days == lines.nb_days
        ):
            return term
        return term.browse()

    # === BUILDING === #

    @api.model
    def _kashoo_build_isolated(self, backend, records, builder):
        """Run ``builder`` on the batch; if it fails, on each record alone (savepoints)."""
        if len(records) == 1:

            def alone():
                with self.env.cr.savepoint():
                    return builder(backend, records)[0]

            return [_guarded(_record_id(records[0]), _record_version(records[0]), alone)]
        try:
            with self.env.cr.savepoint():
                return builder(backend, records)
        except TRANSIENT_DB_ERRORS:
            raise  # not the records' fault: the import engine runs the batch again
        except Exception as error:  # noqa: BLE001 - fall back to one record at a time
            _logger.info(
                "Kashoo batch of %s records failed (%s); importing one by one", len(records), error
            )
        return [self._kashoo_build_isolated(backend, [record], builder)[0] for record in records]

    @api.model
    def _kashoo_precheck(self, backend, described):
        """Results for what must not be created (errors, removals, existing versions, locked
        dates); the rest is returned to be created."""
        results, todo = {}, []
        uuids = [item.move_uuid for _r, item in described if isinstance(item, MoveDescription)]
        existing = {}
        if uuids:
            Model = self.env["account.move"]
            for move in Model.search(
                [
                    ("kashoo_backend_id", "=", backend.id),
                    ("kashoo_uuid", "in", uuids),
                    ("state", "!=", "cancel"),
                ]
            ):
                existing[move.kashoo_uuid] = move
        company = backend.company_id
        journals = self.env["account.journal"].browse(
            {item.journal_id for _r, item in described if isinstance(item, MoveDescription)}
        )
        journal_by_id = {journal.id: journal for journal in journals}
        for index, (record, item) in enumerate(described):
            record_id, version = _record_id(record), _record_version(record)
            if isinstance(item, Removal):
                results[index] = ImportResult(record_id, version, None, None, sync_outcomes.DELETED)
            elif not isinstance(item, MoveDescription):
                results[index] = ImportResult(record_id, version, None, item, sync_outcomes.ERROR)
            elif item.move_uuid in existing:
                results[index] = ImportResult(
                    record_id, version, existing[item.move_uuid], None, sync_outcomes.UNCHANGED
                )
            else:
                locks = company._get_violated_lock_dates(
                    item.date, bool(item.tax_lines), journal_by_id[item.journal_id]
                )
                if locks:
                    results[index] = ImportResult(
                        record_id,
                        version,
                        None,
                        locked_period_error(record_id, item.date, locks[-1][0]),
                        sync_outcomes.ERROR,
                    )
                else:
                    todo.append((index, item))
        return results, todo

    @api.model
    def _kashoo_build_documents(self, backend, records):
        """Invoices, bills, refunds, claims, transfers and expenses: one create, one post."""
        described = self._kashoo_describe(backend, records)
        results, todo = self._kashoo_precheck(backend, described)
        if todo:
            Move = self.env["account.move"].with_context(**IMPORT_CONTEXT)
            # Journal entries arrive complete (tax lines, counterpart, balanced), so Odoo's
            # line synchronisation has nothing to add to them (and costs most of create());
            # invoices and bills keep it: Odoo builds their payment terms.
            groups = [
                ([index for index, (_i, item) in enumerate(todo) if item.is_invoice], {}),
                (
                    [index for index, (_i, item) in enumerate(todo) if not item.is_invoice],
                    {"skip_invoice_sync": True},
                ),
            ]
            created = {}
            for indexes, context in groups:
                if indexes:
                    group = Move.with_context(**context).create(
                        [self._kashoo_vals(backend, todo[index][1]) for index in indexes]
                    )
                    created.update(zip(indexes, group, strict=True))
            moves = Move.browse([created[index].id for index in range(len(todo))])
            notes = [
                self._kashoo_force_amounts(move, item)
                for move, (_i, item) in zip(moves, todo, strict=True)
            ]
            for indexes, context in groups:
                if indexes:
                    Move.browse([created[index].id for index in indexes]).with_context(
                        **context, **{IMPORT_SEQUENCE_CONTEXT: True}
                    ).action_post()
            for move, (index, item), forced in zip(moves, todo, notes, strict=True):
                results[index] = ImportResult(
                    item.kashoo_id,
                    item.kashoo_version,
                    move,
                    None,
                    sync_outcomes.DONE,
                    tuple(item.notes) + forced,
                )
        return [results[index] for index in range(len(records))]

    @api.model
    def _kashoo_build_payments(self, backend, records):
        """Payments: one create, one post, then each reconciled with what it settles."""
        described = self._kashoo_describe(backend, records)
        results, todo = self._kashoo_precheck(backend, described)
        if todo:
            targets = self.env["account.move"].browse(
                {
                    application.move_id
                    for _i, item in todo
                    for application in item.payment.applications
                }
            )
            vals_list = [self._kashoo_payment_vals(backend, item, targets) for _i, item in todo]
            Payment = self.env["account.payment"].with_context(**IMPORT_CONTEXT)
            payments = Payment.create(vals_list)
            for payment, (_i, item) in zip(payments, todo, strict=True):
                payment.move_id.write(
                    {
                        **kashoo_move_vals(item),
                        "kashoo_backend_id": backend.id,
                        "kashoo_type": item.kashoo_type,
                    }
                )
            payments.move_id.action_post()
            payments.action_post()
            for payment, (index, item) in zip(payments, todo, strict=True):
                self._kashoo_reconcile_payment(payment.move_id, item, targets)
                results[index] = ImportResult(
                    item.kashoo_id,
                    item.kashoo_version,
                    payment.move_id,
                    None,
                    sync_outcomes.DONE,
                    tuple(item.notes),
                )
        return [results[index] for index in range(len(records))]

    @api.model
    def _kashoo_payment_vals(self, backend, item, targets):
        """Payment values whose settling items use the account of what they settle (the
        partner's receivable or payable may differ from the company default)."""
        vals = self._kashoo_vals(backend, item)
        target_accounts = {}
        for move in targets:
            term_lines = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            target_accounts[move.id] = term_lines[:1].account_id.id
        line_commands = []
        for command, line in zip(vals["line_ids"], item.lines, strict=True):
            line_vals = dict(command[2])
            if line.reconcile_move_id and target_accounts.get(line.reconcile_move_id):
                line_vals["account_id"] = target_accounts[line.reconcile_move_id]
            line_commands.append(Command.create(line_vals))
        vals["line_ids"] = line_commands
        return vals

    @api.model
    def _kashoo_reconcile_payment(self, payment_move, item, targets):
        lines = payment_move.line_ids.sorted(lambda line: line.id)
        for line, described_line in zip(lines, item.lines, strict=True):
            if not described_line.reconcile_move_id:
                continue
            target = targets.browse(described_line.reconcile_move_id)
            open_lines = target.line_ids.filtered(
                lambda target_line, account=line.account_id: target_line.account_id == account
                and not target_line.reconciled
            )
            if open_lines:
                (line | open_lines).reconcile()

    @api.model
    def _kashoo_replace_payment(self, move, record):
        """A new version of a payment: its reconciliation is ours, so it is undone, the
        journal items rewritten in place (the move keeps its Kashoo id, which is unique per
        company), and the payment reconciled again."""
        backend = move.kashoo_backend_id
        record_id, version = _record_id(record), _record_version(record)
        [(_record, item)] = self._kashoo_describe(backend, [record])
        if not isinstance(item, MoveDescription):
            return ImportResult(record_id, version, None, item, sync_outcomes.ERROR)
        if item.payment is None:
            return ImportResult(
                record_id,
                version,
                None,
                record_error(
                    PostingError,
                    record_id,
                    f"Kashoo record {record_id} was a payment and is now a {item.kashoo_type}.",
                    FIX_CORRECT_IN_KASHOO,
                    "Delete the record in Kashoo and enter it again.",
                ),
                sync_outcomes.ERROR,
            )
        locked = self._kashoo_lock_error(move, record_id, item, has_tax=False)
        if locked:
            return ImportResult(record_id, version, None, locked, sync_outcomes.ERROR)

        def replace_payment():
            with self.env.cr.savepoint():
                targets = self.env["account.move"].browse(
                    {application.move_id for application in item.payment.applications}
                )
                vals = self._kashoo_payment_vals(backend, item, targets)
                move.line_ids.remove_move_reconcile()
                move.button_draft()
                move.with_context(**IMPORT_CONTEXT, skip_account_move_synchronization=True).write(
                    {
                        "date": item.date,
                        "journal_id": item.journal_id,
                        "currency_id": item.currency_id,
                        "line_ids": [Command.clear()] + vals["line_ids"],
                        **kashoo_move_vals(item),
                    }
                )
                move.origin_payment_id.with_context(**IMPORT_CONTEXT).write(
                    {key: vals[key] for key in ("amount", "kashoo_version", "kashoo_uuid")}
                )
                move.action_post()
                self._kashoo_reconcile_payment(move, item, targets)
            return ImportResult(
                record_id, version, move, None, sync_outcomes.UPDATED, tuple(item.notes)
            )

        return _guarded(
            record_id,
            version,
            replace_payment,
            lambda: self._kashoo_lock_error(move, record_id, item, has_tax=False),
        )

    # === AMOUNTS === #

    @api.model
    def _kashoo_force_amounts(self, move, description):
        """Make the move's amounts exactly Kashoo's; return notes about what was forced.

        Odoo recomputes the tax lines of an invoice when it is created, with its own rounding,
        and converts foreign amounts in floats. Kashoo's amounts win: each tax line, product
        line and the receivable/payable that differs is written with the described amounts,
        without a new tax computation (``skip_invoice_sync``); the move must still balance.
        """
        if not description.is_invoice:
            return ()
        currency = move.currency_id
        company_currency = move.company_currency_id
        commands, notes = [], []

        def differs(line, amount_currency, balance):
            return currency.compare_amounts(
                line.amount_currency, float(amount_currency)
            ) or company_currency.compare_amounts(line.balance, float(balance))

        products = move.line_ids.filtered(lambda line: line.display_type == "product").sorted(
            lambda line: (line.sequence, line.id)
        )
        described_products = [line for line in description.lines if line.role == ROLE_PRODUCT]
        for line, target in zip(products, described_products, strict=True):
            if differs(line, target.amount_currency, target.balance):
                commands.append(
                    Command.update(
                        line.id,
                        {
                            "amount_currency": float(target.amount_currency),
                            "balance": float(target.balance),
                        },
                    )
                )

        targets = description.tax_targets()
        seen = set()
        for line in move.line_ids.filtered(lambda line: line.display_type == "tax"):
            key = (line.tax_line_id.id, line.account_id.id)
            amount_currency, balance = targets.get(key, (0, 0))
            if key in seen:
                amount_currency, balance = 0, 0  # one line per key carries the amount
            seen.add(key)
            if differs(line, amount_currency, balance):
                notes.append(
                    f"Tax {line.tax_line_id.name} on {line.account_id.code}: Odoo computed "
                    f"{line.amount_currency:.{currency.decimal_places}f}, Kashoo charged "
                    f"{amount_currency}; Kashoo's amount is kept."
                )
                commands.append(
                    Command.update(
                        line.id,
                        {"amount_currency": float(amount_currency), "balance": float(balance)},
                    )
                )
        for line in description.lines:
            key = (line.odoo_tax_id, line.account_id)
            if line.role == ROLE_TAX and key not in seen:
                seen.add(key)
                notes.append(
                    f"Tax {line.name}: Odoo computed none, Kashoo charged "
                    f"{line.amount_currency}; Kashoo's amount is kept."
                )
                commands.append(
                    Command.create(
                        {
                            "display_type": "tax",
                            "name": line.name,
                            "account_id": line.account_id,
                            "partner_id": line.partner_id or False,
                            "currency_id": description.currency_id,
                            "amount_currency": float(line.amount_currency),
                            "balance": float(line.balance),
                            "tax_repartition_line_id": line.tax_repartition_line_id,
                            "tax_tag_ids": [Command.set(list(line.tax_tag_ids))],
                            "tax_base_amount": float(line.tax_base_amount or 0),
                        }
                    )
                )

        counterpart = next(line for line in description.lines if line.role == ROLE_COUNTERPART)
        terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
        # Odoo books the partner's default receivable/payable; an employee claim goes to the
        # employee-reimbursement payable the description names.
        other_account = counterpart.account_id and terms.filtered(
            lambda line: line.account_id.id != counterpart.account_id
        )
        for line in other_account or ():
            commands.append(Command.update(line.id, {"account_id": counterpart.account_id}))
        if commands or differs_total(terms, counterpart, currency, company_currency):
            if len(terms) == 1:
                commands.append(
                    Command.update(
                        terms.id,
                        {
                            "amount_currency": float(counterpart.amount_currency),
                            "balance": float(counterpart.balance),
                        },
                    )
                )
            move.with_context(skip_invoice_sync=True).write({"line_ids": commands})
        for note in notes:
            _logger.info("Kashoo record %s (move %s): %s", description.kashoo_id, move.id, note)
        return tuple(notes)

    @api.model
    def _kashoo_change_blocker(self, move, record_id, description):
        """Why a posted move cannot take the new version ``description`` (an error), or
        ``None``: a lock date over its date or the new one, or a reconciliation."""
        if move.state != "posted":
            return None
        has_tax = bool(move.line_ids.tax_ids or move.line_ids.tax_line_id or description.tax_lines)
        locked = self._kashoo_lock_error(move, record_id, description, has_tax)
        if locked:
            return locked
        if any(line.matched_debit_ids or line.matched_credit_ids for line in move.line_ids):
            return reconciled_error(record_id, move.name)
        return None

    @api.model
    def _kashoo_lock_error(self, move, record_id, description, has_tax):
        """The lock-date error of changing ``move`` (dated as it is) into ``description``
        (dated as the new version is), or ``None`` when both dates are open."""
        company = move.company_id
        journal = self.env["account.journal"].browse(description.journal_id) or move.journal_id
        for day, day_journal in ((move.date, move.journal_id), (description.date, journal)):
            locks = company._get_violated_lock_dates(day, has_tax, day_journal)
            if locks:
                return locked_period_error(record_id, day, locks[-1][0])
        return None

    @api.model
    def _kashoo_rewrite_lines(self, backend, move, description):
        vals = self._kashoo_vals(backend, description)
        if vals.get("move_type") == move.move_type:
            vals.pop("move_type")
        new_lines = vals.pop("invoice_line_ids", None) or vals.pop("line_ids", None) or []
        if description.is_invoice:
            old = move.line_ids.filtered(lambda line: line.display_type == "product")
            vals["invoice_line_ids"] = [Command.delete(line.id) for line in old] + new_lines
        else:
            vals["line_ids"] = [Command.clear()] + new_lines
        move.with_context(**IMPORT_CONTEXT).write(vals)


def differs_total(terms, counterpart, currency, company_currency):
    """Whether the receivable/payable lines differ from Kashoo's counterpart amount."""
    return bool(
        currency.compare_amounts(
            sum(terms.mapped("amount_currency")), float(counterpart.amount_currency)
        )
        or company_currency.compare_amounts(
            sum(terms.mapped("balance")), float(counterpart.balance)
        )
    )
