-- Cross-process cache invalidation (issue 14, domain/platform/change-feed.ts):
-- each API process caches API keys (with their organization) and the lead
-- lookups per organization, and LISTENs on lio_cache_invalidation. A change to
-- what those caches hold notifies every process at COMMIT, so a revoked key or
-- a new lookup code takes effect everywhere at once. The payload names the
-- topic and the organization; PostgreSQL folds identical notifications of one
-- transaction into one, so a bulk change notifies once per organization.
-- Arguments: the topic, and the column holding the organization's id.
CREATE FUNCTION notify_cache_invalidation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
  PERFORM pg_notify('lio_cache_invalidation', json_build_object('topic', TG_ARGV[0], 'org', (changed ->> TG_ARGV[1])::int)::text);
  RETURN NULL;
END;
$$;

-- a key revoked, deleted, restricted or re-dated (its last_used_at alone is not what authentication reads)
CREATE TRIGGER api_keys_cache_invalidation
AFTER UPDATE ON api_keys
FOR EACH ROW
WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
   OR OLD.allowed_ips IS DISTINCT FROM NEW.allowed_ips OR OLD.allowed_domains IS DISTINCT FROM NEW.allowed_domains
   OR OLD.key_hash IS DISTINCT FROM NEW.key_hash OR OLD.org_id IS DISTINCT FROM NEW.org_id)
EXECUTE FUNCTION notify_cache_invalidation('api_keys', 'org_id');
CREATE TRIGGER api_keys_cache_invalidation_delete
AFTER DELETE ON api_keys
FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('api_keys', 'org_id');

-- authentication reads an organization's is_active and public_id (its credits and settings change often and are not cached)
CREATE TRIGGER organizations_cache_invalidation
AFTER UPDATE ON organizations
FOR EACH ROW
WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active OR OLD.public_id IS DISTINCT FROM NEW.public_id)
EXECUTE FUNCTION notify_cache_invalidation('api_keys', 'id');
CREATE TRIGGER organizations_cache_invalidation_delete
AFTER DELETE ON organizations
FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('api_keys', 'id');

-- the lead lookups (status, priority, lead_source codes and tags) that validation and presenting read;
-- a tag named again by a lead is upserted with a no-op update, which changes nothing cached
CREATE TRIGGER custom_lookups_cache_invalidation
AFTER INSERT OR DELETE ON custom_lookups
FOR EACH ROW EXECUTE FUNCTION notify_cache_invalidation('lead_lookups', 'org_id');
CREATE TRIGGER custom_lookups_cache_invalidation_update
AFTER UPDATE ON custom_lookups
FOR EACH ROW
WHEN (OLD.* IS DISTINCT FROM NEW.*)
EXECUTE FUNCTION notify_cache_invalidation('lead_lookups', 'org_id');
