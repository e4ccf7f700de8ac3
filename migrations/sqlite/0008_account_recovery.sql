-- Account recovery and login details (seed 000): a mobile number to recover by. Mirrored in
-- migrations/postgres.
ALTER TABLE users ADD COLUMN mobile TEXT;
CREATE INDEX users_email_idx ON users (tenant_id, email);
