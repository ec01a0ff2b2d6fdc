-- CreateTable
CREATE TABLE "activity_feed" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "model_type" TEXT NOT NULL,
    "model_id" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "actor_id" INTEGER,
    "changes" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activity_feed_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "type_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "is_read" BOOLEAN NOT NULL DEFAULT false,
    "read_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "activity_feed_org_id_id_idx" ON "activity_feed"("org_id", "id");

-- CreateIndex
CREATE INDEX "activity_feed_org_id_model_type_model_id_id_idx" ON "activity_feed"("org_id", "model_type", "model_id", "id");

-- CreateIndex
CREATE INDEX "notifications_org_id_user_id_id_idx" ON "notifications"("org_id", "user_id", "id");

-- CreateIndex
CREATE INDEX "notifications_org_id_user_id_is_read_idx" ON "notifications"("org_id", "user_id", "is_read");


-- Written by hand below this line: Prisma models neither functions nor
-- triggers, and `prisma migrate diff` does not compare them, so they live
-- only here.
--
-- The activity feed and the notifications that follow from a change are
-- written by the database in the statement that makes the change: no write
-- path (API, bulk action, import, workflow, psql) can skip or forget them,
-- and a rolled-back change leaves no trace. Who made a change is the
-- transaction-local setting lio.actor_id, which domain/actor.ts sets before
-- the application's writes; unset (system and API-key writes) it is null.

CREATE FUNCTION lio_actor_id() RETURNS integer
LANGUAGE sql STABLE AS $$
  -- a transaction-local setting reads as '' (not null) once the transaction that set it has ended
  SELECT NULLIF(current_setting('lio.actor_id', true), '')::integer
$$;

-- Trigger arguments: the model_type, then the columns the system computes
-- (scores, enrichment, activity stamps), which are not changes anyone made.
-- Never recorded either: keys and timestamps every row has, and internal
-- columns by their naming convention (dedupe_* match keys, *_key storage keys).
CREATE FUNCTION record_activity_feed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  entry_model_type text := TG_ARGV[0];
  ignored text[] := ARRAY['id', 'org_id', 'created_at', 'updated_at'] || TG_ARGV[1:TG_NARGS - 1];
  changed jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO activity_feed (org_id, model_type, model_id, action, actor_id)
    VALUES (NEW.org_id, entry_model_type, NEW.id, 'created', lio_actor_id());
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO activity_feed (org_id, model_type, model_id, action, actor_id)
    VALUES (OLD.org_id, entry_model_type, OLD.id, 'deleted', lio_actor_id());
  ELSE
    SELECT jsonb_object_agg(new_value.key, jsonb_build_object('from', old_value.value, 'to', new_value.value))
      INTO changed
      FROM jsonb_each(to_jsonb(NEW)) AS new_value
      JOIN jsonb_each(to_jsonb(OLD)) AS old_value ON old_value.key = new_value.key
     WHERE new_value.value IS DISTINCT FROM old_value.value
       AND new_value.key <> ALL (ignored)
       AND new_value.key NOT LIKE 'dedupe\_%'
       AND new_value.key NOT LIKE '%\_key';
    -- only system-computed columns changed (a score, last_activity_at): nothing to show
    IF changed IS NULL THEN
      RETURN NULL;
    END IF;
    -- one entry per changed row, named by its most telling change; `changes` lists them all
    INSERT INTO activity_feed (org_id, model_type, model_id, action, actor_id, changes)
    VALUES (
      NEW.org_id, entry_model_type, NEW.id,
      CASE
        WHEN changed ? 'stage_id' THEN 'stage_changed'
        WHEN changed ? 'status' THEN 'status_changed'
        WHEN changed ? 'assigned_to' THEN 'assigned'
        ELSE 'updated'
      END,
      lio_actor_id(), changed);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER leads_activity_feed
AFTER INSERT OR UPDATE OR DELETE ON leads
FOR EACH ROW EXECUTE FUNCTION record_activity_feed('lead', 'score', 'ai_information', 'last_activity_at', 'profile_image_mime_type');

CREATE TRIGGER deals_activity_feed
AFTER INSERT OR UPDATE OR DELETE ON deals
FOR EACH ROW EXECUTE FUNCTION record_activity_feed('deal');

CREATE TRIGGER contacts_activity_feed
AFTER INSERT OR UPDATE OR DELETE ON contacts
FOR EACH ROW EXECUTE FUNCTION record_activity_feed('contact');

CREATE TRIGGER companies_activity_feed
AFTER INSERT OR UPDATE OR DELETE ON companies
FOR EACH ROW EXECUTE FUNCTION record_activity_feed('company', 'company_logo_mime_type');

-- Notification type 1 (lead_assigned, domain/notification.service.ts): the
-- new assignee of a lead, unless they assigned it to themselves. Only a
-- current member of the lead's organization is notified.
CREATE FUNCTION notify_lead_assignment() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  lead_name text := COALESCE(NULLIF(concat_ws(' ', NEW.first_name, NEW.last_name), ''), NEW.email, NEW.linkedin_url, 'Lead #' || NEW.id);
BEGIN
  IF NEW.assigned_to IS NULL
     OR NEW.assigned_to IS NOT DISTINCT FROM lio_actor_id()
     OR (TG_OP = 'UPDATE' AND NEW.assigned_to IS NOT DISTINCT FROM OLD.assigned_to) THEN
    RETURN NULL;
  END IF;
  INSERT INTO notifications (org_id, user_id, type_id, title, message, data)
  SELECT NEW.org_id, u.id, 1, 'Lead assigned to you', format('%s was assigned to you', lead_name),
         jsonb_build_object('model_type', 'lead', 'model_id', NEW.id, 'lead_id', NEW.id, 'assigned_by', lio_actor_id())
    FROM users u
   WHERE u.id = NEW.assigned_to AND u.org_id = NEW.org_id AND u.deleted_at IS NULL;
  RETURN NULL;
END
$$;

CREATE TRIGGER leads_notify_assignment
AFTER INSERT OR UPDATE OF assigned_to ON leads
FOR EACH ROW EXECUTE FUNCTION notify_lead_assignment();

-- Notification type 3 (deal_stage_changed): the deal's creator and its
-- lead's assignee, each once, except whoever moved the deal.
CREATE FUNCTION notify_deal_stage_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO notifications (org_id, user_id, type_id, title, message, data)
  SELECT NEW.org_id, u.id, 3, format('Deal moved to %s', to_stage.name),
         format('%s moved from %s to %s', NEW.title, from_stage.name, to_stage.name),
         jsonb_build_object('model_type', 'deal', 'model_id', NEW.id, 'lead_id', NEW.lead_id,
                            'from_stage_id', OLD.stage_id, 'to_stage_id', NEW.stage_id, 'moved_by', lio_actor_id())
    FROM users u
    JOIN stages to_stage ON to_stage.id = NEW.stage_id
    JOIN stages from_stage ON from_stage.id = OLD.stage_id
   WHERE u.org_id = NEW.org_id AND u.deleted_at IS NULL
     AND u.id IN (NEW.created_by, (SELECT l.assigned_to FROM leads l WHERE l.id = NEW.lead_id AND l.org_id = NEW.org_id))
     AND u.id IS DISTINCT FROM lio_actor_id();
  RETURN NULL;
END
$$;

CREATE TRIGGER deals_notify_stage_change
AFTER UPDATE OF stage_id ON deals
FOR EACH ROW WHEN (NEW.stage_id IS DISTINCT FROM OLD.stage_id)
EXECUTE FUNCTION notify_deal_stage_change();
