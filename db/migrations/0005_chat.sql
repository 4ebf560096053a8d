-- Chat glue (apps/chat): group metadata, per-member group settings, push registrations and the
-- record of alerts handed to the push dispatcher, moderation reports, the archive watcher's cursor.
-- Messages themselves live in ejabberd's archive table (0004_ejabberd.sql).

-- Groups created through the API: ejabberd's MUC room (members-only, persistent) is the source of
-- truth for membership; this row holds what the product adds (display name, creator).
CREATE TABLE chat_groups (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  room_jid VARCHAR(191) NOT NULL COMMENT 'room@conference.domain',
  name VARCHAR(128) NOT NULL,
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_chat_groups_room (room_jid),
  CONSTRAINT fk_chat_groups_creator FOREIGN KEY (created_by) REFERENCES accounts (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A member's notification choice for one conversation (group or 1:1 peer).
CREATE TABLE chat_conversation_settings (
  account_id BIGINT UNSIGNED NOT NULL,
  peer_jid VARCHAR(191) NOT NULL COMMENT 'bare JID of the peer or room',
  muted TINYINT(1) NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (account_id, peer_jid),
  CONSTRAINT fk_chat_conv_settings_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE chat_user_settings (
  account_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  push_previews TINYINT(1) NOT NULL DEFAULT 1 COMMENT '0: alerts say "New message" without the text',
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  CONSTRAINT fk_chat_user_settings_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- XEP-0357 nodes on the chat component: a client enables push with (component JID, node,
-- secret); ejabberd's mod_push publishes to the node and the component maps it to a device token.
CREATE TABLE chat_push_nodes (
  node VARCHAR(64) NOT NULL PRIMARY KEY,
  secret VARCHAR(64) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  provider VARCHAR(16) NOT NULL COMMENT 'apns, fcm, ...',
  token VARCHAR(1024) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_chat_push_nodes_account (account_id),
  CONSTRAINT fk_chat_push_nodes_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every alert the component handed to the push dispatcher (or chose not to: muted).
CREATE TABLE chat_push_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  node VARCHAR(64) NOT NULL,
  provider VARCHAR(16) NOT NULL,
  token VARCHAR(1024) NOT NULL,
  conversation VARCHAR(191) NOT NULL COMMENT 'bare JID of the peer or room',
  title VARCHAR(255) NOT NULL,
  body VARCHAR(1024) NOT NULL,
  mention TINYINT(1) NOT NULL DEFAULT 0,
  outcome ENUM('sent', 'failed', 'muted') NOT NULL,
  error VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_chat_push_log_account (account_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Reports of a message or a user, kept for moderators with the content and its context.
CREATE TABLE chat_reports (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  reporter_id BIGINT UNSIGNED NULL,
  reporter_jid VARCHAR(191) NOT NULL,
  target_jid VARCHAR(191) NOT NULL COMMENT 'bare JID of the reported user',
  conversation VARCHAR(191) NULL,
  stanza_id VARCHAR(64) NULL COMMENT 'archive id (XEP-0359 stanza-id) of the reported message',
  content MEDIUMTEXT NULL COMMENT 'the reported message text',
  context MEDIUMTEXT NULL COMMENT 'JSON: surrounding messages at the time of the report',
  reason VARCHAR(1024) NOT NULL,
  status ENUM('open', 'closed') NOT NULL DEFAULT 'open',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_chat_reports_status (status, id),
  KEY ix_chat_reports_target (target_jid),
  CONSTRAINT fk_chat_reports_reporter FOREIGN KEY (reporter_id) REFERENCES accounts (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- How far the component's archive watcher (XEP-0424/0308 applied to the archive) has read.
CREATE TABLE chat_archive_cursor (
  name VARCHAR(32) NOT NULL PRIMARY KEY,
  last_id BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Where a member has read up to in a conversation (archive timestamp, microseconds), set by the
-- API when a client reports a read marker; messages after it count as unread. A member's own
-- message also moves it (they have seen the conversation when they write).
CREATE TABLE chat_read_state (
  account_id BIGINT UNSIGNED NOT NULL,
  peer_jid VARCHAR(191) NOT NULL,
  read_ts BIGINT UNSIGNED NOT NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (account_id, peer_jid),
  CONSTRAINT fk_chat_read_state_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
