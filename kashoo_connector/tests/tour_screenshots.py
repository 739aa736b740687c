"""Keep a picture of the screen a tour ends on, for the people who review the UI.

Odoo only saves screenshots of *failed* browser tests. ``final_screenshot`` takes one of the
page as the tour left it, just before Odoo closes the browser, into Odoo's ``--screenshots``
folder (``make test`` points it at the run's log folder):
``<screenshots>/<database>/screenshots/<prefix><time>_<TestClass>.png``.
"""

import base64
import contextlib
import pathlib
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser, get_db_name, save_test_file
from odoo.tools import config

SCREENSHOT_TIMEOUT = 20


@contextlib.contextmanager
def final_screenshot(prefix):
    """Within the block, every browser a test closes first saves ``<prefix>...png``.

    Yields the list of the files saved, so the test can assert the picture exists.

    :param str prefix: a word and an underscore (Odoo's rule), e.g. ``"quarantine_form_"``.
    """
    original_stop = ChromeBrowser.stop
    folder = pathlib.Path(config["screenshots"]) / get_db_name() / "screenshots"
    saved = []

    def stop(browser):
        if getattr(browser, "ws", None) is not None:
            before = set(folder.glob(f"{prefix}*.png"))
            answer = browser._websocket_request(
                "Page.captureScreenshot", timeout=SCREENSHOT_TIMEOUT
            )
            save_test_file(
                type(browser.test_case).__name__, base64.b64decode(answer["data"]), prefix
            )
            saved.extend(sorted(set(folder.glob(f"{prefix}*.png")) - before))
        return original_stop(browser)

    with patch.object(ChromeBrowser, "stop", stop):
        yield saved
