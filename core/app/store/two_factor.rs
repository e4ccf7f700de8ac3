//! Authenticator-app secrets and pending logins.

use chrono::{DateTime, Utc};
use induct_domain::UserId;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TotpRow {
    pub secret: String,
    pub enabled_at: Option<DateTime<Utc>>,
    pub last_step: Option<i64>,
}

/// A mobile number for codes by text message: verified, or waiting for its enrolment code.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SmsRow {
    pub mobile: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub code_hash: Option<String>,
    pub code_salt: Option<String>,
    pub code_expires_at: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn sms_of(&self, user: UserId) -> Result<Option<SmsRow>> {
        with_pool!(self, p => sqlx::query_as::<_, SmsRow>(
            "SELECT mobile, verified_at, code_hash, code_salt, code_expires_at FROM user_sms WHERE user_id = $1")
            .bind(user.0).fetch_optional(p).await)
        .map_err(map_err)
    }

    /// Starts proving a mobile number: a code (salted hash only) sent to it, replacing any earlier
    /// enrolment; codes by text are off until it is confirmed (docs/security.md M5).
    #[allow(clippy::too_many_arguments)]
    pub async fn start_sms_enrolment(
        &self,
        tx: &mut Tx,
        user: UserId,
        mobile: &str,
        code_hash: &str,
        salt: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO user_sms (user_id, mobile, verified_at, code_hash, code_salt, code_expires_at, created_at)
             VALUES ($1, $2, NULL, $3, $4, $5, $6)
             ON CONFLICT (user_id) DO UPDATE SET mobile = excluded.mobile, verified_at = NULL,
                code_hash = excluded.code_hash, code_salt = excluded.code_salt,
                code_expires_at = excluded.code_expires_at, created_at = excluded.created_at")
            .bind(user.0).bind(mobile).bind(code_hash).bind(salt).bind(expires).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// Marks the number proved, if the enrolment is still waiting for the number it was sent to
    /// and its code has not expired; the code is used up either way.
    pub async fn confirm_sms(&self, tx: &mut Tx, user: UserId, mobile: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE user_sms SET verified_at = $3, code_hash = NULL, code_salt = NULL, code_expires_at = NULL
             WHERE user_id = $1 AND mobile = $2 AND verified_at IS NULL AND code_expires_at > $3")
            .bind(user.0).bind(mobile).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn remove_sms(&self, tx: &mut Tx, user: UserId) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("DELETE FROM user_sms WHERE user_id = $1")
            .bind(user.0).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn totp_of(&self, user: UserId) -> Result<Option<TotpRow>> {
        with_pool!(self, p => sqlx::query_as::<_, TotpRow>("SELECT secret, enabled_at, last_step FROM user_totp WHERE user_id = $1")
            .bind(user.0).fetch_optional(p).await)
        .map_err(map_err)
    }

    /// A new secret waiting to be confirmed (replaces any earlier unconfirmed one).
    pub async fn start_totp(&self, tx: &mut Tx, user: UserId, secret: &str, now: DateTime<Utc>) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO user_totp (user_id, secret, enabled_at, last_step, created_at) VALUES ($1, $2, NULL, NULL, $3)
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, enabled_at = NULL, last_step = NULL,
                created_at = excluded.created_at")
            .bind(user.0).bind(secret).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn enable_totp(&self, tx: &mut Tx, user: UserId, step: i64, now: DateTime<Utc>) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE user_totp SET enabled_at = $2, last_step = $3 WHERE user_id = $1 AND enabled_at IS NULL")
            .bind(user.0).bind(now).bind(step).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Records the step a code was used at; false if that step (or a later one) was used already.
    pub async fn use_totp_step(&self, tx: &mut Tx, user: UserId, step: i64) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND enabled_at IS NOT NULL
               AND (last_step IS NULL OR last_step < $2)")
            .bind(user.0).bind(step).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn remove_totp(&self, tx: &mut Tx, user: UserId) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
            .bind(user.0).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn create_challenge(
        &self,
        tx: &mut Tx,
        token_hash: &str,
        user: UserId,
        ip: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO login_challenges (token_hash, user_id, created_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user.0).bind(now).bind(expires).bind(ip).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// The user a pending login is for, if it is unused and unexpired.
    pub async fn challenge_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<UserId>> {
        with_pool!(self, p => sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT user_id FROM login_challenges WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash).bind(now).fetch_optional(p).await)
        .map(|u| u.map(UserId))
        .map_err(map_err)
    }

    /// Ends a pending login (used, or cancelled after too many wrong codes); false if it had ended.
    pub async fn end_challenge(&self, tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE login_challenges SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn email_verification_on(&self, user: UserId) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM email_verification WHERE user_id = $1")
            .bind(user.0).fetch_one(p).await)
        .map_err(map_err)?;
        Ok(n > 0)
    }

    pub async fn set_email_verification(&self, tx: &mut Tx, user: UserId, on: bool, now: DateTime<Utc>) -> Result<()> {
        if on {
            with_tx!(tx, c => sqlx::query(
                "INSERT INTO email_verification (user_id, enabled_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING")
                .bind(user.0).bind(now).execute(c).await.map(|r| r.rows_affected()))
        } else {
            with_tx!(tx, c => sqlx::query("DELETE FROM email_verification WHERE user_id = $1")
                .bind(user.0).execute(c).await.map(|r| r.rows_affected()))
        }
        .map_err(map_err)?;
        Ok(())
    }

    /// Stores a pending login's code (replacing any earlier one: a resend invalidates it) and
    /// gives the pending login five more minutes.
    pub async fn put_login_code(
        &self,
        tx: &mut Tx,
        challenge_hash: &str,
        code_hash: &str,
        salt: &str,
        channel: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO login_codes (challenge_hash, code_hash, salt, expires_at, channel) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (challenge_hash) DO UPDATE SET code_hash = excluded.code_hash, salt = excluded.salt,
                expires_at = excluded.expires_at, used_at = NULL, channel = excluded.channel")
            .bind(challenge_hash).bind(code_hash).bind(salt).bind(expires).bind(channel)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        with_tx!(tx, c => sqlx::query("UPDATE login_challenges SET expires_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
            .bind(challenge_hash).bind(expires).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// The live code of a pending login: (hash, salt, channel).
    pub async fn login_code(
        &self,
        challenge_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String, String)>> {
        with_pool!(self, p => sqlx::query_as::<_, (String, String, String)>(
            "SELECT code_hash, salt, channel FROM login_codes WHERE challenge_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(challenge_hash).bind(now).fetch_optional(p).await)
        .map_err(map_err)
    }

    pub async fn use_login_code(&self, tx: &mut Tx, challenge_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE login_codes SET used_at = $2 WHERE challenge_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(challenge_hash).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Which way a pending login's last code went (`email` or `sms`).
    pub async fn login_code_channel(&self, challenge_hash: &str) -> Result<Option<String>> {
        with_pool!(self, p => sqlx::query_scalar::<_, String>(
            "SELECT channel FROM login_codes WHERE challenge_hash = $1")
            .bind(challenge_hash).fetch_optional(p).await)
        .map_err(map_err)
    }

    /// Ends a user's pending logins (their password changed: a login begun before must start again).
    pub async fn end_challenges_of_user(&self, tx: &mut Tx, user: UserId, now: DateTime<Utc>) -> Result<u64> {
        with_tx!(tx, c => sqlx::query("UPDATE login_challenges SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.0).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)
    }
}
