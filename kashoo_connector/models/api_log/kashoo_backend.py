from odoo import models

from ... import const


class KashooBackend(models.Model):
    """The API access log's part of the backend: which operation each client works for,
    and where its calls are stored."""

    _inherit = "kashoo.backend"

    def _kashoo_log_api_calls(self, entries, operation):
        super()._kashoo_log_api_calls(entries, operation)
        self.env["kashoo.api.access.log"]._kashoo_store(self, entries, operation)

    def _kashoo_record_api_stats(self, client, operation):
        # Each committed page or batch stores its own calls, with its statistics.
        super()._kashoo_record_api_stats(client, operation)
        take = getattr(client, "take_request_log", None)
        if take is not None:
            self._kashoo_log_api_calls(take(), operation)

    # Name the operation of the clients these create (see _kashoo_on_client_close).

    def _kashoo_fetch(self, *args, **kwargs):
        return super(KashooBackend, self._kashoo_for_operation("fetch"))._kashoo_fetch(
            *args, **kwargs
        )

    def _kashoo_process_batches(self, *args, **kwargs):
        return super(KashooBackend, self._kashoo_for_operation("process"))._kashoo_process_batches(
            *args, **kwargs
        )

    def _kashoo_refresh_reference_data(self):
        return super(
            KashooBackend, self._kashoo_for_operation("reference")
        )._kashoo_refresh_reference_data()

    def action_kashoo_verify(self):
        return super(KashooBackend, self._kashoo_for_operation("verify")).action_kashoo_verify()

    def action_kashoo_register_webhook(self):
        return super(
            KashooBackend, self._kashoo_for_operation("webhook")
        ).action_kashoo_register_webhook()

    def _kashoo_for_operation(self, operation):
        if self.env.context.get(const.CONTEXT_API_OPERATION):
            return self
        return self.with_context(**{const.CONTEXT_API_OPERATION: operation})
