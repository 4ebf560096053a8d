-- Core model: domains, accounts, devices, numbers (DIDs), trunks and dial-plan rules.
-- Passwords are never stored in plaintext: web password as an scrypt hash, SIP password as digest
-- HA1 values (MD5 and SHA-256, RFC 8760) plus an AES-256-GCM sealed copy (key from config).

CREATE TABLE domains (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(253) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_domains_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE accounts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  domain_id INT UNSIGNED NOT NULL,
  username VARCHAR(64) NOT NULL,
  phone VARCHAR(16) NULL COMMENT 'E.164, e.g. +14155550100',
  email VARCHAR(254) NULL,
  display_name VARCHAR(128) NULL,
  country CHAR(2) NULL COMMENT 'ISO 3166-1 alpha-2',
  password_hash VARCHAR(255) NULL COMMENT 'web password: scrypt$N=..,r=..,p=..$salt$hash',
  ha1_md5 CHAR(32) NOT NULL COMMENT 'MD5(username:realm:password)',
  ha1_sha256 CHAR(64) NOT NULL COMMENT 'SHA-256(username:realm:password), RFC 8760',
  sip_password_enc VARCHAR(512) NOT NULL COMMENT 'AES-256-GCM sealed SIP password',
  status ENUM('active', 'disabled', 'pending') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_accounts_domain_username (domain_id, username),
  UNIQUE KEY uq_accounts_phone (phone),
  KEY ix_accounts_email (email),
  KEY ix_accounts_status (status),
  CONSTRAINT fk_accounts_domain FOREIGN KEY (domain_id) REFERENCES domains (id) ON DELETE RESTRICT,
  CONSTRAINT ck_accounts_phone CHECK (phone IS NULL OR phone REGEXP '^\\+[1-9][0-9]{1,14}$'),
  CONSTRAINT ck_accounts_country CHECK (country IS NULL OR country REGEXP '^[A-Z]{2}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE devices (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  instance_id VARCHAR(255) NOT NULL COMMENT '+sip.instance (RFC 5626), e.g. <urn:uuid:...>',
  user_agent VARCHAR(255) NULL,
  push_provider VARCHAR(16) NULL COMMENT 'RFC 8599 pn-provider: apns, fcm, ...',
  push_prid VARCHAR(1024) NULL COMMENT 'RFC 8599 pn-prid (device token)',
  push_param VARCHAR(255) NULL COMMENT 'RFC 8599 pn-param',
  last_seen_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_devices_account_instance (account_id, instance_id),
  KEY ix_devices_last_seen (last_seen_at),
  CONSTRAINT fk_devices_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE numbers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  e164 VARCHAR(16) NOT NULL COMMENT 'DID in E.164',
  account_id BIGINT UNSIGNED NOT NULL,
  description VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_numbers_e164 (e164),
  KEY ix_numbers_account (account_id),
  CONSTRAINT fk_numbers_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE RESTRICT,
  CONSTRAINT ck_numbers_e164 CHECK (e164 REGEXP '^\\+[1-9][0-9]{1,14}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE trunks (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  host VARCHAR(253) NOT NULL,
  port SMALLINT UNSIGNED NOT NULL DEFAULT 5060,
  transport ENUM('udp', 'tcp', 'tls') NOT NULL DEFAULT 'udp',
  auth_user VARCHAR(128) NULL,
  auth_password_enc VARCHAR(512) NULL COMMENT 'AES-256-GCM sealed',
  register TINYINT(1) NOT NULL DEFAULT 0,
  codecs VARCHAR(255) NOT NULL DEFAULT 'PCMU,PCMA' COMMENT 'comma-separated, in preference order',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_trunks_name (name),
  CONSTRAINT ck_trunks_port CHECK (port > 0),
  CONSTRAINT ck_trunks_register_auth CHECK (register = 0 OR auth_user IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Inbound source networks of a trunk: calls from these CIDRs are accepted as coming from it.
CREATE TABLE trunk_sources (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  trunk_id INT UNSIGNED NOT NULL,
  cidr VARCHAR(43) NOT NULL COMMENT 'IPv4 or IPv6 network, e.g. 192.0.2.0/24',
  UNIQUE KEY uq_trunk_sources (trunk_id, cidr),
  KEY ix_trunk_sources_cidr (cidr),
  CONSTRAINT fk_trunk_sources_trunk FOREIGN KEY (trunk_id) REFERENCES trunks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Dial plan: the longest matching prefix wins, then the lowest priority value.
CREATE TABLE dialplan_rules (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  prefix VARCHAR(32) NOT NULL COMMENT 'digits, optionally starting with +; empty matches all',
  action ENUM('ONNET', 'OFFNET') NOT NULL,
  trunk_id INT UNSIGNED NULL,
  priority INT NOT NULL DEFAULT 100,
  description VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_dialplan_prefix_priority (prefix, priority),
  KEY ix_dialplan_trunk (trunk_id),
  CONSTRAINT fk_dialplan_trunk FOREIGN KEY (trunk_id) REFERENCES trunks (id) ON DELETE RESTRICT,
  CONSTRAINT ck_dialplan_prefix CHECK (prefix REGEXP '^\\+?[0-9]*$'),
  CONSTRAINT ck_dialplan_offnet_trunk CHECK ((action = 'OFFNET') = (trunk_id IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
