-- Credentials are sealed from now on (AES-256-GCM under CREDENTIALS_KEY, which
-- SQL does not have): a connection stored with a plain-text token cannot be
-- sealed here, so it is forgotten rather than kept readable, and shows as not
-- connected until an admin connects it again.
DELETE FROM "connected_apps" WHERE "access_token" IS NOT NULL;

-- AlterTable
ALTER TABLE "connected_apps" DROP COLUMN "access_token",
ADD COLUMN     "last_error" TEXT,
ADD COLUMN     "needs_reauth" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "secret_hint" TEXT,
ADD COLUMN     "secret_sealed" TEXT;

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "currency" TEXT NOT NULL DEFAULT 'USD';

-- CreateTable
CREATE TABLE "mail_configurations" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "mailer" TEXT NOT NULL,
    "from_address" TEXT NOT NULL,
    "from_name" TEXT,
    "secret_sealed" TEXT NOT NULL,
    "secret_hint" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "state_id" INTEGER NOT NULL DEFAULT 1,
    "needs_reauth" BOOLEAN NOT NULL DEFAULT false,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_configurations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_messages" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "connector" TEXT NOT NULL,
    "config_id" INTEGER,
    "idempotency_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "provider_message_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "meetings" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "lead_id" INTEGER,
    "contact_id" INTEGER,
    "company_id" INTEGER,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "location" TEXT,
    "start_time" TIMESTAMPTZ(3) NOT NULL,
    "end_time" TIMESTAMPTZ(3) NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "attendees" JSONB NOT NULL DEFAULT '[]',
    "meeting_url" TEXT,
    "meeting_tool" TEXT NOT NULL DEFAULT 'none',
    "status" INTEGER NOT NULL DEFAULT 1,
    "calendar_provider" TEXT,
    "calendar_event_id" TEXT,
    "transcript" TEXT,
    "summary" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meetings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calendar_settings" (
    "user_id" INTEGER NOT NULL,
    "org_id" INTEGER NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "working_hours" JSONB NOT NULL,
    "buffer_minutes" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calendar_settings_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "phone_numbers" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "phone_number" TEXT NOT NULL,
    "friendly_name" TEXT,
    "type" TEXT NOT NULL DEFAULT 'local',
    "status" TEXT NOT NULL DEFAULT 'purchasing',
    "provider" TEXT NOT NULL,
    "provider_sid" TEXT,
    "assigned_user_ids" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "phone_numbers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calls" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "lead_id" INTEGER,
    "contact_id" INTEGER,
    "company_id" INTEGER,
    "direction" TEXT NOT NULL DEFAULT 'outbound',
    "from_number" TEXT,
    "to_number" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "started_at" TIMESTAMPTZ(3),
    "answered_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "duration_sec" INTEGER,
    "transcript" TEXT,
    "price_minor" BIGINT,
    "provider" TEXT NOT NULL,
    "provider_call_sid" TEXT,
    "recording_sid" TEXT,
    "recording_url" TEXT,
    "agent" JSONB,
    "workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "account" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "reference" JSONB NOT NULL DEFAULT '{}',
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_balances" (
    "org_id" INTEGER NOT NULL,
    "account" TEXT NOT NULL,
    "balance" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_balances_pkey" PRIMARY KEY ("org_id","account")
);

-- CreateTable
CREATE TABLE "provider_throttles" (
    "provider" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "not_before" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "provider_throttles_pkey" PRIMARY KEY ("provider","account")
);

-- CreateTable
CREATE TABLE "notification_routes" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "event_type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_routes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mail_configurations_org_id_id_idx" ON "mail_configurations"("org_id", "id");

-- CreateIndex
CREATE INDEX "outbound_messages_org_id_channel_id_idx" ON "outbound_messages"("org_id", "channel", "id");

-- CreateIndex
CREATE UNIQUE INDEX "outbound_messages_org_id_idempotency_key_key" ON "outbound_messages"("org_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "meetings_org_id_start_time_idx" ON "meetings"("org_id", "start_time");

-- CreateIndex
CREATE INDEX "meetings_org_id_lead_id_idx" ON "meetings"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "meetings_org_id_user_id_start_time_idx" ON "meetings"("org_id", "user_id", "start_time");

-- CreateIndex
CREATE UNIQUE INDEX "phone_numbers_org_id_phone_number_key" ON "phone_numbers"("org_id", "phone_number");

-- CreateIndex
CREATE UNIQUE INDEX "calls_provider_call_sid_key" ON "calls"("provider_call_sid");

-- CreateIndex
CREATE INDEX "calls_org_id_id_idx" ON "calls"("org_id", "id");

-- CreateIndex
CREATE INDEX "calls_org_id_lead_id_idx" ON "calls"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "ledger_entries_org_id_account_id_idx" ON "ledger_entries"("org_id", "account", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entries_org_id_account_idempotency_key_key" ON "ledger_entries"("org_id", "account", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "notification_routes_org_id_event_type_provider_channel_key" ON "notification_routes"("org_id", "event_type", "provider", "channel");


-- A balance is never negative, whatever debits run concurrently: a debit that
-- would take it below zero fails here, inside its transaction. (A trigger, not
-- a CHECK constraint: Prisma 6.19's schema engine crashes diffing a CHECK.)
CREATE FUNCTION ledger_balance_not_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.balance < 0 THEN
    RAISE EXCEPTION 'ledger balance of organization % (%) would go below zero', NEW.org_id, NEW.account
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balances_not_negative';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_balances_not_negative BEFORE INSERT OR UPDATE ON "ledger_balances"
  FOR EACH ROW EXECUTE FUNCTION ledger_balance_not_negative();
