-- Operator API keys (issue 8): bearer keys for the operator routes (/v1/cdrs...), created with
-- `ctl apikey create`. Only a SHA-256 of the key is kept (the key is 32 random bytes, so a plain
-- hash is enough, no slow KDF): a leaked table does not give usable keys. The prefix (the first
-- characters after "ol_") finds the row and names the key in lists; the hash is then compared in
-- constant time. A revoked key keeps its row (revoked_at set) for the audit trail.

CREATE TABLE api_keys (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(64) NOT NULL COMMENT 'what the key is for, unique among keys',
  prefix CHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'first 8 characters after ol_',
  key_hash BINARY(32) NOT NULL COMMENT 'SHA-256 of the whole key',
  scopes SET('read', 'export') NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_used_at DATETIME(3) NULL COMMENT 'updated at most once a minute per API node',
  revoked_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_api_keys_name (name),
  UNIQUE KEY uq_api_keys_prefix (prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
