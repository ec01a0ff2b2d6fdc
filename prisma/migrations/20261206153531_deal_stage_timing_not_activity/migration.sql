-- A deal's stage_entered_at and closed_at are kept by the deals_stage_timing
-- trigger (forecasting, issue 12): derived from the stage change the feed
-- already shows, not changes anyone made, so the activity feed leaves them
-- out like the leads' system-computed columns.
DROP TRIGGER deals_activity_feed ON deals;
CREATE TRIGGER deals_activity_feed
AFTER INSERT OR UPDATE OR DELETE ON deals
FOR EACH ROW EXECUTE FUNCTION record_activity_feed('deal', 'stage_entered_at', 'closed_at');
