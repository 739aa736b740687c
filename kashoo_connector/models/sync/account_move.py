from odoo import fields, models
from odoo.tools.sql import column_exists

#: Context key under which the import posts its batches (see _get_next_sequence_format).
IMPORT_SEQUENCE_CONTEXT = "kashoo_import_sequence"


class AccountMove(models.Model):
    """Where a move came from in Kashoo: the record, its version and the audit trail."""

    _inherit = "account.move"

    kashoo_backend_id = fields.Many2one(
        "kashoo.backend",
        string="Kashoo Backend",
        index=True,
        copy=False,
        readonly=True,
        ondelete="restrict",
    )
    kashoo_id = fields.Integer(string="Kashoo ID", index=True, copy=False, readonly=True)
    kashoo_version = fields.Integer(string="Kashoo Version", copy=False, readonly=True)
    kashoo_type = fields.Char(string="Kashoo Type", copy=False, readonly=True)
    kashoo_uuid = fields.Char(
        string="Kashoo Audit UUID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Derived from the Kashoo business, record id and version: the same record "
        "version always gets the same UUID.",
    )
    kashoo_previous_move_id = fields.Many2one(
        "account.move",
        string="Previous Kashoo Version",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The hash-locked entry this document replaces: an entry secured by Odoo's hash "
        "cannot be rewritten, so a new Kashoo version reverses it and is posted anew.",
    )
    kashoo_original_amount = fields.Float(
        string="Kashoo Original Amount",
        copy=False,
        readonly=True,
        digits=0,
        help="The record total in its own currency, with Kashoo's sign.",
    )
    kashoo_exchange_rate = fields.Float(
        string="Kashoo Exchange Rate",
        copy=False,
        readonly=True,
        digits=(16, 10),
        help="Company-currency units per unit of the record currency, as Kashoo gave it; "
        "empty for records in the company currency.",
    )

    def init(self):
        super().init()
        # At most one live document per (company, Kashoo id), enforced by the database, not
        # by a search: a re-delivered or re-fetched transaction can only update in place.
        # Reversals of removed records carry no kashoo_id (the field is not copied).
        if column_exists(self.env.cr, "account_move", "kashoo_id"):
            self.env.cr.execute("""
                CREATE UNIQUE INDEX IF NOT EXISTS account_move_kashoo_live_uniq
                    ON account_move (company_id, kashoo_id)
                 WHERE kashoo_id IS NOT NULL AND kashoo_id != 0 AND state != 'cancel'
            """)

    def _get_next_sequence_format(self):
        """While an import batch is posted, look the series' last number up once per batch.

        Odoo asks the database for the last number of the series before *every* move it
        names, then ``_locked_increment`` ignores the answer as soon as this transaction holds
        the series (its transactional sequence cache, taken under the unique-name lock). So
        when that cache already holds the series of this move, the format found for an
        earlier move of the same series is returned instead of querying again; otherwise
        Odoo's own lookup runs. Numbers stay Odoo's: same lock, same cache, same order.
        """
        if not self.env.context.get(IMPORT_SEQUENCE_CONTEXT) or not (self.date and self.journal_id):
            return super()._get_next_sequence_format()
        formats = self.env.cr.precommit.data.setdefault("kashoo.sequence_formats", {})
        series = (
            self.journal_id.id,
            self.move_type,
            bool(self.origin_payment_id),
            self.date.year,
            self.date.month,
        )
        known = formats.get(series)
        if known:
            format_string, format_values = known
            values = dict(format_values, seq=0)
            # The key _locked_increment files the series under.
            held = (
                format_string.format(**values),
                self._sequence_index and self[self._sequence_index],
            )
            if held in self._get_sequence_cache():
                return format_string, dict(format_values)
        format_string, format_values = super()._get_next_sequence_format()
        formats[series] = (format_string, dict(format_values))
        return format_string, format_values
