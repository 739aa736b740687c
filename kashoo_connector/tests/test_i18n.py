import io

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import trans_export

POT_PATH = "kashoo_connector/i18n/kashoo_connector.pot"
REGENERATE_COMMAND = "make pot   (or: bash scripts/update_pot.sh)"


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):
    """The committed .pot holds exactly the terms Odoo extracts from the module today.

    Translators start from that file, so a term missing from it is never translated. The
    export runs in memory with the code the script uses; only the msgids are compared, not the
    header (dates) or the reference comments.
    """

    def test_committed_pot_is_current(self):
        buffer = io.BytesIO()
        # The extractor logs an error and skips the whole file when it cannot parse a call.
        with self.assertNoLogs("odoo.tools.translate", "ERROR"):
            trans_export(None, ["kashoo_connector"], buffer, "po", self.env.cr)
        exported = {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}
        committed = {entry.msgid for entry in polib.pofile(file_path(POT_PATH))}
        missing, obsolete = sorted(exported - committed), sorted(committed - exported)
        if missing or obsolete:
            self.fail(
                f"{POT_PATH} is out of date: {len(missing)} term(s) missing, {len(obsolete)} "
                f"obsolete. Regenerate it with: {REGENERATE_COMMAND}\n"
                + "".join(f"  missing:  {msgid!r}\n" for msgid in missing[:20])
                + "".join(f"  obsolete: {msgid!r}\n" for msgid in obsolete[:20])
            )
