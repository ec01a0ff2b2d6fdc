-- AlterTable
ALTER TABLE "contacts" ADD COLUMN     "timezone" TEXT;

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "timezone" TEXT NOT NULL DEFAULT 'UTC';

-- CreateTable
CREATE TABLE "ai_email_drafts" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "persona" TEXT,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "generator" TEXT NOT NULL,
    "model" TEXT,
    "prompt_version" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "job_id" INTEGER,
    "credits_charged" INTEGER NOT NULL DEFAULT 0,
    "approved_by" INTEGER,
    "approved_at" TIMESTAMPTZ(3),
    "outbound_message_id" BIGINT,
    "config_id" INTEGER,
    "sent_by" INTEGER,
    "sent_at" TIMESTAMPTZ(3),
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ai_email_drafts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tracked_emails" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER,
    "contact_id" INTEGER,
    "target_account_id" INTEGER,
    "source" TEXT NOT NULL,
    "outbound_message_id" BIGINT,
    "recipient" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "open_count" INTEGER NOT NULL DEFAULT 0,
    "machine_open_count" INTEGER NOT NULL DEFAULT 0,
    "click_count" INTEGER NOT NULL DEFAULT 0,
    "first_opened_at" TIMESTAMPTZ(3),
    "last_opened_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tracked_emails_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "email_suppressions" (
    "org_id" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_suppressions_pkey" PRIMARY KEY ("org_id","email")
);

-- CreateTable
CREATE TABLE "intent_signals" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "signal_type" TEXT NOT NULL,
    "signal_detail" JSONB NOT NULL DEFAULT '{}',
    "source" TEXT,
    "tracked_email_id" INTEGER,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intent_signals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_heat" (
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "heat" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "heat_at" TIMESTAMPTZ(3) NOT NULL,
    "hot_since" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lead_heat_pkey" PRIMARY KEY ("org_id","lead_id")
);

-- CreateTable
CREATE TABLE "intent_alerts" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "assigned_to_id" INTEGER,
    "episode_started_at" TIMESTAMPTZ(3) NOT NULL,
    "heat" DOUBLE PRECISION NOT NULL,
    "signal_id" INTEGER,
    "signal_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'open',
    "acknowledged_by" INTEGER,
    "acknowledged_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intent_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "engagement_settings" (
    "org_id" INTEGER NOT NULL,
    "hot_lead_threshold" DOUBLE PRECISION NOT NULL DEFAULT 10,
    "quiet_hours_start" INTEGER NOT NULL DEFAULT 20,
    "quiet_hours_end" INTEGER NOT NULL DEFAULT 8,
    "abm_schedule_cron" TEXT,
    "abm_schedule_timezone" TEXT NOT NULL DEFAULT 'UTC',
    "abm_schedule_paused" BOOLEAN NOT NULL DEFAULT false,
    "updated_by" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "engagement_settings_pkey" PRIMARY KEY ("org_id")
);

-- CreateTable
CREATE TABLE "target_accounts" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "company_id" INTEGER NOT NULL,
    "owner_id" INTEGER,
    "tier" INTEGER NOT NULL DEFAULT 2,
    "estimated_decision_makers" INTEGER,
    "icp_fit_score" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'active',
    "health_score" INTEGER NOT NULL DEFAULT 0,
    "health" TEXT NOT NULL DEFAULT 'cold',
    "health_reasons" JSONB NOT NULL DEFAULT '[]',
    "engagement_stage" TEXT NOT NULL DEFAULT 'identified',
    "health_computed_at" TIMESTAMPTZ(3),
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "target_account_contacts" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "target_account_id" INTEGER NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "stakeholder_role" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_account_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outreach_steps" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "target_account_id" INTEGER NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "scheduled_at" TIMESTAMPTZ(3) NOT NULL,
    "assigned_to" INTEGER,
    "notes" TEXT,
    "subject" TEXT,
    "body" TEXT,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "job_id" INTEGER,
    "executed_at" TIMESTAMPTZ(3),
    "outcome" JSONB NOT NULL DEFAULT '{}',
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outreach_steps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ai_email_drafts_org_id_lead_id_id_idx" ON "ai_email_drafts"("org_id", "lead_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ai_email_drafts_org_id_job_id_lead_id_key" ON "ai_email_drafts"("org_id", "job_id", "lead_id");

-- CreateIndex
CREATE INDEX "tracked_emails_org_id_lead_id_idx" ON "tracked_emails"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "tracked_emails_org_id_contact_id_idx" ON "tracked_emails"("org_id", "contact_id");

-- CreateIndex
CREATE INDEX "tracked_emails_outbound_message_id_idx" ON "tracked_emails"("outbound_message_id");

-- CreateIndex
CREATE UNIQUE INDEX "tracked_emails_org_id_idempotency_key_key" ON "tracked_emails"("org_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "intent_signals_org_id_lead_id_occurred_at_idx" ON "intent_signals"("org_id", "lead_id", "occurred_at");

-- CreateIndex
CREATE INDEX "intent_signals_org_id_occurred_at_idx" ON "intent_signals"("org_id", "occurred_at");

-- CreateIndex
CREATE INDEX "intent_alerts_org_id_created_at_idx" ON "intent_alerts"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "intent_alerts_org_id_assigned_to_id_created_at_idx" ON "intent_alerts"("org_id", "assigned_to_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "intent_alerts_org_id_lead_id_episode_started_at_key" ON "intent_alerts"("org_id", "lead_id", "episode_started_at");

-- CreateIndex
CREATE INDEX "target_accounts_org_id_id_idx" ON "target_accounts"("org_id", "id");

-- CreateIndex
CREATE INDEX "target_accounts_org_id_health_score_idx" ON "target_accounts"("org_id", "health_score");

-- CreateIndex
CREATE UNIQUE INDEX "target_accounts_org_id_company_id_key" ON "target_accounts"("org_id", "company_id");

-- CreateIndex
CREATE INDEX "target_account_contacts_org_id_contact_id_idx" ON "target_account_contacts"("org_id", "contact_id");

-- CreateIndex
CREATE UNIQUE INDEX "target_account_contacts_target_account_id_contact_id_key" ON "target_account_contacts"("target_account_id", "contact_id");

-- CreateIndex
CREATE INDEX "outreach_steps_org_id_target_account_id_scheduled_at_idx" ON "outreach_steps"("org_id", "target_account_id", "scheduled_at");

-- CreateIndex
CREATE INDEX "outreach_steps_org_id_contact_id_scheduled_at_idx" ON "outreach_steps"("org_id", "contact_id", "scheduled_at");

