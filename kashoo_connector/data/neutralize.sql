-- A copied database must not talk to the production Kashoo business with production secrets.
UPDATE kashoo_backend
   SET client_secret_encrypted = NULL,
       classic_token_encrypted = NULL,
       webhook_secret_encrypted = NULL,
       webhook_secret_previous_encrypted = NULL,
       state = 'draft';
DELETE FROM kashoo_oauth_token;
DELETE FROM kashoo_oauth_state;

-- Personal data the connector brought in from Kashoo (PIPEDA): contacts are pseudonymised
-- with their ids, and so are the partners matched or created from them (only those). The
-- Kashoo data kept on a contact is cleared too: it holds the same names and numbers.
UPDATE res_partner AS partner
   SET name = 'Kashoo contact ' || partner.id,
       complete_name = 'Kashoo contact ' || partner.id,
       commercial_company_name = CASE WHEN partner.commercial_company_name IS NULL THEN NULL
                                      ELSE 'Kashoo contact ' || partner.id END,
       email = 'kashoo-contact-' || partner.id || '@example.invalid',
       email_normalized = 'kashoo-contact-' || partner.id || '@example.invalid',
       phone = NULL,
       mobile = NULL,
       street = NULL,
       street2 = NULL,
       zip = NULL,
       city = NULL,
       vat = NULL,
       company_registry = NULL,
       kashoo_business_number = NULL,
       kashoo_gst_number = NULL,
       kashoo_qst_number = NULL,
       kashoo_bn9 = NULL
 WHERE partner.id IN (SELECT partner_id FROM kashoo_contact WHERE partner_id IS NOT NULL);
UPDATE kashoo_contact
   SET name = 'Kashoo contact ' || id,
       email = 'kashoo-contact-' || id || '@example.invalid',
       business_number_encrypted = NULL,
       gst_number_encrypted = NULL,
       qst_number_encrypted = NULL,
       kashoo_bn9_hash = NULL,
       kashoo_qst_hash = NULL,
       raw = NULL;
