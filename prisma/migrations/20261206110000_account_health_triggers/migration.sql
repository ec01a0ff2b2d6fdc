-- Account health (issue 11 §6.8, docs/engagement.md): a target account's
-- health is recomputed whenever its engagement changes. The changes are
-- caught here, by triggers, whatever path wrote them (the API, the tracking
-- endpoints, an import, a workflow, plain SQL): each writes one
-- 'account_health.refresh' outbox event per target account concerned, in
-- the same transaction as the change, and the outbox relay signals that
-- account's health workflow (worker/outbox-relay.ts), which recomputes it.
-- Triggers and functions only: no table, column or index changes here.

-- The target accounts a lead belongs to: the account of the lead's company,
-- and the accounts one of whose contacts is linked to the lead.
CREATE FUNCTION target_accounts_of_lead(p_org_id integer, p_lead_id integer) RETURNS SETOF integer
LANGUAGE sql STABLE AS $$
  SELECT ta.id
    FROM leads l JOIN target_accounts ta ON ta.org_id = l.org_id AND ta.company_id = l.company_id
   WHERE l.org_id = p_org_id AND l.id = p_lead_id
  UNION
  SELECT tac.target_account_id
    FROM contacts c JOIN target_account_contacts tac ON tac.org_id = c.org_id AND tac.contact_id = c.id
   WHERE c.org_id = p_org_id AND c.lead_id = p_lead_id
$$;

-- The target accounts a meeting (or any row naming a lead, a contact and/or
-- a company) concerns.
CREATE FUNCTION target_accounts_of(p_org_id integer, p_lead_id integer, p_contact_id integer, p_company_id integer) RETURNS SETOF integer
LANGUAGE sql STABLE AS $$
  SELECT target_accounts_of_lead(p_org_id, p_lead_id) WHERE p_lead_id IS NOT NULL
  UNION
  SELECT tac.target_account_id FROM target_account_contacts tac WHERE tac.org_id = p_org_id AND tac.contact_id = p_contact_id
  UNION
  SELECT ta.id FROM target_accounts ta WHERE ta.org_id = p_org_id AND ta.company_id = p_company_id
$$;

-- One refresh event per account (accounts that no longer exist are skipped).
CREATE FUNCTION request_account_health_refresh(p_org_id integer, p_account_ids integer[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO outbox_events (org_id, kind, payload)
  SELECT p_org_id, 'account_health.refresh', jsonb_build_object('targetAccountId', ta.id)
    FROM target_accounts ta
   WHERE ta.org_id = p_org_id AND ta.id = ANY(p_account_ids)
$$;

-- intent_signals: statement-level with a transition table, so a bulk insert
-- (tracking hits, an import) writes one event per account and organization,
-- not one per signal.
CREATE FUNCTION intent_signals_refresh_account_health() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_events (org_id, kind, payload)
  SELECT DISTINCT s.org_id, 'account_health.refresh', jsonb_build_object('targetAccountId', a.id)
    FROM (SELECT DISTINCT org_id, lead_id FROM inserted_signals) s
   CROSS JOIN LATERAL target_accounts_of_lead(s.org_id, s.lead_id) AS a(id);
  RETURN NULL;
END
$$;

CREATE TRIGGER intent_signals_account_health
AFTER INSERT ON intent_signals
REFERENCING NEW TABLE AS inserted_signals
FOR EACH STATEMENT EXECUTE FUNCTION intent_signals_refresh_account_health();

-- meetings: a new, moved, re-stated, re-linked or deleted meeting.
CREATE FUNCTION meetings_refresh_account_health() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM request_account_health_refresh(NEW.org_id,
      ARRAY(SELECT target_accounts_of(NEW.org_id, NEW.lead_id, NEW.contact_id, NEW.company_id)));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- an update that moved the meeting away from an account refreshes that account too
    PERFORM request_account_health_refresh(OLD.org_id,
      ARRAY(SELECT target_accounts_of(OLD.org_id, OLD.lead_id, OLD.contact_id, OLD.company_id)
            EXCEPT SELECT target_accounts_of(NEW.org_id, NEW.lead_id, NEW.contact_id, NEW.company_id) WHERE TG_OP = 'UPDATE'));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER meetings_account_health
AFTER INSERT OR DELETE OR UPDATE OF status, start_time, end_time, lead_id, contact_id, company_id ON meetings
FOR EACH ROW EXECUTE FUNCTION meetings_refresh_account_health();

-- deals: a new deal, a stage move (opportunity, won), a deal moved to another lead, a deleted deal.
CREATE FUNCTION deals_refresh_account_health() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM request_account_health_refresh(NEW.org_id, ARRAY(SELECT target_accounts_of_lead(NEW.org_id, NEW.lead_id)));
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.lead_id IS DISTINCT FROM OLD.lead_id) THEN
    PERFORM request_account_health_refresh(OLD.org_id, ARRAY(SELECT target_accounts_of_lead(OLD.org_id, OLD.lead_id)));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER deals_account_health
AFTER INSERT OR DELETE OR UPDATE OF stage_id, lead_id ON deals
FOR EACH ROW EXECUTE FUNCTION deals_refresh_account_health();

-- target_account_contacts: a stakeholder added or removed changes the
-- account's leads and its breadth.
CREATE FUNCTION target_account_contacts_refresh_account_health() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM request_account_health_refresh(NEW.org_id, ARRAY[NEW.target_account_id]);
  ELSE
    PERFORM request_account_health_refresh(OLD.org_id, ARRAY[OLD.target_account_id]);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER target_account_contacts_account_health
AFTER INSERT OR DELETE ON target_account_contacts
FOR EACH ROW EXECUTE FUNCTION target_account_contacts_refresh_account_health();

-- The tables have no foreign keys to companies and contacts (the schema of
-- issue 11): a deleted contact leaves the accounts it was a stakeholder of
-- (which refreshes them, above), and a deleted company takes its target
-- account with it: the account's stakeholder links go, and its scheduled
-- outreach steps are cancelled (their sequence jobs find them cancelled).
CREATE FUNCTION contacts_leave_target_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM target_account_contacts WHERE org_id = OLD.org_id AND contact_id = OLD.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER contacts_leave_target_accounts
AFTER DELETE ON contacts
FOR EACH ROW EXECUTE FUNCTION contacts_leave_target_accounts();

CREATE FUNCTION companies_remove_target_account() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  removed integer;
BEGIN
  DELETE FROM target_accounts WHERE org_id = OLD.org_id AND company_id = OLD.id RETURNING id INTO removed;
  IF removed IS NOT NULL THEN
    DELETE FROM target_account_contacts WHERE org_id = OLD.org_id AND target_account_id = removed;
    UPDATE outreach_steps SET status = 'cancelled', updated_at = now()
     WHERE org_id = OLD.org_id AND target_account_id = removed AND status = 'scheduled';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER companies_remove_target_account
AFTER DELETE ON companies
FOR EACH ROW EXECUTE FUNCTION companies_remove_target_account();
