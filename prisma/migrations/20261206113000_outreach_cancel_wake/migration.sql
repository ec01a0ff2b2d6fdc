-- Outreach sequences (issue 11 §6.8) learn at once when their steps go away
-- under them: steps cancelled by another writer (deleting a target account
-- cancels its scheduled steps) or a contact deleted (its steps are then
-- skipped by the sequence, domain/engagement/outreach.service.ts). Each open
-- sequence concerned gets an 'outreach.changed' outbox event in the same
-- transaction; its workflow reads its steps again and completes if none is
-- left, instead of sleeping until the date of a step that will never run.
-- Triggers and functions only: no table, column or index changes here.

-- outreach_steps: statement-level (a bulk cancel wakes each sequence once); only scheduled → cancelled counts.
CREATE FUNCTION outreach_steps_wake_on_cancel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (org_id, kind, payload)
  SELECT DISTINCT n.org_id, 'outreach.changed', jsonb_build_object('jobId', n.job_id)
    FROM new_steps n JOIN old_steps o ON o.id = n.id
   WHERE o.status = 'scheduled' AND n.status = 'cancelled' AND n.job_id IS NOT NULL;
  RETURN NULL;
END
$$;

CREATE TRIGGER outreach_steps_cancel_wake
AFTER UPDATE ON outreach_steps
REFERENCING OLD TABLE AS old_steps NEW TABLE AS new_steps
FOR EACH STATEMENT EXECUTE FUNCTION outreach_steps_wake_on_cancel();

-- contacts: a deleted contact's open sequences (wake_outreach_sequences: migration *_outreach_stop_triggers).
CREATE FUNCTION contacts_wake_outreach_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  org record;
BEGIN
  FOR org IN SELECT DISTINCT org_id FROM deleted_contacts LOOP
    PERFORM wake_outreach_sequences(org.org_id, ARRAY(SELECT id FROM deleted_contacts WHERE org_id = org.org_id));
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER contacts_outreach_delete_wake
AFTER DELETE ON contacts
REFERENCING OLD TABLE AS deleted_contacts
FOR EACH STATEMENT EXECUTE FUNCTION contacts_wake_outreach_on_delete();
