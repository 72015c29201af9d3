-- +goose Up
-- The references to a resource (a host's instances, a site's hosts) are read by target. Without
-- statistics (a fresh install has none), SQLite's planner answered that read by walking the
-- tenant's resources (to follow ORDER BY) or references (their primary key covers the query,
-- inv_refs_to does not): a pass over the project per read, 31 % of the server's CPU in a 10,000-host
-- fleet. An index by target that also holds the source covers the read (store.referrersQuery,
-- TestReferrersReadByTarget). inv_refs_to stays for the previous release.
CREATE INDEX inv_refs_to_from ON inv_refs_all (tenant_id, to_id, ref, from_id);
