-- search_value on the company and contact lists and the global search
-- (§6.1) matched ILIKE '%term%' by reading every company, contact and deal
-- of the organization: 130-310 ms at 100,000 of each, the global search's
-- deals and contacts with it. Trigram GIN indexes on every searched column
-- make a term of three or more characters a BitmapOr of index lookups, as for
-- leads (migration lead_search_trigram, docs/indexes.md). pg_trgm exists
-- since that migration.

-- CreateIndex
CREATE INDEX "companies_company_name_trgm_idx" ON "companies" USING GIN ("company_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "companies_website_trgm_idx" ON "companies" USING GIN ("website" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "companies_city_trgm_idx" ON "companies" USING GIN ("city" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "companies_country_trgm_idx" ON "companies" USING GIN ("country" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contacts_name_trgm_idx" ON "contacts" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contacts_email_trgm_idx" ON "contacts" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contacts_phone_number_trgm_idx" ON "contacts" USING GIN ("phone_number" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contacts_designation_trgm_idx" ON "contacts" USING GIN ("designation" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "deals_title_trgm_idx" ON "deals" USING GIN ("title" gin_trgm_ops);
