-- AlterTable
ALTER TABLE "deals" ADD COLUMN     "closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "stage_entered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "deal_forecasts" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "deal_id" INTEGER NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "stage_id" INTEGER NOT NULL,
    "job_id" INTEGER,
    "snapshot_date" DATE NOT NULL,
    "win_probability" DOUBLE PRECISION NOT NULL,
    "expected_close_date" DATE NOT NULL,
    "value" DECIMAL(14,2) NOT NULL,
    "weighted_value" DECIMAL(14,2) NOT NULL,
    "category" TEXT NOT NULL,
    "factors" JSONB NOT NULL DEFAULT '[]',
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deal_forecasts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "forecast_settings" (
    "org_id" INTEGER NOT NULL,
    "run_at" TEXT NOT NULL DEFAULT '02:00',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "forecast_settings_pkey" PRIMARY KEY ("org_id")
);

-- CreateTable
CREATE TABLE "dashboards" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "origin" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dashboards_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "saved_queries" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "owner_id" INTEGER,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "definition" JSONB NOT NULL,
    "parameters" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_queries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scoring_models" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "profile" JSONB NOT NULL DEFAULT '{}',
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "training_rows" INTEGER NOT NULL DEFAULT 0,
    "holdout_rows" INTEGER NOT NULL DEFAULT 0,
    "decision" TEXT,
    "job_id" INTEGER,
    "trained_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scoring_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "web_forms" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "form_link" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "title" TEXT,
    "description" TEXT,
    "fields" JSONB NOT NULL,
    "submit_label" TEXT,
    "thank_you_message" TEXT,
    "redirect_url" TEXT,
    "lead_source" INTEGER,
    "lead_tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "assigned_to" INTEGER,
    "allowed_domains" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" TEXT NOT NULL DEFAULT 'active',
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_forms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "web_form_submissions" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "form_id" INTEGER NOT NULL,
    "answers" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "lead_id" INTEGER,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "client_hash" TEXT,
    "user_agent" TEXT,
    "referrer" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "web_form_submissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_profiles" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "durations" INTEGER[],
    "working_hours" JSONB NOT NULL,
    "timezone" TEXT NOT NULL,
    "buffer_before_minutes" INTEGER NOT NULL DEFAULT 0,
    "buffer_after_minutes" INTEGER NOT NULL DEFAULT 0,
    "minimum_notice_minutes" INTEGER NOT NULL DEFAULT 240,
    "horizon_days" INTEGER NOT NULL DEFAULT 60,
    "questions" JSONB NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_profiles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bookings" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "profile_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "meeting_id" INTEGER,
    "lead_id" INTEGER,
    "start_time" TIMESTAMPTZ(3) NOT NULL,
    "end_time" TIMESTAMPTZ(3) NOT NULL,
    "attendee_timezone" TEXT,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "company" TEXT,
    "phone" TEXT,
    "notes" TEXT,
    "answers" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'confirmed',
    "rescheduled_from" INTEGER,
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "deal_forecasts_org_id_snapshot_date_pipeline_id_idx" ON "deal_forecasts"("org_id", "snapshot_date", "pipeline_id");

-- CreateIndex
CREATE INDEX "deal_forecasts_org_id_deal_id_snapshot_date_idx" ON "deal_forecasts"("org_id", "deal_id", "snapshot_date");

-- CreateIndex
CREATE UNIQUE INDEX "deal_forecasts_org_id_deal_id_snapshot_date_key" ON "deal_forecasts"("org_id", "deal_id", "snapshot_date");

-- CreateIndex
CREATE INDEX "dashboards_org_id_scope_owner_id_idx" ON "dashboards"("org_id", "scope", "owner_id");

-- CreateIndex
CREATE INDEX "saved_queries_org_id_id_idx" ON "saved_queries"("org_id", "id");

-- CreateIndex
CREATE INDEX "scoring_models_org_id_status_idx" ON "scoring_models"("org_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "scoring_models_org_id_version_key" ON "scoring_models"("org_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "web_forms_form_link_key" ON "web_forms"("form_link");

-- CreateIndex
CREATE INDEX "web_forms_org_id_id_idx" ON "web_forms"("org_id", "id");

-- CreateIndex
CREATE INDEX "web_form_submissions_org_id_form_id_id_idx" ON "web_form_submissions"("org_id", "form_id", "id");

-- CreateIndex
CREATE INDEX "web_form_submissions_status_created_at_idx" ON "web_form_submissions"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "booking_profiles_slug_key" ON "booking_profiles"("slug");

-- CreateIndex
CREATE INDEX "booking_profiles_org_id_user_id_idx" ON "booking_profiles"("org_id", "user_id");

-- CreateIndex
CREATE INDEX "bookings_org_id_user_id_start_time_idx" ON "bookings"("org_id", "user_id", "start_time");

-- CreateIndex
CREATE INDEX "bookings_profile_id_start_time_idx" ON "bookings"("profile_id", "start_time");


-- Deal stage timing (issue 12, forecasting): stage_entered_at is when the
-- deal entered its current stage, closed_at when it entered a won or lost
-- stage. A trigger keeps both whatever path moves a deal (API, import, SQL),
-- so the forecast's "age in stage" and the accuracy report's "what closed
-- when" never depend on a caller remembering to set them.
UPDATE "deals" d SET "stage_entered_at" = d."updated_at",
       "closed_at" = CASE WHEN s."is_won" OR s."is_lost" THEN d."updated_at" END
  FROM "stages" s WHERE s."id" = d."stage_id";

CREATE FUNCTION deals_stage_timing() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  closing boolean;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.stage_id IS NOT DISTINCT FROM OLD.stage_id THEN
    RETURN NEW;
  END IF;
  SELECT s.is_won OR s.is_lost INTO closing FROM stages s WHERE s.id = NEW.stage_id;
  -- an insert keeps the times it was given (an import of a CRM's history);
  -- a move to another stage is timed now
  IF TG_OP = 'UPDATE' THEN
    NEW.stage_entered_at := now();
    NEW.closed_at := NULL;
  END IF;
  IF coalesce(closing, false) THEN
    NEW.closed_at := coalesce(NEW.closed_at, NEW.stage_entered_at);
  ELSE
    NEW.closed_at := NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER deals_stage_timing BEFORE INSERT OR UPDATE OF stage_id ON "deals"
  FOR EACH ROW EXECUTE FUNCTION deals_stage_timing();
