-- The pause or resume the API accepted last, and how many controls it has
-- accepted: controls are judged against what was asked (a pause not yet in
-- effect is still a pause), and each signal carries its number so that the
-- workflow applies them in the order the API accepted them.
ALTER TABLE "jobs" ADD COLUMN     "control_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "pause_requested" BOOLEAN NOT NULL DEFAULT false;

-- a job paused before this migration was asked to pause
UPDATE "jobs" SET "pause_requested" = true WHERE "status" = 'paused';
