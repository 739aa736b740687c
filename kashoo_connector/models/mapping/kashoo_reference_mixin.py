from odoo import api, fields, models


class KashooReferenceMixin(models.AbstractModel):
    """A row of Kashoo reference data mirrored in Odoo, keyed by (backend, Kashoo id).

    Every change to such a row, or to its mapping, bumps the backend's mapping version, the
    key of the cached mapping snapshot (see ``kashoo.backend._kashoo_mapping_snapshot``).
    """

    _name = "kashoo.reference.mixin"
    _description = "Kashoo Reference Data"
    # Whether the rows are part of the cached snapshot (contacts are read per batch instead,
    # so matching a partner during an import does not touch the backend row).
    _kashoo_in_snapshot = True

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True, string="Company"
    )
    kashoo_id = fields.Integer(string="Kashoo ID", required=True, readonly=True)
    raw = fields.Json(string="Kashoo Data", readonly=True, copy=False)
    removed = fields.Boolean(readonly=True, help="Deleted in Kashoo.")
    active = fields.Boolean(default=True)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if self._kashoo_in_snapshot:
            records.backend_id._kashoo_bump_mapping_version()
        return records

    def write(self, vals):
        backends = self.backend_id
        result = super().write(vals)
        if self._kashoo_in_snapshot:
            (backends | self.backend_id)._kashoo_bump_mapping_version()
        return result

    def unlink(self):
        backends = self.backend_id
        result = super().unlink()
        if self._kashoo_in_snapshot:
            backends._kashoo_bump_mapping_version()
        return result

    @api.model
    def _kashoo_upsert(self, backend, rows, values_of):
        """Create or update the rows of ``backend`` from Kashoo objects, in one batch.

        One search for the existing rows, one ``create()`` for the new ones, and a write only
        where Kashoo changed something.

        :param rows: Kashoo objects, each with an integer ``id``.
        :param values_of: function turning a Kashoo object into field values.
        :return: every row of the batch, in Kashoo's order.
        """
        rows = [row for row in rows if isinstance(row.get("id"), int)]
        existing = self.with_context(active_test=False).search(
            [("backend_id", "=", backend.id), ("kashoo_id", "in", [row["id"] for row in rows])]
        )
        by_kashoo_id = {record.kashoo_id: record for record in existing}
        to_create = []
        for row in rows:
            vals = {**values_of(row), "raw": row, "removed": row.get("removed") is True}
            record = by_kashoo_id.get(row["id"])
            if record is None:
                to_create.append({**vals, "backend_id": backend.id, "kashoo_id": row["id"]})
            elif record.raw != row:
                record.write(vals)
        created = self.create(to_create)
        by_kashoo_id.update({record.kashoo_id: record for record in created})
        return self.browse([by_kashoo_id[row["id"]].id for row in rows])
