-- Dashboard rollups (issue 14, docs/rollups.md). The dashboards aggregated a
-- million leads per request; these tables hold the same aggregates per
-- organization and UTC day of created_at. Writers never update a shared row:
-- a statement-level trigger appends one delta row per group its statement
-- changed (ingestion's 32 concurrent inserts into one organization would
-- queue on a per-day counter row's lock), and the worker's maintenance round
-- folds the deltas into the day tables (foldDashboardRollups). Readers add the
-- unfolded deltas, so every answer is exact whenever it is asked.
CREATE TABLE "lead_status_days" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "status" INTEGER NOT NULL,
    "lead_source" INTEGER,
    "leads" INTEGER NOT NULL,
    "score_sum" BIGINT NOT NULL,
    CONSTRAINT "lead_status_days_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "lead_status_days_org_id_day_status_lead_source_key"
    ON "lead_status_days"("org_id", "day", "status", "lead_source") NULLS NOT DISTINCT;

CREATE TABLE "lead_assignee_days" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "assigned_to" INTEGER,
    "leads" INTEGER NOT NULL,
    CONSTRAINT "lead_assignee_days_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "lead_assignee_days_org_id_day_assigned_to_key"
    ON "lead_assignee_days"("org_id", "day", "assigned_to") NULLS NOT DISTINCT;

CREATE TABLE "lead_rollup_deltas" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "status" INTEGER NOT NULL,
    "lead_source" INTEGER,
    "assigned_to" INTEGER,
    "leads" INTEGER NOT NULL,
    "score_sum" BIGINT NOT NULL,
    CONSTRAINT "lead_rollup_deltas_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "deal_stage_days" (
    "org_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "stage_id" INTEGER NOT NULL,
    "deals" INTEGER NOT NULL,
    "value_sum" DECIMAL(20,2) NOT NULL,
    CONSTRAINT "deal_stage_days_pkey" PRIMARY KEY ("org_id", "day", "stage_id")
);

CREATE TABLE "deal_rollup_deltas" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "stage_id" INTEGER NOT NULL,
    "deals" INTEGER NOT NULL,
    "value_sum" DECIMAL(20,2) NOT NULL,
    CONSTRAINT "deal_rollup_deltas_pkey" PRIMARY KEY ("id")
);

-- One function per table serves its three triggers: a plpgsql branch reads
-- only the transition tables its event has. An UPDATE adds the old rows
-- negated and the new ones; groups that cancel out (a lead's activity or
-- name changed, not a counted column) leave no delta. Transition tables rule
-- out a column list (UPDATE OF ...), so every UPDATE statement runs this.
CREATE FUNCTION lead_rollup_deltas_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO lead_rollup_deltas (org_id, day, status, lead_source, assigned_to, leads, score_sum)
    SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, status, lead_source, assigned_to, count(*), sum(score)
      FROM new_leads GROUP BY 1, 2, 3, 4, 5;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO lead_rollup_deltas (org_id, day, status, lead_source, assigned_to, leads, score_sum)
    SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, status, lead_source, assigned_to, -count(*), -sum(score)
      FROM old_leads GROUP BY 1, 2, 3, 4, 5;
  ELSE
    INSERT INTO lead_rollup_deltas (org_id, day, status, lead_source, assigned_to, leads, score_sum)
    SELECT org_id, day, status, lead_source, assigned_to, sum(n), sum(score_sum)
      FROM (SELECT org_id, (created_at AT TIME ZONE 'UTC')::date AS day, status, lead_source, assigned_to, -1 AS n, -score::bigint AS score_sum FROM old_leads
            UNION ALL
            SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, status, lead_source, assigned_to, 1, score FROM new_leads) change
     GROUP BY 1, 2, 3, 4, 5
    HAVING sum(n) <> 0 OR sum(score_sum) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER leads_rollup_insert AFTER INSERT ON leads
REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION lead_rollup_deltas_append();
CREATE TRIGGER leads_rollup_update AFTER UPDATE ON leads
REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION lead_rollup_deltas_append();
CREATE TRIGGER leads_rollup_delete AFTER DELETE ON leads
REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION lead_rollup_deltas_append();

CREATE FUNCTION deal_rollup_deltas_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO deal_rollup_deltas (org_id, day, stage_id, deals, value_sum)
    SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, stage_id, count(*), sum(value) FROM new_deals GROUP BY 1, 2, 3;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO deal_rollup_deltas (org_id, day, stage_id, deals, value_sum)
    SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, stage_id, -count(*), -sum(value) FROM old_deals GROUP BY 1, 2, 3;
  ELSE
    INSERT INTO deal_rollup_deltas (org_id, day, stage_id, deals, value_sum)
    SELECT org_id, day, stage_id, sum(n), sum(value)
      FROM (SELECT org_id, (created_at AT TIME ZONE 'UTC')::date AS day, stage_id, -1 AS n, -value AS value FROM old_deals
            UNION ALL
            SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, stage_id, 1, value FROM new_deals) change
     GROUP BY 1, 2, 3
    HAVING sum(n) <> 0 OR sum(value) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER deals_rollup_insert AFTER INSERT ON deals
REFERENCING NEW TABLE AS new_deals FOR EACH STATEMENT EXECUTE FUNCTION deal_rollup_deltas_append();
CREATE TRIGGER deals_rollup_update AFTER UPDATE ON deals
REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals FOR EACH STATEMENT EXECUTE FUNCTION deal_rollup_deltas_append();
CREATE TRIGGER deals_rollup_delete AFTER DELETE ON deals
REFERENCING OLD TABLE AS old_deals FOR EACH STATEMENT EXECUTE FUNCTION deal_rollup_deltas_append();

-- The rows already there, as deltas the first fold takes in (the triggers
-- exist from here on, and this transaction holds the tables' trigger lock, so
-- no write falls between the two).
INSERT INTO lead_rollup_deltas (org_id, day, status, lead_source, assigned_to, leads, score_sum)
SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, status, lead_source, assigned_to, count(*), sum(score)
  FROM leads GROUP BY 1, 2, 3, 4, 5;
INSERT INTO deal_rollup_deltas (org_id, day, stage_id, deals, value_sum)
SELECT org_id, (created_at AT TIME ZONE 'UTC')::date, stage_id, count(*), sum(value) FROM deals GROUP BY 1, 2, 3;
