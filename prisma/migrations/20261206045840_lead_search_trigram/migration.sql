-- search_value on the lead list (ILIKE '%term%' on the full name, email,
-- company and phone number) read every lead of the organization: 1-5 s at
-- 300,000-1,000,000 leads, holding a pooled connection throughout (issue 8
-- §5). Trigram GIN indexes turn a term of three or more characters into index
-- lookups (docs/indexes.md). pg_trgm is a trusted extension (PostgreSQL 13+):
-- the database owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The full name as the search matches it. concat_ws is only STABLE (it takes
-- "any"), so it cannot be indexed directly; on two text arguments it is
-- immutable, which this wrapper declares. Queries must call it by this name
-- for the index below to apply.
CREATE FUNCTION lead_full_name(first_name text, last_name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT concat_ws(' ', first_name, last_name) $$;

-- An expression index: schema.prisma cannot declare it, and migrate diff leaves it alone.
CREATE INDEX "leads_full_name_trgm_idx" ON "leads" USING GIN (lead_full_name("first_name", "last_name") gin_trgm_ops);

-- CreateIndex
CREATE INDEX "leads_email_trgm_idx" ON "leads" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "leads_company_trgm_idx" ON "leads" USING GIN ("company" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "leads_phone_number_trgm_idx" ON "leads" USING GIN ("phone_number" gin_trgm_ops);
