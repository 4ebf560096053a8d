-- System messages (notifications, reminders, coaching and emergency messages) queued by any
-- process (apps/api, schedulers) and sent by the chat service's XEP-0114 component as
-- system.<domain>. Rows are claimed by one chat service (claimed_by) and marked sent.
CREATE TABLE chat_system_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  to_jid VARCHAR(191) NOT NULL,
  body TEXT NOT NULL,
  kind ENUM('notification', 'reminder', 'coaching', 'emergency') NOT NULL DEFAULT 'notification',
  claimed_by VARCHAR(64) NULL,
  stanza_id VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  sent_at DATETIME(3) NULL,
  KEY ix_chat_system_outbox_pending (sent_at, claimed_by, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
