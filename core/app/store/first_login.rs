//! First-login records: security question, contact preferences, privacy-policy acceptances.

use chrono::{DateTime, Utc};
use induct_domain::{TenantId, UserId};

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SetupRow {
    pub security_question: Option<String>,
    pub security_answer_hash: Option<String>,
    pub remind_by_email: bool,
    pub news_by_email: bool,
    pub completed_at: DateTime<Utc>,
}

impl Store {
    pub async fn account_setup(&self, user: UserId) -> Result<Option<SetupRow>> {
        with_pool!(self, p => sqlx::query_as::<_, SetupRow>(
            "SELECT security_question, security_answer_hash, remind_by_email, news_by_email, completed_at
             FROM account_setup WHERE user_id = $1")
            .bind(user.0).fetch_optional(p).await)
        .map_err(map_err)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn save_account_setup(
        &self,
        tx: &mut Tx,
        user: UserId,
        question: Option<&str>,
        answer_hash: Option<&str>,
        remind_by_email: bool,
        news_by_email: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO account_setup (user_id, security_question, security_answer_hash, remind_by_email, news_by_email, completed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id) DO UPDATE SET security_question = COALESCE(excluded.security_question, account_setup.security_question),
                security_answer_hash = COALESCE(excluded.security_answer_hash, account_setup.security_answer_hash),
                remind_by_email = excluded.remind_by_email, news_by_email = excluded.news_by_email")
            .bind(user.0).bind(question).bind(answer_hash).bind(remind_by_email).bind(news_by_email).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn has_accepted(&self, user: UserId, version: &str) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM privacy_acceptances WHERE user_id = $1 AND policy_version = $2")
            .bind(user.0).bind(version).fetch_one(p).await)
        .map_err(map_err)?;
        Ok(n > 0)
    }

    pub async fn accept_policy(
        &self,
        tx: &mut Tx,
        user: UserId,
        tenant: TenantId,
        version: &str,
        consents_json: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO privacy_acceptances (user_id, tenant_id, policy_version, consents, accepted_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id, policy_version) DO NOTHING")
            .bind(user.0).bind(tenant.0).bind(version).bind(consents_json).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// Seed 000: "dismiss this message for one month".
    pub async fn dismiss_mfa_banner(&self, tx: &mut Tx, user: UserId, until: DateTime<Utc>) -> Result<()> {
        // The platform's operators have no first-login record: one is made for the dismissal.
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO account_setup (user_id, remind_by_email, news_by_email, completed_at, mfa_banner_dismissed_until)
             VALUES ($1, $3, $4, $5, $2)
             ON CONFLICT (user_id) DO UPDATE SET mfa_banner_dismissed_until = excluded.mfa_banner_dismissed_until")
            .bind(user.0).bind(until).bind(true).bind(false).bind(until).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn mfa_banner_dismissed_until(&self, user: UserId) -> Result<Option<DateTime<Utc>>> {
        with_pool!(self, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
            "SELECT mfa_banner_dismissed_until FROM account_setup WHERE user_id = $1")
            .bind(user.0).fetch_optional(p).await)
        .map(Option::flatten)
        .map_err(map_err)
    }

    /// Marks (or clears) a session's first-login gate.
    pub async fn set_setup_required(&self, tx: &mut Tx, session_hash: &str, required: bool) -> Result<()> {
        with_tx!(tx, c => sqlx::query("UPDATE sessions SET setup_required = $2 WHERE id_hash = $1")
            .bind(session_hash).bind(required).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }
}
