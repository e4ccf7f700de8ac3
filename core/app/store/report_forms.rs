//! Report forms, their answers, signatures, files, and alerts. Every method takes the tenant first.

use chrono::{DateTime, NaiveDate, Utc};
use induct_domain::alerts::AlertStatus;
use induct_domain::report_flow::FormStatus;
use induct_domain::timeline::ReportKind;
use induct_domain::{SchoolId, TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FormRow {
    pub induction_id: Uuid,
    pub number: i32,
    #[sqlx(try_from = "String")]
    pub kind: ReportKind,
    #[sqlx(try_from = "String")]
    pub status: FormStatus,
    pub version: i32,
    pub released_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub returned_at: Option<DateTime<Utc>>,
    pub ab_comment: Option<String>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! form_columns {
    () => {
        "induction_id, number, kind, status, version, released_at, submitted_at, accepted_at, decided_by, returned_at, \
         ab_comment, updated_at"
    };
}

/// A form with its ECT, for lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FormListRow {
    pub induction_id: Uuid,
    pub number: i32,
    #[sqlx(try_from = "String")]
    pub kind: ReportKind,
    #[sqlx(try_from = "String")]
    pub status: FormStatus,
    pub ect_user_id: Uuid,
    pub ect_name: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignatureRow {
    pub id: Uuid,
    pub version: i32,
    pub signer: String,
    pub user_id: Uuid,
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
    pub ip: String,
    pub content_hash: String,
    pub cleared_at: Option<DateTime<Utc>>,
}

pub struct NewSignature<'a> {
    pub induction: Uuid,
    pub number: i32,
    pub version: i32,
    pub signer: &'a str,
    pub user: UserId,
    pub ip: &'a str,
    pub content_hash: &'a str,
    pub content: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileMeta {
    pub id: Uuid,
    pub purpose: String,
    pub filename: String,
    pub content_type: String,
    /// SHA-256 of the bytes: signatures cover the files through it.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileRow {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AlertRow {
    pub id: Uuid,
    pub school_id: Uuid,
    pub ect_user_id: Uuid,
    pub ect_name: String,
    pub raised_by: Uuid,
    pub raised_by_name: String,
    pub message: String,
    #[sqlx(try_from = "String")]
    pub status: AlertStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! alert_select {
    () => {
        "SELECT a.id, a.school_id, a.ect_user_id, e.display_name AS ect_name, a.raised_by, r.display_name AS raised_by_name,
                a.message, a.status, a.created_at, a.updated_at
         FROM alerts a JOIN users e ON e.id = a.ect_user_id JOIN users r ON r.id = a.raised_by"
    };
}

impl Store {
    pub async fn get_form(&self, tenant: TenantId, induction: Uuid, number: i32) -> Result<Option<FormRow>> {
        let sql = concat!(
            "SELECT ",
            form_columns!(),
            " FROM report_forms WHERE tenant_id = $1 AND induction_id = $2 AND number = $3"
        );
        with_pool!(self, p => sqlx::query_as::<_, FormRow>(sql).bind(tenant.0).bind(induction).bind(number).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// The form, created as a draft if it does not exist yet, held for update until the
    /// transaction ends (the row lock on PostgreSQL; SQLite's write transaction does the same).
    pub async fn lock_form(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        number: i32,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<FormRow> {
        let sql = concat!(
            "INSERT INTO report_forms (tenant_id, induction_id, number, kind, status, version, updated_at)
             VALUES ($1, $2, $3, $4, 'draft', 1, $5)
             ON CONFLICT (tenant_id, induction_id, number) DO UPDATE SET updated_at = report_forms.updated_at
             RETURNING ",
            form_columns!()
        );
        with_tx!(tx, c => sqlx::query_as::<_, FormRow>(sql)
            .bind(tenant.0).bind(induction).bind(number).bind(kind).bind(now).fetch_one(c).await)
        .map_err(map_err)
    }

    /// Writes a form's workflow fields back.
    pub async fn save_form(&self, tx: &mut Tx, tenant: TenantId, f: &FormRow) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "UPDATE report_forms SET kind = $4, status = $5, version = $6, released_at = $7, submitted_at = $8, accepted_at = $9,
                decided_by = $10, returned_at = $11, ab_comment = $12, updated_at = $13
             WHERE tenant_id = $1 AND induction_id = $2 AND number = $3")
            .bind(tenant.0).bind(f.induction_id).bind(f.number).bind(f.kind.as_str()).bind(f.status.as_str()).bind(f.version)
            .bind(f.released_at).bind(f.submitted_at).bind(f.accepted_at).bind(f.decided_by).bind(f.returned_at)
            .bind(&f.ab_comment).bind(f.updated_at)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn list_forms(&self, tenant: TenantId) -> Result<Vec<FormListRow>> {
        with_pool!(self, p => sqlx::query_as::<_, FormListRow>(
            "SELECT f.induction_id, f.number, f.kind, f.status, i.ect_user_id, u.display_name AS ect_name, f.submitted_at, f.updated_at
             FROM report_forms f JOIN inductions i ON i.id = f.induction_id AND i.tenant_id = f.tenant_id
             JOIN users u ON u.id = i.ect_user_id
             WHERE f.tenant_id = $1 ORDER BY f.updated_at DESC")
            .bind(tenant.0).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn form_answers(&self, tenant: TenantId, induction: Uuid, number: i32) -> Result<Vec<(String, String)>> {
        with_pool!(self, p => sqlx::query_as::<_, (String, String)>(
            "SELECT field, value FROM report_answers WHERE tenant_id = $1 AND induction_id = $2 AND number = $3 ORDER BY field")
            .bind(tenant.0).bind(induction).bind(number).fetch_all(p).await)
        .map_err(map_err)
    }

    /// The answers as the transaction sees them (what a signature signs).
    pub async fn form_answers_in(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        number: i32,
    ) -> Result<Vec<(String, String)>> {
        with_tx!(tx, c => sqlx::query_as::<_, (String, String)>(
            "SELECT field, value FROM report_answers WHERE tenant_id = $1 AND induction_id = $2 AND number = $3 ORDER BY field")
            .bind(tenant.0).bind(induction).bind(number).fetch_all(c).await)
        .map_err(map_err)
    }

    /// Saves one answer; true if the value changed.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_answer(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        number: i32,
        field: &str,
        value: &str,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "INSERT INTO report_answers (tenant_id, induction_id, number, field, value, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (tenant_id, induction_id, number, field) DO UPDATE SET value = excluded.value,
                updated_by = excluded.updated_by, updated_at = excluded.updated_at
             WHERE report_answers.value <> excluded.value")
            .bind(tenant.0).bind(induction).bind(number).bind(field).bind(value).bind(by.0).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n > 0)
    }

    pub async fn add_signature(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        s: &NewSignature<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO report_signatures (id, tenant_id, induction_id, number, version, signer, user_id, signed_at, ip, content_hash, content)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(Uuid::now_v7()).bind(tenant.0).bind(s.induction).bind(s.number).bind(s.version).bind(s.signer)
            .bind(s.user.0).bind(now).bind(s.ip).bind(s.content_hash).bind(s.content)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// Clears the live signatures of a form (an edit after signing, or the AB returning it).
    pub async fn clear_signatures(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        number: i32,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        with_tx!(tx, c => sqlx::query(
            "UPDATE report_signatures SET cleared_at = $4
             WHERE tenant_id = $1 AND induction_id = $2 AND number = $3 AND cleared_at IS NULL")
            .bind(tenant.0).bind(induction).bind(number).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)
    }

    /// Every signature of a form, cleared ones included, oldest first.
    pub async fn signatures(&self, tenant: TenantId, induction: Uuid, number: i32) -> Result<Vec<SignatureRow>> {
        with_pool!(self, p => sqlx::query_as::<_, SignatureRow>(
            "SELECT s.id, s.version, s.signer, s.user_id, u.display_name AS signer_name, s.signed_at, s.ip, s.content_hash, s.cleared_at
             FROM report_signatures s JOIN users u ON u.id = s.user_id
             WHERE s.tenant_id = $1 AND s.induction_id = $2 AND s.number = $3 ORDER BY s.signed_at, s.id")
            .bind(tenant.0).bind(induction).bind(number).fetch_all(p).await)
        .map_err(map_err)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_file(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        number: i32,
        purpose: &str,
        filename: &str,
        content_type: &str,
        bytes: &[u8],
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(bytes))
        };
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO report_files (id, tenant_id, induction_id, number, purpose, filename, content_type, sha256, bytes, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(id).bind(tenant.0).bind(induction).bind(number).bind(purpose).bind(filename).bind(content_type)
            .bind(&sha).bind(bytes).bind(by.0).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(id)
    }

    pub async fn files_of(&self, tenant: TenantId, induction: Uuid, number: i32) -> Result<Vec<FileMeta>> {
        with_pool!(self, p => sqlx::query_as::<_, FileMeta>(
            "SELECT id, purpose, filename, content_type, sha256, uploaded_at FROM report_files
             WHERE tenant_id = $1 AND induction_id = $2 AND number = $3 ORDER BY uploaded_at, id")
            .bind(tenant.0).bind(induction).bind(number).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn get_file(&self, tenant: TenantId, induction: Uuid, number: i32, id: Uuid) -> Result<Option<FileRow>> {
        with_pool!(self, p => sqlx::query_as::<_, FileRow>(
            "SELECT filename, content_type, bytes FROM report_files
             WHERE tenant_id = $1 AND induction_id = $2 AND number = $3 AND id = $4")
            .bind(tenant.0).bind(induction).bind(number).bind(id).fetch_optional(p).await)
        .map_err(map_err)
    }

    /// Marks the report with this number complete (the AB accepted its form); by number, since
    /// re-planning gives open report rows new ids.
    pub async fn complete_report_number(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        number: i32,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE reports SET completed_at = $4 WHERE tenant_id = $1 AND induction_id = $2 AND number = $3 AND completed_at IS NULL")
            .bind(tenant.0).bind(induction).bind(number).bind(at).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_alert(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        school: SchoolId,
        ect: UserId,
        by: UserId,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO alerts (id, tenant_id, school_id, ect_user_id, raised_by, message, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $7)")
            .bind(id).bind(tenant.0).bind(school.0).bind(ect.0).bind(by.0).bind(message).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(id)
    }

    pub async fn list_alerts(&self, tenant: TenantId) -> Result<Vec<AlertRow>> {
        let sql = concat!(alert_select!(), " WHERE a.tenant_id = $1 ORDER BY a.created_at DESC, a.id DESC");
        with_pool!(self, p => sqlx::query_as::<_, AlertRow>(sql).bind(tenant.0).fetch_all(p).await).map_err(map_err)
    }

    /// The alerts raised at the user's schools, newest first.
    pub async fn list_alerts_at_schools_of(&self, tenant: TenantId, user: UserId) -> Result<Vec<AlertRow>> {
        let sql = concat!(
            alert_select!(),
            " WHERE a.tenant_id = $1 AND EXISTS (SELECT 1 FROM school_memberships m WHERE m.tenant_id = a.tenant_id
                AND m.school_id = a.school_id AND m.user_id = $2)
              ORDER BY a.created_at DESC, a.id DESC"
        );
        with_pool!(self, p => sqlx::query_as::<_, AlertRow>(sql).bind(tenant.0).bind(user.0).fetch_all(p).await)
            .map_err(map_err)
    }

    pub async fn get_alert(&self, tenant: TenantId, id: Uuid) -> Result<Option<AlertRow>> {
        let sql = concat!(alert_select!(), " WHERE a.tenant_id = $1 AND a.id = $2");
        with_pool!(self, p => sqlx::query_as::<_, AlertRow>(sql).bind(tenant.0).bind(id).fetch_optional(p).await)
            .map_err(map_err)
    }

    pub async fn set_alert_status(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: Uuid,
        status: AlertStatus,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("UPDATE alerts SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).bind(status.as_str()).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }
}

/// A report waiting for one person's signature, with what the Sign page lists and signs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AwaitingSignatureRow {
    pub induction_id: Uuid,
    pub ect_user_id: Uuid,
    pub ect_name: String,
    pub number: i32,
    #[sqlx(try_from = "String")]
    pub kind: ReportKind,
    pub version: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// The open reports whose form is in status `$2`, of the ECT `$3` themselves or, when `$4`, of
/// ECTs a school of user `$3` employs on `$5`.
macro_rules! awaiting_signature_of {
    () => {
        " FROM report_forms f
          JOIN inductions i ON i.tenant_id = f.tenant_id AND i.id = f.induction_id
          JOIN reports r ON r.tenant_id = f.tenant_id AND r.induction_id = f.induction_id AND r.number = f.number
               AND r.completed_at IS NULL
          WHERE f.tenant_id = $1 AND f.status = $2 AND (i.ect_user_id = $3 OR ($4 AND EXISTS (
              SELECT 1 FROM contracts c JOIN school_memberships m
                ON m.tenant_id = c.tenant_id AND m.school_id = c.school_id AND m.user_id = $3
              WHERE c.tenant_id = i.tenant_id AND c.induction_id = i.id
                AND c.start_date <= $5 AND (c.end_date IS NULL OR c.end_date >= $5))))"
    };
}

/// Who the reports awaiting a signature are looked for: `user`'s own (an ECT), or with
/// `at_schools` those of the ECTs their schools employ `today`.
#[derive(Clone, Copy)]
pub struct SignatureReach {
    pub user: UserId,
    pub at_schools: bool,
    pub today: NaiveDate,
}

impl Store {
    /// The reports waiting in `status` within the reach, in one statement.
    pub async fn awaiting_signature(
        &self,
        tenant: TenantId,
        status: FormStatus,
        reach: SignatureReach,
    ) -> Result<Vec<AwaitingSignatureRow>> {
        let sql = concat!(
            "SELECT f.induction_id, i.ect_user_id, (SELECT u.display_name FROM users u WHERE u.id = i.ect_user_id) AS ect_name,
                    f.number, f.kind, f.version, r.period_start, r.period_end",
            awaiting_signature_of!(),
            " ORDER BY ect_name, f.number"
        );
        with_pool!(self, p => sqlx::query_as::<_, AwaitingSignatureRow>(sql)
            .bind(tenant.0).bind(status.as_str()).bind(reach.user.0).bind(reach.at_schools).bind(reach.today)
            .fetch_all(p).await)
        .map_err(map_err)
    }

    /// Every answer of those reports, in one statement: (induction, number, field, value).
    pub async fn answers_awaiting_signature(
        &self,
        tenant: TenantId,
        status: FormStatus,
        reach: SignatureReach,
    ) -> Result<Vec<(Uuid, i32, String, String)>> {
        let sql = concat!(
            "SELECT a.induction_id, a.number, a.field, a.value FROM report_answers a WHERE a.tenant_id = $1
               AND EXISTS (SELECT 1",
            awaiting_signature_of!(),
            " AND f.induction_id = a.induction_id AND f.number = a.number)"
        );
        with_pool!(self, p => sqlx::query_as::<_, (Uuid, i32, String, String)>(sql)
            .bind(tenant.0).bind(status.as_str()).bind(reach.user.0).bind(reach.at_schools).bind(reach.today)
            .fetch_all(p).await)
        .map_err(map_err)
    }

    /// The files of those reports (what their signatures cover), in one statement.
    pub async fn files_awaiting_signature(
        &self,
        tenant: TenantId,
        status: FormStatus,
        reach: SignatureReach,
    ) -> Result<Vec<(Uuid, i32, FileMeta)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            induction_id: Uuid,
            number: i32,
            #[sqlx(flatten)]
            file: FileMeta,
        }
        let sql = concat!(
            "SELECT x.induction_id, x.number, x.id, x.purpose, x.filename, x.content_type, x.sha256, x.uploaded_at
             FROM report_files x WHERE x.tenant_id = $1 AND EXISTS (SELECT 1",
            awaiting_signature_of!(),
            " AND f.induction_id = x.induction_id AND f.number = x.number) ORDER BY x.uploaded_at, x.id"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, Row>(sql)
            .bind(tenant.0).bind(status.as_str()).bind(reach.user.0).bind(reach.at_schools).bind(reach.today)
            .fetch_all(p).await)
        .map_err(map_err)?;
        Ok(rows.into_iter().map(|r| (r.induction_id, r.number, r.file)).collect())
    }
}
