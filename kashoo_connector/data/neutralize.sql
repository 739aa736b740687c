-- A copied database must not talk to the production Kashoo business with production secrets.
UPDATE kashoo_backend
   SET client_secret_encrypted = NULL,
       classic_token_encrypted = NULL,
       webhook_secret_encrypted = NULL,
       webhook_secret_previous_encrypted = NULL,
       state = 'draft';
DELETE FROM kashoo_oauth_token;
DELETE FROM kashoo_oauth_state;
