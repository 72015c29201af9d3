-- +goose Up
-- Keys unique across every project (a host's uuid: a device registers once), one row per value
-- (lower-cased: a UUID reads the same in either case) naming the project and the resource that
-- hold it. Not tenant-scoped (no tenant view): the store writes it in the transaction that writes
-- inv_keys, always naming the tenant itself, and reads it only to refuse a value another project
-- holds (without saying which) and to find the one project of a device that names none. It
-- holds nothing but the key and the holder's ids.
CREATE TABLE inv_global_keys (
    kind        VARCHAR(32)  NOT NULL,
    key_name    VARCHAR(32)  NOT NULL,
    key_value   VARCHAR(255) NOT NULL,
    tenant_id   VARCHAR(64)  NOT NULL,
    resource_id VARCHAR(64)  NOT NULL,
    PRIMARY KEY (kind, key_name, key_value),
    CONSTRAINT inv_global_keys_resource FOREIGN KEY (tenant_id, resource_id) REFERENCES inv_resources_all (tenant_id, resource_id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4;

-- Values that several projects held when inv_global_keys was filled: inv_global_keys keeps the
-- first registered; a device naming no tenant is looked up project by project for these (and
-- refused while the duplicates remain).
CREATE TABLE inv_global_key_dups (
    kind      VARCHAR(32)  NOT NULL,
    key_name  VARCHAR(32)  NOT NULL,
    key_value VARCHAR(255) NOT NULL,
    PRIMARY KEY (kind, key_name, key_value)
) DEFAULT CHARSET = utf8mb4;

INSERT INTO inv_global_keys (kind, key_name, key_value, tenant_id, resource_id)
SELECT kind, key_name, key_value, tenant_id, resource_id FROM (
    SELECT k.kind, k.key_name, LOWER(k.key_value) AS key_value, k.tenant_id, k.resource_id,
           ROW_NUMBER() OVER (PARTITION BY k.kind, k.key_name, LOWER(k.key_value)
                              ORDER BY r.created_us, k.tenant_id, k.resource_id) AS n
    FROM inv_keys_all k
    JOIN inv_resources_all r ON r.tenant_id = k.tenant_id AND r.resource_id = k.resource_id
    WHERE k.kind = 'host' AND k.key_name = 'uuid'
) ranked WHERE n = 1;

INSERT INTO inv_global_key_dups (kind, key_name, key_value)
SELECT kind, key_name, LOWER(key_value) FROM inv_keys_all
WHERE kind = 'host' AND key_name = 'uuid'
GROUP BY kind, key_name, LOWER(key_value) HAVING COUNT(*) > 1;
