//! ECT registrations, profiles, mentors, tutor and mentor assignments, leaver notices and previous
//! schools. Every method takes the tenant first.

use chrono::{DateTime, NaiveDate, Utc};
use induct_domain::registration::{RegistrationKind, RegistrationStatus};
use induct_domain::{SchoolId, TenantId, UserId};
use uuid::Uuid;

use super::{Db, Result, Store, Tx, map_err, with_db, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub school_id: Uuid,
    #[sqlx(try_from = "String")]
    pub kind: RegistrationKind,
    #[sqlx(try_from = "String")]
    pub status: RegistrationStatus,
    pub trn: String,
    pub ect_name: String,
    pub details: String,
    pub ect_user_id: Option<Uuid>,
    pub registered_by: Uuid,
    pub registered_at: DateTime<Utc>,
    pub head_signed_by: Option<Uuid>,
    pub head_signed_at: Option<DateTime<Utc>>,
    pub signature_hash: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub decision_note: Option<String>,
}

macro_rules! registration_columns {
    () => {
        "id, school_id, kind, status, trn, ect_name, details, ect_user_id, registered_by, registered_at, head_signed_by, \
         head_signed_at, signature_hash, decided_by, decided_at, rejection_reason, decision_note"
    };
}

pub struct NewRegistration<'a> {
    pub school: SchoolId,
    pub kind: &'a str,
    pub trn: &'a str,
    pub ect_name: &'a str,
    pub details: &'a str,
    pub ect_user: Option<UserId>,
    pub registered_by: UserId,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ProfileRow {
    pub user_id: Uuid,
    pub trn: String,
    pub date_of_birth: NaiveDate,
    pub home_address: String,
    pub itt_provider: String,
    pub qts_date: Option<NaiveDate>,
    pub subjects: String,
    pub age_range: String,
    pub training_programme: String,
    pub verified_at: Option<DateTime<Utc>>,
}

macro_rules! profile_columns {
    () => {
        "user_id, trn, date_of_birth, home_address, itt_provider, qts_date, subjects, age_range, training_programme, verified_at"
    };
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct MentorRow {
    pub id: Uuid,
    pub school_id: Uuid,
    pub name: String,
    pub email: String,
    pub start_term: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssignmentRow {
    pub school_id: Uuid,
    pub tutor_user_id: Option<Uuid>,
    pub mentor_id: Option<Uuid>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct LeaverRow {
    pub id: Uuid,
    pub induction_id: Uuid,
    pub school_id: Uuid,
    pub leaving_date: NaiveDate,
    pub reason: String,
    pub moving: String,
    pub new_school: String,
    pub new_school_address: String,
    pub new_ab: String,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

macro_rules! leaver_columns {
    () => {
        "id, induction_id, school_id, leaving_date, reason, moving, new_school, new_school_address, new_ab, \
         recorded_by, recorded_at, acknowledged_at"
    };
}

pub struct NewLeaver<'a> {
    pub induction: Uuid,
    pub school: SchoolId,
    pub leaving_date: NaiveDate,
    pub reason: &'a str,
    pub moving: &'a str,
    pub new_school: &'a str,
    pub new_school_address: &'a str,
    pub new_ab: &'a str,
    pub recorded_by: UserId,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PreviousSchoolRow {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub appropriate_body: String,
    pub start_date: NaiveDate,
    pub fte_terms: String,
    pub absence_half_days: i32,
}

/// An ECT of the AB for lists: account, TRN and induction.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EctListRow {
    pub user_id: Uuid,
    pub display_name: String,
    pub username: String,
    pub active: bool,
    pub trn: Option<String>,
    pub induction_id: Option<Uuid>,
    pub start_date: Option<NaiveDate>,
    pub leaving_date: Option<NaiveDate>,
}

/// A contract with its school's name, for lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContractSchoolRow {
    pub induction_id: Uuid,
    pub school_id: Uuid,
    pub school_name: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl ContractSchoolRow {
    /// Current on `today` (docs/induction-rules.md 2.4; `induct_domain::record::is_current`).
    pub fn is_current_on(&self, today: NaiveDate) -> bool {
        induct_domain::record::is_current(self.start_date, self.end_date, today)
    }
}

/// A member of staff anywhere in the AB, for the AB's search.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AbStaffRow {
    pub id: Uuid,
    pub display_name: String,
    pub username: String,
    pub role: String,
    pub email: String,
    pub active: bool,
    pub school_id: Uuid,
    pub school_name: String,
}

impl Store {
    /// A new registration, awaiting the head teacher's signature. `Conflict` when the TRN already
    /// has an open registration in the AB.
    pub async fn create_registration(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        r: &NewRegistration<'_>,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO ect_registrations (id, tenant_id, school_id, kind, status, trn, ect_name, details, ect_user_id,
                registered_by, registered_at)
             VALUES ($1, $2, $3, $4, 'awaiting_head_signature', $5, $6, $7, $8, $9, $10)")
            .bind(id).bind(tenant.0).bind(r.school.0).bind(r.kind).bind(r.trn).bind(r.ect_name).bind(r.details)
            .bind(r.ect_user.map(|u| u.0)).bind(r.registered_by.0).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(id)
    }

    pub async fn get_registration(&self, tenant: TenantId, id: Uuid) -> Result<Option<RegistrationRow>> {
        let sql =
            concat!("SELECT ", registration_columns!(), " FROM ect_registrations WHERE tenant_id = $1 AND id = $2");
        with_pool!(self, p => sqlx::query_as::<_, RegistrationRow>(sql).bind(tenant.0).bind(id).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// A registration at one of the user's schools.
    pub async fn get_registration_at_schools_of(
        &self,
        tenant: TenantId,
        id: Uuid,
        user: UserId,
    ) -> Result<Option<RegistrationRow>> {
        let sql = concat!(
            "SELECT ",
            registration_columns!(),
            " FROM ect_registrations r WHERE tenant_id = $1 AND id = $2 AND EXISTS (
                SELECT 1 FROM school_memberships m WHERE m.tenant_id = r.tenant_id AND m.school_id = r.school_id
                AND m.user_id = $3)"
        );
        with_pool!(self, p => sqlx::query_as::<_, RegistrationRow>(sql).bind(tenant.0).bind(id).bind(user.0).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// Every registration of the AB, newest first.
    pub async fn list_registrations(&self, tenant: TenantId) -> Result<Vec<RegistrationRow>> {
        let sql = concat!(
            "SELECT ",
            registration_columns!(),
            " FROM ect_registrations WHERE tenant_id = $1 ORDER BY registered_at DESC, id DESC"
        );
        with_pool!(self, p => sqlx::query_as::<_, RegistrationRow>(sql).bind(tenant.0).fetch_all(p).await)
            .map_err(map_err)
    }

    /// The open registration holding a TRN, if any.
    pub async fn open_registration_for_trn(&self, tenant: TenantId, trn: &str) -> Result<Option<RegistrationRow>> {
        let sql = concat!(
            "SELECT ",
            registration_columns!(),
            " FROM ect_registrations WHERE tenant_id = $1 AND trn = $2
              AND status IN ('awaiting_head_signature', 'awaiting_ab')"
        );
        with_pool!(self, p => sqlx::query_as::<_, RegistrationRow>(sql).bind(tenant.0).bind(trn).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// The head teacher's signature: only while it is awaited (false otherwise).
    pub async fn sign_registration(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: Uuid,
        by: UserId,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE ect_registrations SET status = 'awaiting_ab', head_signed_by = $3, head_signed_at = $4, signature_hash = $5
             WHERE tenant_id = $1 AND id = $2 AND status = 'awaiting_head_signature'")
            .bind(tenant.0).bind(id).bind(by.0).bind(now).bind(hash).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// The AB's decision: only while the registration awaits it (false otherwise).
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_registration(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: Uuid,
        status: &str,
        by: UserId,
        reason: Option<&str>,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE ect_registrations SET status = $3, decided_by = $4, decided_at = $5, rejection_reason = $6,
                decision_note = $7
             WHERE tenant_id = $1 AND id = $2 AND status = 'awaiting_ab'")
            .bind(tenant.0).bind(id).bind(status).bind(by.0).bind(now).bind(reason).bind(note)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// The ECT an authorised registration created (or moved).
    pub async fn set_registration_ect(&self, tx: &mut Tx, tenant: TenantId, id: Uuid, ect: UserId) -> Result<()> {
        with_tx!(tx, c => sqlx::query("UPDATE ect_registrations SET ect_user_id = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).bind(ect.0).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// Whether another ECT account of the AB uses this email (docs/induction-rules.md 2.10: email unique across
    /// ongoing ECTs).
    pub async fn ect_email_in_use(&self, tenant: TenantId, email: &str, except: Option<UserId>) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'ect' AND LOWER(email) = LOWER($2) AND id <> $3")
            .bind(tenant.0).bind(email).bind(except.map(|u| u.0).unwrap_or(Uuid::nil())).fetch_one(p).await)
        .map_err(map_err)?;
        Ok(n > 0)
    }

    /// An unacknowledged leaver notice for the ECT at a school.
    pub async fn create_profile(&self, tx: &mut Tx, tenant: TenantId, p: &ProfileRow) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO ect_profiles (user_id, tenant_id, trn, date_of_birth, home_address, itt_provider, qts_date, subjects,
                age_range, training_programme, verified_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(p.user_id).bind(tenant.0).bind(&p.trn).bind(p.date_of_birth).bind(&p.home_address).bind(&p.itt_provider)
            .bind(p.qts_date).bind(&p.subjects).bind(&p.age_range).bind(&p.training_programme).bind(p.verified_at)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn get_profile(&self, tenant: TenantId, user: UserId) -> Result<Option<ProfileRow>> {
        let sql = concat!("SELECT ", profile_columns!(), " FROM ect_profiles WHERE tenant_id = $1 AND user_id = $2");
        with_pool!(self, p => sqlx::query_as::<_, ProfileRow>(sql).bind(tenant.0).bind(user.0).fetch_optional(p).await)
            .map_err(map_err)
    }

    pub async fn profile_by_trn(&self, tenant: TenantId, trn: &str) -> Result<Option<ProfileRow>> {
        let sql = concat!("SELECT ", profile_columns!(), " FROM ect_profiles WHERE tenant_id = $1 AND trn = $2");
        with_pool!(self, p => sqlx::query_as::<_, ProfileRow>(sql).bind(tenant.0).bind(trn).fetch_optional(p).await)
            .map_err(map_err)
    }

    pub async fn list_profiles(&self, tenant: TenantId) -> Result<Vec<ProfileRow>> {
        let sql = concat!("SELECT ", profile_columns!(), " FROM ect_profiles WHERE tenant_id = $1");
        with_pool!(self, p => sqlx::query_as::<_, ProfileRow>(sql).bind(tenant.0).fetch_all(p).await).map_err(map_err)
    }

    /// TRN and date of birth, only while the AB has not verified them (false otherwise).
    pub async fn update_unverified_identity(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        user: UserId,
        trn: &str,
        dob: NaiveDate,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE ect_profiles SET trn = $3, date_of_birth = $4 WHERE tenant_id = $1 AND user_id = $2 AND verified_at IS NULL")
            .bind(tenant.0).bind(user.0).bind(trn).bind(dob).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn update_profile_details(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        user: UserId,
        home_address: &str,
        itt_provider: &str,
        qts: Option<NaiveDate>,
        subjects: &str,
        age_range: &str,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE ect_profiles SET home_address = $3, itt_provider = $4,
                qts_date = CASE WHEN verified_at IS NULL THEN $5 ELSE qts_date END, subjects = $6, age_range = $7
             WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant.0).bind(user.0).bind(home_address).bind(itt_provider).bind(qts).bind(subjects).bind(age_range)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// A person's name and email (their own details page).
    pub async fn update_user_contact(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        user: UserId,
        name: &str,
        email: &str,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE users SET display_name = $3, email = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(user.0).bind(name).bind(email).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_mentor(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        school: SchoolId,
        name: &str,
        email: &str,
        start_term: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO mentors (id, tenant_id, school_id, name, email, start_term, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id).bind(tenant.0).bind(school.0).bind(name).bind(email).bind(start_term).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(id)
    }

    pub async fn list_mentors(&self, tenant: TenantId, school: SchoolId) -> Result<Vec<MentorRow>> {
        with_pool!(self, p => sqlx::query_as::<_, MentorRow>(
            "SELECT id, school_id, name, email, start_term FROM mentors WHERE tenant_id = $1 AND school_id = $2 ORDER BY name")
            .bind(tenant.0).bind(school.0).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn list_all_mentors(&self, tenant: TenantId) -> Result<Vec<MentorRow>> {
        with_pool!(self, p => sqlx::query_as::<_, MentorRow>(
            "SELECT id, school_id, name, email, start_term FROM mentors WHERE tenant_id = $1 ORDER BY name")
            .bind(tenant.0).fetch_all(p).await)
        .map_err(map_err)
    }

    /// Sets the tutor and mentor of an ECT at a school.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_assignment(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        school: SchoolId,
        tutor: Option<UserId>,
        mentor: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO ect_assignments (tenant_id, induction_id, school_id, tutor_user_id, mentor_id, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (induction_id, school_id) DO UPDATE SET tutor_user_id = excluded.tutor_user_id,
                mentor_id = excluded.mentor_id, updated_at = excluded.updated_at")
            .bind(tenant.0).bind(induction).bind(school.0).bind(tutor.map(|t| t.0)).bind(mentor).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn list_assignments(&self, tenant: TenantId, induction: Uuid) -> Result<Vec<AssignmentRow>> {
        with_pool!(self, p => sqlx::query_as::<_, AssignmentRow>(
            "SELECT school_id, tutor_user_id, mentor_id FROM ect_assignments WHERE tenant_id = $1 AND induction_id = $2")
            .bind(tenant.0).bind(induction).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn create_leaver(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        l: &NewLeaver<'_>,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO leaver_notices (id, tenant_id, induction_id, school_id, leaving_date, reason, moving, new_school,
                new_school_address, new_ab, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(id).bind(tenant.0).bind(l.induction).bind(l.school.0).bind(l.leaving_date).bind(l.reason).bind(l.moving)
            .bind(l.new_school).bind(l.new_school_address).bind(l.new_ab).bind(l.recorded_by.0).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(id)
    }

    pub async fn list_leavers(&self, tenant: TenantId) -> Result<Vec<LeaverRow>> {
        let sql = concat!(
            "SELECT ",
            leaver_columns!(),
            " FROM leaver_notices WHERE tenant_id = $1 ORDER BY recorded_at DESC, id DESC"
        );
        with_pool!(self, p => sqlx::query_as::<_, LeaverRow>(sql).bind(tenant.0).fetch_all(p).await).map_err(map_err)
    }

    pub async fn acknowledge_leaver(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: Uuid,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE leaver_notices SET acknowledged_by = $3, acknowledged_at = $4
             WHERE tenant_id = $1 AND id = $2 AND acknowledged_at IS NULL")
            .bind(tenant.0).bind(id).bind(by.0).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Ends an ECT's open contracts at a school on a date (they leave it).
    pub async fn end_contracts_at_school(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        school: SchoolId,
        end: NaiveDate,
    ) -> Result<u64> {
        with_tx!(tx, c => sqlx::query(
            "UPDATE contracts SET end_date = $4
             WHERE tenant_id = $1 AND induction_id = $2 AND school_id = $3 AND start_date <= $4
               AND (end_date IS NULL OR end_date > $4)")
            .bind(tenant.0).bind(induction).bind(school.0).bind(end).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)
    }

    pub async fn list_previous_schools(&self, tenant: TenantId, induction: Uuid) -> Result<Vec<PreviousSchoolRow>> {
        with_pool!(self, p => sqlx::query_as::<_, PreviousSchoolRow>(
            "SELECT id, name, address, appropriate_body, start_date, fte_terms, absence_half_days FROM previous_schools
             WHERE tenant_id = $1 AND induction_id = $2 ORDER BY start_date")
            .bind(tenant.0).bind(induction).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn delete_previous_school(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        induction: Uuid,
        id: Uuid,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "DELETE FROM previous_schools WHERE tenant_id = $1 AND induction_id = $2 AND id = $3")
            .bind(tenant.0).bind(induction).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Every ECT account of the AB with their TRN and induction.
    pub async fn list_ects(&self, tenant: TenantId) -> Result<Vec<EctListRow>> {
        with_pool!(self, p => sqlx::query_as::<_, EctListRow>(
            "SELECT u.id AS user_id, u.display_name, u.username, u.active, pr.trn, i.id AS induction_id, i.start_date, i.leaving_date
             FROM users u
             LEFT JOIN ect_profiles pr ON pr.user_id = u.id
             LEFT JOIN inductions i ON i.ect_user_id = u.id AND i.tenant_id = u.tenant_id
             WHERE u.tenant_id = $1 AND u.role = 'ect' ORDER BY u.display_name, u.id")
            .bind(tenant.0).fetch_all(p).await)
        .map_err(map_err)
    }

    /// Every contract of the AB with its school's name.
    pub async fn list_contract_schools(&self, tenant: TenantId) -> Result<Vec<ContractSchoolRow>> {
        with_pool!(self, p => sqlx::query_as::<_, ContractSchoolRow>(
            "SELECT c.induction_id, c.school_id, s.name AS school_name, c.start_date, c.end_date
             FROM contracts c JOIN schools s ON s.id = c.school_id
             WHERE c.tenant_id = $1 ORDER BY c.start_date")
            .bind(tenant.0).fetch_all(p).await)
        .map_err(map_err)
    }

    /// Every member of school staff in the AB, one row per school they belong to.
    pub async fn list_ab_staff(&self, tenant: TenantId) -> Result<Vec<AbStaffRow>> {
        with_pool!(self, p => sqlx::query_as::<_, AbStaffRow>(
            "SELECT u.id, u.display_name, u.username, u.role, u.email, u.active, s.id AS school_id, s.name AS school_name
             FROM users u JOIN school_memberships m ON m.user_id = u.id JOIN schools s ON s.id = m.school_id
             WHERE m.tenant_id = $1 AND u.role <> 'ect' ORDER BY u.display_name, s.name")
            .bind(tenant.0).fetch_all(p).await)
        .map_err(map_err)
    }
}

impl Db<'_> {
    /// Whether the school has told the AB of this ECT's leaving and the AB has not dealt with it.
    pub async fn open_leaver_notice(self, tenant: TenantId, induction: Uuid, school: SchoolId) -> Result<bool> {
        let n = with_db!(self, c => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM leaver_notices WHERE tenant_id = $1 AND induction_id = $2 AND school_id = $3
               AND acknowledged_at IS NULL")
            .bind(tenant.0).bind(induction).bind(school.0).fetch_one(c).await)
        .map_err(map_err)?;
        Ok(n > 0)
    }
}
