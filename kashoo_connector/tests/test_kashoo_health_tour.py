from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import allow_management_without_2fa
from .tour_screenshots import final_screenshot


@tagged("post_install", "-at_install")
class TestKashooHealthTour(HttpCase):
    """An administrator reads the sync health dashboard and its trend in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls.company = cls.env["res.company"].create(
            {
                "name": "Maple Leaf Supplies (Odoo)",
                "country_id": cls.env.ref("base.ca").id,
                "currency_id": cls.env.ref("base.CAD").id,
            }
        )
        admin = cls.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, cls.company.id)], "company_id": cls.company.id})
        admin.groups_id += cls.env.ref("kashoo_connector.kashoo_connector_group_manager")
        cls.backend = cls.env["kashoo.backend"].create(
            {"name": "Maple Leaf Kashoo", "company_id": cls.company.id}
        )
        cls.backend.write({"state": "connected"})
        hour = cls.backend.create_date.replace(minute=0, second=0, microsecond=0)
        # A healthy week of hourly snapshots, before the backend's first hour here.
        cls.env["kashoo.health.snapshot"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "company_id": cls.company.id,
                    "period_start": hour - timedelta(hours=index + 1),
                    "period_end": hour - timedelta(hours=index),
                    "measured_at": hour - timedelta(hours=index),
                    "attempted_count": 40,
                    "succeeded_count": 39,
                    "success_rate": 95.0 + (index * 7 % 10) * 0.5,
                    "avg_processing_ms": 110.0 + index % 24,
                    "api_call_count": 12,
                    "avg_api_ms": 70.0 + index % 12,
                    "queue_depth": 3,
                    "quarantine_count": 2,
                }
                for index in range(7 * 24)
            ]
        )
        # The hour just ended: 46 of 48 imports, 20 API calls, a longer queue than usual.
        cls.env["kashoo.sync.log"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "kashoo_id": 5000 + index,
                    "outcome": "done" if index < 46 else "quarantined",
                    "duration_ms": 140,
                }
                for index in range(48)
            ]
        )
        cls.env["kashoo.api.stat"].create(
            {
                "backend_id": cls.backend.id,
                "operation": "process",
                "call_count": 20,
                "duration_ms": 1800,
            }
        )
        transactions = cls.env["kashoo.transaction"]
        transactions._kashoo_upsert_hints(
            cls.backend, [(kashoo_id, 1, False) for kashoo_id in range(1, 7)]
        )
        transactions.search(
            [("backend_id", "=", cls.backend.id), ("kashoo_id", "in", [5, 6])]
        ).write({"state": "quarantined"})
        cls.env["kashoo.health.snapshot"]._kashoo_take_snapshots(
            cls.backend, now=hour + timedelta(hours=1, minutes=5)
        )

    def test_health_dashboard_tour(self):
        alert = self.env["kashoo.health.alert"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(alert.mapped("metric"), ["queue_depth"])
        with final_screenshot("kashoo_health_dashboard_") as saved:
            self.start_tour("/odoo", "kashoo_health_tour", login="admin")
        self.assertEqual(len(saved), 1)
