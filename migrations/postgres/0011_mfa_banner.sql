-- The blue two-step verification banner (seed 000) can be dismissed for a month. Mirrored in
-- migrations/sqlite.
ALTER TABLE account_setup ADD COLUMN mfa_banner_dismissed_until TIMESTAMPTZ;
