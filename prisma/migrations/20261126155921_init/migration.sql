-- CreateTable
CREATE TABLE "organizations" (
    "id" SERIAL NOT NULL,
    "public_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "roles" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "state_id" INTEGER NOT NULL DEFAULT 1,
    "is_system" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "role_id" INTEGER NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT,
    "email" TEXT NOT NULL,
    "phone_no" TEXT,
    "password_hash" TEXT NOT NULL,
    "language" TEXT,
    "timezone" TEXT,
    "state_id" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "allowed_ips" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowed_domains" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit_windows" (
    "bucket" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "hits" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "rate_limit_windows_pkey" PRIMARY KEY ("bucket","window_start")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "org_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER,
    "response" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("org_id","key")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "custom_lookups" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "module_name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "code" INTEGER,
    "name" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "value" TEXT,
    "color_code" TEXT,
    "parent_id" INTEGER,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "custom_lookups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "custom_field_definitions" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "module_name" TEXT NOT NULL,
    "field_name" TEXT NOT NULL,
    "field_type" TEXT NOT NULL DEFAULT 'text',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "custom_field_definitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "custom_views" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "module_name" TEXT NOT NULL,
    "view_name" TEXT NOT NULL DEFAULT 'Untitled view',
    "visibility" TEXT NOT NULL,
    "filters" JSONB NOT NULL DEFAULT '{}',
    "columns" JSONB NOT NULL DEFAULT '[]',
    "sorting" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "custom_views_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "leads" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "email" TEXT,
    "dedupe_email" TEXT,
    "dedupe_linkedin" TEXT,
    "phone_number" TEXT,
    "company" TEXT,
    "company_id" INTEGER,
    "job_title" TEXT,
    "industry" TEXT,
    "website" TEXT,
    "address" TEXT,
    "city" TEXT,
    "state" TEXT,
    "country" TEXT,
    "pin_code" TEXT,
    "status" INTEGER NOT NULL DEFAULT 1,
    "priority" INTEGER NOT NULL DEFAULT 2,
    "lead_source" INTEGER,
    "score" INTEGER NOT NULL DEFAULT 0,
    "estimated_value" DECIMAL(14,2),
    "assigned_to" INTEGER,
    "linkedin_url" TEXT,
    "tags" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "custom_fields" JSONB NOT NULL DEFAULT '{}',
    "notes" TEXT,
    "ai_information" JSONB NOT NULL DEFAULT '{}',
    "profile_image" TEXT,
    "profile_image_key" TEXT,
    "profile_image_mime_type" TEXT,
    "duplicate_of" INTEGER,
    "created_by" INTEGER,
    "last_activity_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "leads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_notes" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "note" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lead_notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "follow_ups" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "follow_up_date" TIMESTAMPTZ(3) NOT NULL,
    "notes" TEXT,
    "status" INTEGER NOT NULL DEFAULT 1,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "follow_ups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_documents" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "file_name" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "storage_key" TEXT NOT NULL,
    "document_type" TEXT,
    "description" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lead_documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "companies" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "company_name" TEXT NOT NULL,
    "industry_type" TEXT,
    "company_logo" TEXT,
    "company_logo_key" TEXT,
    "company_logo_mime_type" TEXT,
    "address" TEXT,
    "city" TEXT,
    "country" TEXT,
    "employee_size" TEXT,
    "rating" INTEGER,
    "contact_email" TEXT,
    "phone_number" TEXT,
    "website" TEXT,
    "summary" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "companies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contacts" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "phone_number" TEXT,
    "company_id" INTEGER,
    "lead_id" INTEGER,
    "designation" TEXT,
    "seniority" TEXT,
    "decision_maker" TEXT,
    "linkedin_url" TEXT,
    "lead_score" INTEGER,
    "status" INTEGER,
    "tags" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pipelines" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "max_deal_limit" DECIMAL(14,2),
    "region" TEXT,
    "state_id" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipelines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stages" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "color" TEXT,
    "position" INTEGER NOT NULL,
    "is_won" BOOLEAN NOT NULL DEFAULT false,
    "is_lost" BOOLEAN NOT NULL DEFAULT false,
    "probability" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "max_days_in_stage" INTEGER,
    "is_protected" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deals" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "lead_id" INTEGER NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "stage_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "value" DECIMAL(14,2) NOT NULL,
    "expected_close_date" DATE NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 2,
    "description" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stored_files" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "file_name" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "storage_key" TEXT NOT NULL,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "file_attachments" (
    "id" SERIAL NOT NULL,
    "org_id" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" INTEGER NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mime_type" TEXT,
    "web_url" TEXT NOT NULL,
    "category" TEXT,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "file_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "organizations_public_id_key" ON "organizations"("public_id");

-- CreateIndex
CREATE UNIQUE INDEX "roles_org_id_name_key" ON "roles"("org_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_org_id_idx" ON "users"("org_id");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_org_id_idx" ON "api_keys"("org_id");

-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

-- CreateIndex
CREATE INDEX "outbox_events_available_at_id_idx" ON "outbox_events"("available_at", "id");

-- CreateIndex
CREATE INDEX "custom_lookups_org_id_parent_id_idx" ON "custom_lookups"("org_id", "parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "custom_lookups_id_org_id_key" ON "custom_lookups"("id", "org_id");

-- CreateIndex
CREATE UNIQUE INDEX "custom_lookups_org_id_module_name_type_name_key_key" ON "custom_lookups"("org_id", "module_name", "type", "name_key");

-- CreateIndex
CREATE UNIQUE INDEX "custom_lookups_org_id_module_name_type_code_key" ON "custom_lookups"("org_id", "module_name", "type", "code");

-- CreateIndex
CREATE UNIQUE INDEX "custom_field_definitions_org_id_module_name_field_name_key" ON "custom_field_definitions"("org_id", "module_name", "field_name");

-- CreateIndex
CREATE INDEX "custom_views_org_id_module_name_idx" ON "custom_views"("org_id", "module_name");

-- CreateIndex
CREATE INDEX "leads_org_id_id_company_id_assigned_to_idx" ON "leads"("org_id", "id", "company_id", "assigned_to");

-- CreateIndex
CREATE INDEX "leads_org_id_created_at_id_status_lead_source_score_idx" ON "leads"("org_id", "created_at", "id", "status", "lead_source", "score");

-- CreateIndex
CREATE INDEX "leads_org_id_status_created_at_last_activity_at_idx" ON "leads"("org_id", "status", "created_at", "last_activity_at");

-- CreateIndex
CREATE INDEX "leads_org_id_assigned_to_created_at_status_score_idx" ON "leads"("org_id", "assigned_to", "created_at", "status", "score");

-- CreateIndex
CREATE INDEX "leads_org_id_score_id_idx" ON "leads"("org_id", "score", "id");

-- CreateIndex
CREATE INDEX "leads_org_id_company_id_last_activity_at_idx" ON "leads"("org_id", "company_id", "last_activity_at");

-- CreateIndex
CREATE UNIQUE INDEX "leads_org_id_dedupe_email_key" ON "leads"("org_id", "dedupe_email");

-- CreateIndex
CREATE UNIQUE INDEX "leads_org_id_dedupe_linkedin_key" ON "leads"("org_id", "dedupe_linkedin");

-- CreateIndex
CREATE INDEX "lead_notes_org_id_lead_id_idx" ON "lead_notes"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "follow_ups_org_id_lead_id_idx" ON "follow_ups"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "lead_documents_org_id_lead_id_idx" ON "lead_documents"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "companies_org_id_id_idx" ON "companies"("org_id", "id");

-- CreateIndex
CREATE INDEX "companies_org_id_created_at_idx" ON "companies"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "contacts_org_id_id_idx" ON "contacts"("org_id", "id");

-- CreateIndex
CREATE INDEX "contacts_org_id_created_at_idx" ON "contacts"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "contacts_company_id_idx" ON "contacts"("company_id");

-- CreateIndex
CREATE INDEX "contacts_lead_id_idx" ON "contacts"("lead_id");

-- CreateIndex
CREATE INDEX "pipelines_org_id_idx" ON "pipelines"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "pipelines_id_org_id_key" ON "pipelines"("id", "org_id");

-- CreateIndex
CREATE INDEX "stages_org_id_pipeline_id_idx" ON "stages"("org_id", "pipeline_id");

-- CreateIndex
CREATE UNIQUE INDEX "stages_id_pipeline_id_key" ON "stages"("id", "pipeline_id");

-- CreateIndex
CREATE INDEX "deals_org_id_id_idx" ON "deals"("org_id", "id");

-- CreateIndex
CREATE INDEX "deals_org_id_pipeline_id_idx" ON "deals"("org_id", "pipeline_id");

-- CreateIndex
CREATE INDEX "deals_org_id_lead_id_idx" ON "deals"("org_id", "lead_id");

-- CreateIndex
CREATE INDEX "deals_stage_id_idx" ON "deals"("stage_id");

-- CreateIndex
CREATE INDEX "deals_org_id_created_at_idx" ON "deals"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "stored_files_org_id_id_idx" ON "stored_files"("org_id", "id");

-- CreateIndex
CREATE INDEX "file_attachments_org_id_subject_type_subject_id_idx" ON "file_attachments"("org_id", "subject_type", "subject_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "custom_lookups" ADD CONSTRAINT "custom_lookups_parent_id_org_id_fkey" FOREIGN KEY ("parent_id", "org_id") REFERENCES "custom_lookups"("id", "org_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stages" ADD CONSTRAINT "stages_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_pipeline_id_org_id_fkey" FOREIGN KEY ("pipeline_id", "org_id") REFERENCES "pipelines"("id", "org_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_stage_id_pipeline_id_fkey" FOREIGN KEY ("stage_id", "pipeline_id") REFERENCES "stages"("id", "pipeline_id") ON DELETE RESTRICT ON UPDATE CASCADE;

