-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "enrichment_credits" INTEGER NOT NULL DEFAULT 1000;

-- CreateTable
CREATE TABLE "jobs" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "workflow_id" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "total" INTEGER,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "merged" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "checkpoint" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "input_key" TEXT,
    "output_key" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_row_errors" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "job_id" INTEGER NOT NULL,
    "row_number" INTEGER NOT NULL,
    "column" TEXT,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_row_errors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrichment_cache" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "lookup_key" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "data" JSONB,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrichment_cache_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrichment_credit_entries" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "job_id" INTEGER,
    "lead_id" INTEGER,
    "company_id" INTEGER,
    "provider" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrichment_credit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connected_apps" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "access_token" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "connected_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connected_apps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "jobs_org_id_type_id_idx" ON "jobs"("org_id", "type", "id");

-- CreateIndex
CREATE INDEX "jobs_org_id_id_idx" ON "jobs"("org_id", "id");

-- CreateIndex
CREATE INDEX "job_row_errors_org_id_job_id_row_number_idx" ON "job_row_errors"("org_id", "job_id", "row_number");

-- CreateIndex
CREATE UNIQUE INDEX "enrichment_cache_org_id_kind_lookup_key_provider_key" ON "enrichment_cache"("org_id", "kind", "lookup_key", "provider");

-- CreateIndex
CREATE INDEX "enrichment_credit_entries_org_id_id_idx" ON "enrichment_credit_entries"("org_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "connected_apps_org_id_provider_key" ON "connected_apps"("org_id", "provider");

