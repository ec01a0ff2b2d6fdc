-- Outreach sequences stop at once (issue 11 §6.8): when a contact replies
-- (a reply_received intent signal on the contact's lead), books a meeting
-- (a meeting with the contact or its lead) or unsubscribes (their address in
-- email_suppressions), every open sequence of that contact — a job with
-- steps still scheduled or running — gets an 'outreach.changed' outbox event
-- in the same transaction, whatever path wrote the change (the API, the
-- tracking endpoints, the inbox reply detection, plain SQL). The outbox
-- relay signals the sequence's workflow, which reads its stop conditions
-- again and skips the remaining steps. The workflow also checks them in the
-- database before every step (domain/engagement/sequence-stop.ts): these
-- triggers make the stop immediate, the check makes it certain.
-- Triggers and functions only: no table, column or index changes here.

-- One event per open sequence of the given contacts.
CREATE FUNCTION wake_outreach_sequences(p_org_id integer, p_contact_ids integer[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO outbox_events (org_id, kind, payload)
  SELECT p_org_id, 'outreach.changed', jsonb_build_object('jobId', jobs.job_id)
    FROM (SELECT DISTINCT s.job_id FROM outreach_steps s
           WHERE s.org_id = p_org_id AND s.contact_id = ANY(p_contact_ids)
             AND s.status IN ('scheduled', 'running') AND s.job_id IS NOT NULL) jobs
$$;

-- intent_signals: statement-level, so a bulk insert wakes each sequence once per organization.
CREATE FUNCTION intent_signals_wake_outreach() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  org record;
BEGIN
  FOR org IN SELECT DISTINCT org_id FROM inserted_signals WHERE signal_type = 'reply_received' LOOP
    PERFORM wake_outreach_sequences(org.org_id, ARRAY(
      SELECT c.id FROM contacts c
       WHERE c.org_id = org.org_id
         AND c.lead_id IN (SELECT lead_id FROM inserted_signals WHERE org_id = org.org_id AND signal_type = 'reply_received')));
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER intent_signals_outreach_stop
AFTER INSERT ON intent_signals
REFERENCING NEW TABLE AS inserted_signals
FOR EACH STATEMENT EXECUTE FUNCTION intent_signals_wake_outreach();

-- meetings: a new meeting, or one (re)linked to a contact or lead.
CREATE FUNCTION meetings_wake_outreach() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.contact_id IS NULL AND NEW.lead_id IS NULL THEN RETURN NULL; END IF;
  PERFORM wake_outreach_sequences(NEW.org_id, ARRAY(
    SELECT c.id FROM contacts c
     WHERE c.org_id = NEW.org_id AND (c.id = NEW.contact_id OR (NEW.lead_id IS NOT NULL AND c.lead_id = NEW.lead_id))));
  RETURN NULL;
END
$$;

CREATE TRIGGER meetings_outreach_stop
AFTER INSERT OR UPDATE OF contact_id, lead_id ON meetings
FOR EACH ROW EXECUTE FUNCTION meetings_wake_outreach();

-- email_suppressions: statement-level; an address matches a contact's email case-insensitively (suppressions are stored lower-case).
CREATE FUNCTION email_suppressions_wake_outreach() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  org record;
BEGIN
  FOR org IN SELECT DISTINCT org_id FROM inserted_suppressions LOOP
    PERFORM wake_outreach_sequences(org.org_id, ARRAY(
      SELECT DISTINCT st.contact_id FROM outreach_steps st
        JOIN contacts c ON c.id = st.contact_id AND c.org_id = st.org_id
       WHERE st.org_id = org.org_id AND st.status IN ('scheduled', 'running')
         AND lower(trim(c.email)) IN (SELECT email FROM inserted_suppressions WHERE org_id = org.org_id)));
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER email_suppressions_outreach_stop
AFTER INSERT ON email_suppressions
REFERENCING NEW TABLE AS inserted_suppressions
FOR EACH STATEMENT EXECUTE FUNCTION email_suppressions_wake_outreach();
