-- Accounts and provisioning API (apps/api, issue 11): profile fields, devices signed in through the
-- API, phone verification (RCS dialer_requests), one-time links, refresh tokens, address-book
-- discovery, notifications, circles, favourites, blocks and reports.
-- Privacy: uploaded address books keep no names and no numbers in clear, only a keyed hash
-- (HMAC-SHA-256) of each E.164 number and the client's own contact id: enough to tell the uploader
-- which contacts are users and to notify them when one joins.

ALTER TABLE accounts
  ADD COLUMN time_zone VARCHAR(64) NULL COMMENT 'IANA time zone, e.g. Europe/Warsaw' AFTER country,
  ADD COLUMN language VARCHAR(35) NULL COMMENT 'BCP 47 language tag, e.g. pl or en-GB' AFTER time_zone,
  ADD COLUMN avatar_file VARCHAR(64) NULL COMMENT 'file name under <dataDir>/avatars' AFTER language,
  ADD COLUMN avatar_updated_at DATETIME(3) NULL AFTER avatar_file;

-- Devices: the registrar fills instance/push columns from REGISTER (RFC 5626, RFC 8599); the API
-- adds what sign-in knows. udid_hash: SHA-256 of the client's hardware id (RCS UDID), to recognise
-- a re-install on the same number; sip_issued_at: the SIP password was handed to this device.
ALTER TABLE devices
  ADD COLUMN udid_hash CHAR(64) NULL AFTER instance_id,
  ADD COLUMN platform VARCHAR(16) NULL AFTER udid_hash,
  ADD COLUMN name VARCHAR(128) NULL AFTER platform,
  ADD COLUMN sip_issued_at DATETIME(3) NULL,
  ADD COLUMN signed_in_at DATETIME(3) NULL,
  ADD KEY ix_devices_udid (account_id, udid_hash);

-- One row per phone number and device (RCS api.dialer_requests): codes sent, wrong attempts,
-- the current code as SHA-256(salt, code) (a 4..6 digit code lives minutes and allows few tries).
CREATE TABLE phone_verifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone VARCHAR(16) NOT NULL,
  udid_hash CHAR(64) NOT NULL,
  platform VARCHAR(16) NULL,
  country CHAR(2) NULL,
  codes_sent INT UNSIGNED NOT NULL DEFAULT 0,
  wrong_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  code_hash CHAR(64) NULL,
  code_salt CHAR(32) NULL,
  code_expires_at DATETIME(3) NULL,
  last_sent_at DATETIME(3) NULL,
  verified_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_phone_verifications (phone, udid_hash),
  CONSTRAINT ck_phone_verifications_phone CHECK (phone REGEXP '^\\+[1-9][0-9]{1,14}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One-time links (email activation, password reset, circle invitation of a non-user): the link
-- carries a signed, expiring token; the row makes it single-use (used_at).
CREATE TABLE action_tokens (
  id CHAR(32) NOT NULL PRIMARY KEY COMMENT 'random token id (the signed token names it)',
  purpose ENUM('activate', 'reset', 'invite') NOT NULL,
  account_id BIGINT UNSIGNED NULL,
  circle_id BIGINT UNSIGNED NULL,
  expires_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  used_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_action_tokens_account (account_id),
  KEY ix_action_tokens_expires (expires_at),
  CONSTRAINT fk_action_tokens_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Refresh tokens, stored as SHA-256 of the token. Rotated on every use (replaced_by); a rotated
-- token presented again revokes its whole family (the session), per OAuth 2.0 BCP.
CREATE TABLE refresh_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash CHAR(64) NOT NULL,
  family CHAR(32) NOT NULL COMMENT 'session id: every rotation of one sign-in',
  account_id BIGINT UNSIGNED NOT NULL,
  device_id BIGINT UNSIGNED NULL,
  expires_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  replaced_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_refresh_tokens_hash (token_hash),
  KEY ix_refresh_tokens_family (family),
  KEY ix_refresh_tokens_device (device_id),
  KEY ix_refresh_tokens_account (account_id),
  CONSTRAINT fk_refresh_tokens_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
  CONSTRAINT fk_refresh_tokens_device FOREIGN KEY (device_id) REFERENCES devices (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Uploaded address books (RCS api.contacts), reduced to discovery: the owner, the client's contact
-- id and the keyed hash of one normalised number. No names, no numbers in clear.
CREATE TABLE contact_entries (
  owner_id BIGINT UNSIGNED NOT NULL,
  contact_id VARCHAR(64) NOT NULL COMMENT 'the id the client gave the entry (its address book id)',
  phone_hash CHAR(64) NOT NULL COMMENT 'HMAC-SHA-256(discovery key, E.164)',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (owner_id, contact_id, phone_hash),
  KEY ix_contact_entries_hash (phone_hash),
  CONSTRAINT fk_contact_entries_owner FOREIGN KEY (owner_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Notifications kept for the account ("contact joined", circle invitations); delivery by chat or
-- push is another service reading the same rows.
CREATE TABLE notifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(32) NOT NULL,
  payload JSON NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  read_at DATETIME(3) NULL,
  KEY ix_notifications_account (account_id, id),
  CONSTRAINT fk_notifications_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
  CONSTRAINT ck_notifications_payload CHECK (JSON_VALID(payload))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Circles (eldercare seed): named groups of people an account keeps (family, friends, care).
CREATE TABLE circles (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(64) NOT NULL,
  kind ENUM('family', 'friends', 'care', 'other') NOT NULL DEFAULT 'other',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_circles_owner_name (owner_id, name),
  CONSTRAINT fk_circles_owner FOREIGN KEY (owner_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE circle_members (
  circle_id BIGINT UNSIGNED NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  status ENUM('invited', 'accepted', 'declined') NOT NULL DEFAULT 'invited',
  invited_by BIGINT UNSIGNED NOT NULL,
  invited_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  responded_at DATETIME(3) NULL,
  PRIMARY KEY (circle_id, account_id),
  KEY ix_circle_members_account (account_id, status),
  CONSTRAINT fk_circle_members_circle FOREIGN KEY (circle_id) REFERENCES circles (id) ON DELETE CASCADE,
  CONSTRAINT fk_circle_members_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Favourites: people an account pins on top of its lists, in its own order.
CREATE TABLE favourites (
  account_id BIGINT UNSIGNED NOT NULL,
  target_id BIGINT UNSIGNED NOT NULL,
  position INT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (account_id, target_id),
  CONSTRAINT fk_favourites_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
  CONSTRAINT fk_favourites_target FOREIGN KEY (target_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Blocks: blocker_id does not want calls or messages from blocked_id (the B2BUA asks isBlocked()).
CREATE TABLE blocks (
  blocker_id BIGINT UNSIGNED NOT NULL,
  blocked_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (blocker_id, blocked_id),
  KEY ix_blocks_blocked (blocked_id),
  CONSTRAINT fk_blocks_blocker FOREIGN KEY (blocker_id) REFERENCES accounts (id) ON DELETE CASCADE,
  CONSTRAINT fk_blocks_blocked FOREIGN KEY (blocked_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE reports (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  reporter_id BIGINT UNSIGNED NOT NULL,
  reported_id BIGINT UNSIGNED NOT NULL,
  reason ENUM('spam', 'abuse', 'impersonation', 'inappropriate', 'other') NOT NULL,
  details VARCHAR(2000) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_reports_reported (reported_id),
  CONSTRAINT fk_reports_reporter FOREIGN KEY (reporter_id) REFERENCES accounts (id) ON DELETE CASCADE,
  CONSTRAINT fk_reports_reported FOREIGN KEY (reported_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE action_tokens
  ADD CONSTRAINT fk_action_tokens_circle FOREIGN KEY (circle_id) REFERENCES circles (id) ON DELETE CASCADE;
