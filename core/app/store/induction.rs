//! The induction engine's records. Every method takes the tenant first.

use chrono::{DateTime, NaiveDate, Utc};
use induct_domain::{SchoolId, TenantId, UserId};
use uuid::Uuid;

use super::{Db, Result, Store, Tx, map_err, with_db, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InductionRow {
    pub id: Uuid,
    pub ect_user_id: Uuid,
    pub induction_type: String,
    pub start_date: NaiveDate,
    pub reduction_terms: String,
    pub previous_fte_terms: String,
    pub leaving_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContractRow {
    pub school_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub days_per_week_halves: i32,
    pub contract_type: String,
}

impl ContractRow {
    /// Current on `today` (docs/induction-rules.md 2.4; `induct_domain::record::is_current`).
    pub fn is_current_on(&self, today: NaiveDate) -> bool {
        induct_domain::record::is_current(self.start_date, self.end_date, today)
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AbsenceRow {
    pub absent_on: NaiveDate,
    pub half_days: i32,
    pub family_leave: bool,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ReportRow {
    pub id: Uuid,
    pub number: i32,
    pub kind: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub absence_extension: bool,
    pub completed_at: Option<DateTime<Utc>>,
}

/// An open report with its ECT, for dashboards.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct OpenReportRow {
    pub report_id: Uuid,
    pub induction_id: Uuid,
    pub ect_user_id: Uuid,
    pub ect_name: String,
    pub induction_type: String,
    pub school_id: Uuid,
    pub number: i32,
    pub kind: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub absence_extension: bool,
    /// The report's form, once someone has started it.
    pub form_status: Option<String>,
}

/// A report in the AB's list.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AbReportRow {
    pub report_id: Uuid,
    pub induction_id: Uuid,
    pub ect_name: String,
    pub school_id: Uuid,
    pub school_name: String,
    pub number: i32,
    pub kind: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub absence_extension: bool,
    pub completed_at: Option<DateTime<Utc>>,
}

pub struct NewReport<'a> {
    pub number: i32,
    pub kind: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub absence_extension: bool,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AbSettingsRow {
    pub due_school_days_before_end: Option<i32>,
    pub fixed_due_dates: String,
    pub due_window_school_days: i32,
    pub head_signs_progress_reviews: bool,
}

impl Store {
    /// Saves an AB's (scope `ab`) or a school's (scope = school id) term dates, as JSON.
    pub async fn save_term_calendar(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        scope: &str,
        terms_json: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO term_calendars (tenant_id, scope, terms, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, scope) DO UPDATE SET terms = excluded.terms, updated_at = excluded.updated_at")
            .bind(tenant.0).bind(scope).bind(terms_json).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn save_ab_settings(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        days_before_end: Option<i32>,
        fixed_dates_json: &str,
        window: i32,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO ab_settings (tenant_id, due_school_days_before_end, fixed_due_dates, due_window_school_days, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id) DO UPDATE SET due_school_days_before_end = excluded.due_school_days_before_end,
                fixed_due_dates = excluded.fixed_due_dates, due_window_school_days = excluded.due_window_school_days,
                updated_at = excluded.updated_at")
            .bind(tenant.0).bind(days_before_end).bind(fixed_dates_json).bind(window).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_induction(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        ect: UserId,
        induction_type: &str,
        start: NaiveDate,
        reduction: &str,
        previous_fte: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO inductions (id, tenant_id, ect_user_id, induction_type, start_date, reduction_terms, previous_fte_terms, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id).bind(tenant.0).bind(ect.0).bind(induction_type).bind(start).bind(reduction).bind(previous_fte).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_contract(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        school: SchoolId,
        start: NaiveDate,
        end: Option<NaiveDate>,
        halves: i32,
        contract_type: &str,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO contracts (id, tenant_id, induction_id, school_id, start_date, end_date, days_per_week_halves, contract_type)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(Uuid::now_v7()).bind(tenant.0).bind(induction).bind(school.0).bind(start).bind(end).bind(halves).bind(contract_type)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn add_absence(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        on: NaiveDate,
        half_days: i32,
        family_leave: bool,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO absences (id, tenant_id, induction_id, absent_on, half_days, family_leave) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Uuid::now_v7()).bind(tenant.0).bind(induction).bind(on).bind(half_days).bind(family_leave)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn induction_of_ect(&self, tenant: TenantId, ect: UserId) -> Result<Option<InductionRow>> {
        with_pool!(self, p => sqlx::query_as::<_, InductionRow>(
            "SELECT id, ect_user_id, induction_type, start_date, reduction_terms, previous_fte_terms, leaving_date
             FROM inductions WHERE tenant_id = $1 AND ect_user_id = $2")
            .bind(tenant.0).bind(ect.0).fetch_optional(p).await)
        .map_err(map_err)
    }

    pub async fn list_induction_ids(&self, tenant: TenantId) -> Result<Vec<Uuid>> {
        with_pool!(self, p => sqlx::query_scalar::<_, Uuid>("SELECT id FROM inductions WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant.0).fetch_all(p).await)
            .map_err(map_err)
    }

    pub async fn set_leaving_date(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        leaving: Option<NaiveDate>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query("UPDATE inductions SET leaving_date = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(induction).bind(leaving).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_previous_school(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        name: &str,
        address: &str,
        appropriate_body: &str,
        start: NaiveDate,
        fte_terms: &str,
        absence_half_days: i32,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO previous_schools (id, tenant_id, induction_id, name, address, appropriate_body, start_date, fte_terms, absence_half_days)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(Uuid::now_v7()).bind(tenant.0).bind(induction).bind(name).bind(address).bind(appropriate_body)
            .bind(start).bind(fte_terms).bind(absence_half_days)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn add_extension(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        fte_terms: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO induction_extensions (id, tenant_id, induction_id, fte_terms, reason, decided_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Uuid::now_v7()).bind(tenant.0).bind(induction).bind(fte_terms).bind(reason).bind(at)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    /// Replaces the reports not yet completed with a new plan's; completed ones are never touched.
    pub async fn replace_open_reports(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        reports: &[NewReport<'_>],
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query("DELETE FROM reports WHERE tenant_id = $1 AND induction_id = $2 AND completed_at IS NULL")
            .bind(tenant.0).bind(induction).execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        for r in reports {
            with_tx!(tx, c => sqlx::query(
                "INSERT INTO reports (id, tenant_id, induction_id, number, kind, period_start, period_end, due_date, absence_extension)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(Uuid::now_v7()).bind(tenant.0).bind(induction).bind(r.number).bind(r.kind)
                .bind(r.period_start).bind(r.period_end).bind(r.due_date).bind(r.absence_extension)
                .execute(c).await.map(|r| r.rows_affected()))
                .map_err(map_err)?;
        }
        Ok(())
    }

    /// Marks a report completed (the forms' workflow does this; the demo for reports long past).
    pub async fn complete_report(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        report: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("UPDATE reports SET completed_at = $3 WHERE tenant_id = $1 AND id = $2 AND completed_at IS NULL")
            .bind(tenant.0).bind(report).bind(at).execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Every report across the AB's schools (open and completed), newest due first, for the AB's list.
    pub async fn reports_of_ab(&self, tenant: TenantId) -> Result<Vec<AbReportRow>> {
        with_pool!(self, p => sqlx::query_as::<_, AbReportRow>(
            "SELECT r.id AS report_id, r.induction_id, u.display_name AS ect_name, s.id AS school_id, s.name AS school_name, r.number, r.kind,
                    r.period_start, r.period_end, r.due_date, r.absence_extension, r.completed_at
             FROM reports r
             JOIN inductions i ON i.id = r.induction_id AND i.tenant_id = r.tenant_id
             JOIN users u ON u.id = i.ect_user_id
             JOIN schools s ON s.tenant_id = r.tenant_id AND s.id = (
                 SELECT c.school_id FROM contracts c WHERE c.induction_id = i.id AND c.tenant_id = i.tenant_id
                 ORDER BY c.start_date DESC LIMIT 1)
             WHERE r.tenant_id = $1
             ORDER BY r.due_date DESC NULLS LAST, u.display_name")
            .bind(tenant.0).fetch_all(p).await)
            .map_err(map_err)
    }

    /// Open reports of ECTs with a current contract at one of the user's schools.
    pub async fn open_reports_for_staff(
        &self,
        tenant: TenantId,
        staff: UserId,
        today: NaiveDate,
    ) -> Result<Vec<OpenReportRow>> {
        with_pool!(self, p => sqlx::query_as::<_, OpenReportRow>(
            "SELECT r.id AS report_id, r.induction_id, i.ect_user_id, u.display_name AS ect_name, i.induction_type, c.school_id, r.number, r.kind,
                    r.period_start, r.period_end, r.due_date, r.absence_extension, f.status AS form_status
             FROM reports r
             LEFT JOIN report_forms f ON f.tenant_id = r.tenant_id AND f.induction_id = r.induction_id AND f.number = r.number
             JOIN inductions i ON i.id = r.induction_id AND i.tenant_id = r.tenant_id
             JOIN users u ON u.id = i.ect_user_id
             JOIN contracts c ON c.induction_id = i.id AND c.tenant_id = i.tenant_id
                  AND c.start_date <= $3 AND (c.end_date IS NULL OR c.end_date >= $3)
             JOIN school_memberships m ON m.school_id = c.school_id AND m.tenant_id = c.tenant_id AND m.user_id = $2
             WHERE r.tenant_id = $1 AND r.completed_at IS NULL
             ORDER BY r.due_date NULLS LAST, u.display_name")
            .bind(tenant.0).bind(staff.0).bind(today).fetch_all(p).await)
        .map_err(map_err)
    }
}

/// Reads the induction engine makes, on the pool or inside the command's transaction.
impl Db<'_> {
    pub async fn term_calendar(self, tenant: TenantId, scope: &str) -> Result<Option<String>> {
        with_db!(self, c => sqlx::query_scalar::<_, String>("SELECT terms FROM term_calendars WHERE tenant_id = $1 AND scope = $2")
            .bind(tenant.0).bind(scope).fetch_optional(c).await)
            .map_err(map_err)
    }

    pub async fn ab_settings(self, tenant: TenantId) -> Result<Option<AbSettingsRow>> {
        with_db!(self, c => sqlx::query_as::<_, AbSettingsRow>(
            "SELECT due_school_days_before_end, fixed_due_dates, due_window_school_days, head_signs_progress_reviews
             FROM ab_settings WHERE tenant_id = $1")
            .bind(tenant.0).fetch_optional(c).await)
        .map_err(map_err)
    }

    /// The ECT's induction if one of the user's schools employs the ECT on `today`, with that
    /// school (the earliest such contract's, when several do).
    pub async fn induction_at_schools_of(
        self,
        tenant: TenantId,
        ect: UserId,
        staff: UserId,
        today: NaiveDate,
    ) -> Result<Option<(InductionRow, Uuid)>> {
        #[derive(sqlx::FromRow)]
        struct Reached {
            #[sqlx(flatten)]
            induction: InductionRow,
            school_id: Uuid,
        }
        let row = with_db!(self, c => sqlx::query_as::<_, Reached>(
            "SELECT i.id, i.ect_user_id, i.induction_type, i.start_date, i.reduction_terms, i.previous_fte_terms,
                    i.leaving_date, k.school_id
             FROM inductions i
             JOIN contracts k ON k.tenant_id = i.tenant_id AND k.induction_id = i.id
                  AND k.start_date <= $4 AND (k.end_date IS NULL OR k.end_date >= $4)
             JOIN school_memberships m ON m.tenant_id = k.tenant_id AND m.school_id = k.school_id AND m.user_id = $3
             WHERE i.tenant_id = $1 AND i.ect_user_id = $2
             ORDER BY k.start_date, k.school_id LIMIT 1")
            .bind(tenant.0).bind(ect.0).bind(staff.0).bind(today).fetch_optional(c).await)
        .map_err(map_err)?;
        Ok(row.map(|r| (r.induction, r.school_id)))
    }

    pub async fn get_induction(self, tenant: TenantId, id: Uuid) -> Result<Option<InductionRow>> {
        with_db!(self, c => sqlx::query_as::<_, InductionRow>(
            "SELECT id, ect_user_id, induction_type, start_date, reduction_terms, previous_fte_terms, leaving_date
             FROM inductions WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).fetch_optional(c).await)
        .map_err(map_err)
    }

    /// FTE terms recorded at previous schools, as stored exact fractions.
    pub async fn previous_school_fte(self, tenant: TenantId, induction: Uuid) -> Result<Vec<String>> {
        with_db!(self, c => sqlx::query_scalar::<_, String>("SELECT fte_terms FROM previous_schools WHERE tenant_id = $1 AND induction_id = $2")
            .bind(tenant.0).bind(induction).fetch_all(c).await)
            .map_err(map_err)
    }

    pub async fn extension_fte(self, tenant: TenantId, induction: Uuid) -> Result<Vec<String>> {
        with_db!(self, c => sqlx::query_scalar::<_, String>("SELECT fte_terms FROM induction_extensions WHERE tenant_id = $1 AND induction_id = $2")
            .bind(tenant.0).bind(induction).fetch_all(c).await)
            .map_err(map_err)
    }

    pub async fn list_contracts(self, tenant: TenantId, induction: Uuid) -> Result<Vec<ContractRow>> {
        with_db!(self, c => sqlx::query_as::<_, ContractRow>(
            "SELECT school_id, start_date, end_date, days_per_week_halves, contract_type FROM contracts
             WHERE tenant_id = $1 AND induction_id = $2 ORDER BY start_date")
            .bind(tenant.0).bind(induction).fetch_all(c).await)
        .map_err(map_err)
    }

    pub async fn list_absences(self, tenant: TenantId, induction: Uuid) -> Result<Vec<AbsenceRow>> {
        with_db!(self, c => sqlx::query_as::<_, AbsenceRow>(
            "SELECT absent_on, half_days, family_leave FROM absences WHERE tenant_id = $1 AND induction_id = $2 ORDER BY absent_on")
            .bind(tenant.0).bind(induction).fetch_all(c).await)
            .map_err(map_err)
    }

    pub async fn list_reports(self, tenant: TenantId, induction: Uuid) -> Result<Vec<ReportRow>> {
        with_db!(self, c => sqlx::query_as::<_, ReportRow>(
            "SELECT id, number, kind, period_start, period_end, due_date, absence_extension, completed_at FROM reports
             WHERE tenant_id = $1 AND induction_id = $2 ORDER BY number")
            .bind(tenant.0).bind(induction).fetch_all(c).await)
        .map_err(map_err)
    }
}
