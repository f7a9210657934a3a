"""PostgreSQL refuses every UPDATE, DELETE and TRUNCATE of audit events (no-op on SQLite).

Row triggers stop UPDATE and DELETE; a row trigger never fires for TRUNCATE, so a statement
trigger refuses that too. The one exception is TRUNCATE while the session setting
`procurement.audit_maintenance` is 'on': Django's test flush empties every table between
transactional tests, and the test setup turns the setting on for the test database only.
It is off (unset) everywhere else; nothing in the app sets it.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION procurement_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('procurement.audit_maintenance', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The audit trail is never edited or pruned; append a new event instead.';
END
$$;

CREATE TRIGGER procurement_auditevent_no_update
    BEFORE UPDATE ON procurement_auditevent
    FOR EACH ROW EXECUTE FUNCTION procurement_auditevent_refuse_change();
CREATE TRIGGER procurement_auditevent_no_delete
    BEFORE DELETE ON procurement_auditevent
    FOR EACH ROW EXECUTE FUNCTION procurement_auditevent_refuse_change();
CREATE TRIGGER procurement_auditevent_no_truncate
    BEFORE TRUNCATE ON procurement_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION procurement_auditevent_refuse_change();
"""

REMOVE = """
DROP TRIGGER IF EXISTS procurement_auditevent_no_truncate ON procurement_auditevent;
DROP TRIGGER IF EXISTS procurement_auditevent_no_delete ON procurement_auditevent;
DROP TRIGGER IF EXISTS procurement_auditevent_no_update ON procurement_auditevent;
DROP FUNCTION IF EXISTS procurement_auditevent_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("procurement", "0003_audit_verification")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
