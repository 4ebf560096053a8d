-- Call routing (apps/b2bua, issue 6): an account can be called by its extension (short number,
-- unique in its domain); concurrent-call limits per account and per trunk (NULL = no limit),
-- enforced with Redis counters by the B2BUA.
ALTER TABLE accounts
  ADD COLUMN extension VARCHAR(16) NULL COMMENT 'short dial number inside the domain, e.g. 201' AFTER phone,
  ADD COLUMN max_calls INT UNSIGNED NULL COMMENT 'concurrent calls allowed (in + out); NULL = unlimited',
  ADD UNIQUE KEY uq_accounts_domain_extension (domain_id, extension),
  ADD CONSTRAINT ck_accounts_extension CHECK (extension IS NULL OR extension REGEXP '^[0-9]{2,16}$');

ALTER TABLE trunks
  ADD COLUMN max_calls INT UNSIGNED NULL COMMENT 'concurrent calls allowed (in + out); NULL = unlimited';
