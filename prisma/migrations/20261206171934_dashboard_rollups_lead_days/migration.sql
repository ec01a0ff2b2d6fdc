-- Dashboard rollups, part three (issue 14, docs/rollups.md): leads per
-- organization and day, for the stats series. Summing the status × source
-- rows (~30,000 over two years at 1,000,000 leads) took ~30 ms of the
-- two-year stats; these are 730 rows. Filled from the folded status × source
-- rows: the deltas not folded yet reach this table with the next fold.
CREATE TABLE "lead_days" (
    "org_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "leads" INTEGER NOT NULL,
    CONSTRAINT "lead_days_pkey" PRIMARY KEY ("org_id", "day")
);

INSERT INTO lead_days (org_id, day, leads)
SELECT org_id, day, sum(leads) FROM lead_status_days GROUP BY 1, 2;
