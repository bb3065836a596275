-- credit_portal: database roles for production (PostgreSQL).
-- Run as a superuser after `migrate` (which runs as credit_owner) and again after each release
-- that adds tables. The application connects as credit_app.
--
--   credit_owner  owns the schema; runs migrations (DATABASE_URL of the release job)
--   credit_app    the running application: full DML on business tables, but only INSERT and
--                 SELECT on history and log tables, plus UPDATE of the query log's seal columns
--                 (which the trigger lets go from NULL to a value once).
-- Neither role is a superuser, and credit_app owns nothing, so it cannot disable triggers.

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'credit_owner') THEN CREATE ROLE credit_owner LOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'credit_app') THEN CREATE ROLE credit_app LOGIN; END IF;
END $$;

GRANT USAGE ON SCHEMA public TO credit_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO credit_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO credit_app;

-- Append-only tables: every simple-history table, the query log family, issued documents, attachments
-- and notifications.
DO $$
DECLARE t text;
BEGIN
    FOR t IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = 'public'
          AND (tablename LIKE '%\_historical%' ESCAPE '\'
               OR tablename IN ('core_querylog', 'core_querylogcheckpoint', 'core_querylogverification', 'core_authevent',
                             'core_issueddocument', 'core_attachment', 'core_notification'))
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM credit_app', t);
    END LOOP;
END $$;
GRANT UPDATE (seq, prev_hash, row_hash, sealed_at) ON core_querylog TO credit_app;
-- A notification is marked read and e-mailed once each (the trigger allows NULL to a value once).
GRANT UPDATE (read_at, emailed_at) ON core_notification TO credit_app;
