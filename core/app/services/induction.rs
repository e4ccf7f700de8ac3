//! The induction engine at work for one AB: its calendar and due-date policy, an ECT's facts
//! from the store, the plan from `induct_domain::timeline`, and the reports materialised from it.
//!
//! Only the next report is materialised (docs/induction-rules.md 2.6 rule 11: "generate the whole forecast
//! schedule but materialise only the next report"); recomputing after any change replaces the
//! reports not yet completed and never touches a completed one.

use chrono::NaiveDate;
use induct_domain::calendar::{BankHolidays, Calendar, Term};
use induct_domain::induction::{
    Contract, DaysPerWeek, Fraction, HalfDays, InductionType, fte_terms_served, induction_length,
};
use induct_domain::record::{self, ContractType, RecordProblem};
use induct_domain::report_flow::FormStatus;
use induct_domain::timeline::{self, Absence, DuePolicy, InductionFacts, PlannedReport, TimeStatus};
use induct_domain::{SchoolId, TenantId, UserId};
use std::collections::HashMap;
use uuid::Uuid;

use super::accounts::Actor;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::induction::{InductionRow, NewReport, OpenReportRow};
use crate::store::{Db, Store, StoreError, Tx};

pub const AB_SCOPE: &str = "ab";

/// The term dates that apply at a school: its own if it sets them, else its AB's.
pub async fn calendar(mut db: Db<'_>, tenant: TenantId, school: Option<SchoolId>) -> Result<Calendar, StoreError> {
    let mut json = None;
    if let Some(s) = school {
        json = db.reborrow().term_calendar(tenant, &s.to_string()).await?;
    }
    if json.is_none() {
        json = db.term_calendar(tenant, AB_SCOPE).await?;
    }
    let terms: Vec<Term> = match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("stored term dates: {e}")))?,
        None => vec![],
    };
    Calendar::new(terms).map_err(|p| StoreError::Corrupt(format!("stored term dates are invalid: {p:?}")))
}

pub struct DueSettings {
    pub policy: DuePolicy,
    pub window: u32,
}

pub async fn due_settings(db: Db<'_>, tenant: TenantId) -> Result<DueSettings, StoreError> {
    Ok(match db.ab_settings(tenant).await? {
        Some(s) => {
            let fixed: Vec<NaiveDate> = serde_json::from_str(&s.fixed_due_dates).unwrap_or_default();
            let policy = match s.due_school_days_before_end {
                Some(n) => DuePolicy::SchoolDaysBeforeEnd(n.max(0) as u32),
                None => DuePolicy::FixedDates(fixed),
            };
            DueSettings { policy, window: s.due_window_school_days.max(0) as u32 }
        }
        None => DueSettings { policy: DuePolicy::default(), window: timeline::DEFAULT_DUE_WINDOW_SCHOOL_DAYS },
    })
}

/// An ECT's induction as the engine sees it.
pub struct Engine {
    pub induction: InductionRow,
    pub calendar: Calendar,
    pub contracts: Vec<Contract>,
    pub absences: Vec<Absence>,
    pub kind: InductionType,
    pub reduction: Fraction,
    pub extension: Fraction,
    pub previous_fte: Fraction,
    pub school: Option<SchoolId>,
    pub due: DueSettings,
}

impl Engine {
    /// Loads the engine's facts through `db`: inside a command's transaction, they include what
    /// the command has just written.
    pub async fn load(mut db: Db<'_>, tenant: TenantId, induction: InductionRow) -> Result<Engine, StoreError> {
        let rows = db.reborrow().list_contracts(tenant, induction.id).await?;
        let school = rows.last().map(|c| SchoolId(c.school_id));
        let contracts = rows
            .iter()
            .filter_map(|c| {
                let dpw = DaysPerWeek::from_halves(c.days_per_week_halves.clamp(0, 255) as u8)?;
                Contract::new(c.start_date, c.end_date, dpw).ok()
            })
            .collect();
        let absences = db
            .reborrow()
            .list_absences(tenant, induction.id)
            .await?
            .into_iter()
            .map(|a| Absence {
                date: a.absent_on,
                days: HalfDays(a.half_days.max(0) as u32),
                statutory_family_leave: a.family_leave,
            })
            .collect();
        let corrupt = |what: &str| StoreError::Corrupt(format!("stored induction has an invalid {what}"));
        let sum = |values: Vec<String>, what: &str| -> Result<Fraction, StoreError> {
            values.iter().try_fold(Fraction::ZERO, |acc, v| {
                Fraction::parse_exact(v).map(|f| acc.add(f)).ok_or_else(|| corrupt(what))
            })
        };
        let previous_schools =
            sum(db.reborrow().previous_school_fte(tenant, induction.id).await?, "previous school FTE")?;
        let extension = sum(db.reborrow().extension_fte(tenant, induction.id).await?, "extension")?;
        let calendar = calendar(db.reborrow(), tenant, school).await?;
        let due = due_settings(db, tenant).await?;
        Ok(Engine {
            kind: InductionType::parse(&induction.induction_type).ok_or_else(|| corrupt("type"))?,
            reduction: Fraction::parse_exact(&induction.reduction_terms).ok_or_else(|| corrupt("reduction"))?,
            previous_fte: Fraction::parse_exact(&induction.previous_fte_terms)
                .ok_or_else(|| corrupt("previous FTE"))?
                .add(previous_schools),
            extension,
            calendar,
            due,
            school,
            contracts,
            absences,
            induction,
        })
    }

    pub fn facts(&self) -> InductionFacts<'_> {
        InductionFacts {
            kind: self.kind,
            start: self.induction.start_date,
            reduction: self.reduction,
            extension: self.extension,
            previous_fte: self.previous_fte,
            contracts: &self.contracts,
            absences: &self.absences,
            leaving: self.induction.leaving_date,
        }
    }

    pub fn plan(&self) -> Result<Vec<PlannedReport>, timeline::PlanProblem> {
        timeline::plan(&self.calendar, BankHolidays::england_and_wales(), &self.facts(), &self.due.policy)
    }

    /// FTE terms served by `today`, counting previous schools (seed 000 "FTE completed").
    pub fn fte_served(&self, today: NaiveDate) -> Fraction {
        let here = fte_terms_served(&self.calendar, BankHolidays::england_and_wales(), &self.contracts, today);
        self.previous_fte.add(here)
    }

    pub fn length(&self) -> Fraction {
        induction_length(self.kind, self.reduction).add(self.extension)
    }
}

/// A stored report as the engine's type, for its time status.
pub fn planned_report(
    number: i32,
    kind: &str,
    start: NaiveDate,
    end: NaiveDate,
    due: Option<NaiveDate>,
    absence_extension: bool,
) -> Option<PlannedReport> {
    Some(PlannedReport {
        number: number.max(0) as u32,
        kind: timeline::ReportKind::parse(kind)?,
        period: induct_domain::calendar::DateRange::new(start, end),
        due,
        absence_extension,
    })
}

/// Plans again and materialises the next report not yet completed, inside the caller's
/// transaction: the plan reads the facts the caller has just written, and the change and its
/// plan commit together (or neither does).
pub async fn recompute(store: &Store, tx: &mut Tx, tenant: TenantId, induction: Uuid) -> Result<(), StoreError> {
    let row = tx
        .db()
        .get_induction(tenant, induction)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("induction {induction} to plan is not stored")))?;
    let engine = Engine::load(tx.db(), tenant, row).await?;
    let completed = tx.db().list_reports(tenant, induction).await?.iter().filter(|r| r.completed_at.is_some()).count();
    let next: Vec<NewReport> = match engine.plan() {
        Ok(plan) => plan
            .get(completed)
            .map(|r| NewReport {
                number: r.number as i32,
                kind: r.kind.as_str(),
                period_start: r.period.start,
                period_end: r.period.end,
                due_date: r.due,
                absence_extension: r.absence_extension,
            })
            .into_iter()
            .collect(),
        Err(e) => {
            tracing::warn!(tenant = %tenant, induction = %induction, problem = %e, "induction cannot be planned");
            vec![]
        }
    };
    store.replace_open_reports(tx, tenant, induction, &next).await
}

/// A change to an ECT's induction record, parsed from the form (docs/induction-rules.md 2.3-2.5).
pub enum RecordChange {
    Contract {
        start: NaiveDate,
        end: Option<NaiveDate>,
        days_per_week: DaysPerWeek,
        kind: ContractType,
    },
    Absence {
        on: NaiveDate,
        days: HalfDays,
        family_leave: bool,
    },
    /// The last day of employment, or none (no longer leaving).
    Leaving(Option<NaiveDate>),
}

impl RecordChange {
    /// What kind of change the audit event records (never its values).
    pub fn audit_detail(&self) -> &'static str {
        match self {
            RecordChange::Contract { .. } => "contract",
            RecordChange::Absence { .. } => "absence",
            RecordChange::Leaving(_) => "leaving",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Refused(#[from] RecordProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records a contract, an absence or a leaving date at the school the change is made for,
/// checked against the record as the transaction holds it, with its audit event and the plan
/// recomputed, in one transaction (completed reports stay as they are).
pub async fn change_record(
    state: &AppState,
    tenant: TenantId,
    induction: &InductionRow,
    school: SchoolId,
    change: &RecordChange,
    actor: &Actor<'_>,
) -> Result<(), RecordError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    match change {
        RecordChange::Contract { start, end, days_per_week, kind } => {
            record::check_contract_start(induction.start_date, *start)?;
            let halves = days_per_week.halves() as i32;
            store.add_contract(&mut tx, tenant, induction.id, school, *start, *end, halves, kind.as_str()).await?;
        }
        RecordChange::Absence { on, days, family_leave } => {
            let engine = Engine::load(tx.db(), tenant, induction.clone()).await?;
            let period =
                engine.plan().ok().and_then(|p| p.into_iter().find(|r| r.period.contains(*on)).map(|r| r.period));
            let (served, recorded) = match period {
                Some(p) => {
                    let bh = BankHolidays::england_and_wales();
                    let served = timeline::days_served(&engine.calendar, bh, &engine.contracts, p);
                    let recorded = engine.absences.iter().filter(|a| p.contains(a.date)).map(|a| a.days.0).sum();
                    (served, HalfDays(recorded))
                }
                None => (HalfDays(0), HalfDays(0)),
            };
            record::check_absence(period, served, recorded, *days)?;
            store.add_absence(&mut tx, tenant, induction.id, *on, days.0 as i32, *family_leave).await?;
        }
        RecordChange::Leaving(date) => {
            if let Some(d) = date {
                record::check_leaving_date(induction.start_date, None, *d)?;
            }
            store.set_leaving_date(&mut tx, tenant, induction.id, *date).await?;
        }
    }
    // Every change to an ECT's record is audited: what kind of change, never its values.
    let subject = induction.ect_user_id.to_string();
    let event = NewAuditEvent::by(
        tenant,
        AuditEventKind::EctInductionRecordChanged,
        actor,
        Some(&subject),
        Some(change.audit_detail()),
    );
    store.record_audit(&mut tx, &event, now).await?;
    recompute(store, &mut tx, tenant, induction.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The AB's due-date policy as its administrator sets it with the term dates (docs/induction-rules.md
/// 2.6: a set number of school days before the end of the period, or fixed dates).
pub struct DueDates {
    pub school_days_before_end: Option<u32>,
    pub fixed: Vec<NaiveDate>,
    /// How many school days before the due date a report becomes due (`timeline::DEFAULT_DUE_WINDOW_SCHOOL_DAYS`).
    pub window: u32,
}

/// Saves the term dates of the AB (scope [`AB_SCOPE`], with its due-date policy) or of one
/// school, audited, and recomputes every ECT's open reports on them, in one transaction: a plan
/// never runs on dates that did not commit, and completed reports are never touched.
pub async fn save_term_dates(
    state: &AppState,
    tenant: TenantId,
    scope: &str,
    calendar: &Calendar,
    due: Option<&DueDates>,
    actor: &Actor<'_>,
) -> Result<(), StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let terms_json = serde_json::to_string(calendar.terms()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = store.begin().await?;
    store.save_term_calendar(&mut tx, tenant, scope, &terms_json, now).await?;
    if let Some(d) = due {
        let fixed_json = serde_json::to_string(&d.fixed).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let days = d.school_days_before_end.map(|n| n as i32);
        store.save_ab_settings(&mut tx, tenant, days, &fixed_json, d.window as i32, now).await?;
    }
    let event = NewAuditEvent::by(tenant, AuditEventKind::TermDatesChanged, actor, Some(scope), None);
    store.record_audit(&mut tx, &event, now).await?;
    for id in store.list_induction_ids(tenant).await? {
        recompute(store, &mut tx, tenant, id).await?;
    }
    tx.commit().await
}

/// An open report at one of a member of staff's schools, with where it stands today.
pub struct OpenReport {
    pub row: OpenReportRow,
    pub planned: PlannedReport,
    pub time: TimeStatus,
    pub form: Option<FormStatus>,
}

/// The open reports of the ECTs the user's schools employ today, each with where it stands on
/// the calendar of its school (seed 003 "Reports that need completing"). One read of the
/// reports and one of each school's calendar, whatever the number of reports.
pub async fn open_reports_for_staff(
    state: &AppState,
    tenant: TenantId,
    staff: UserId,
    today: NaiveDate,
) -> Result<Vec<OpenReport>, StoreError> {
    let store = state.store();
    let bh = BankHolidays::england_and_wales();
    let due = due_settings(store.db(), tenant).await?;
    let mut calendars: HashMap<Uuid, Calendar> = HashMap::new();
    let mut out = vec![];
    for row in store.open_reports_for_staff(tenant, staff, today).await? {
        let Some(planned) = planned_report(
            row.number,
            &row.kind,
            row.period_start,
            row.period_end,
            row.due_date,
            row.absence_extension,
        ) else {
            return Err(StoreError::Corrupt(format!("report kind {:?}", row.kind)));
        };
        let form = match row.form_status.as_deref() {
            None => None,
            Some(s) => Some(FormStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("report status {s:?}")))?),
        };
        let calendar = match calendars.entry(row.school_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(calendar(store.db(), tenant, Some(SchoolId(row.school_id))).await?)
            }
        };
        let time = planned.time_status(calendar, bh, due.window, today);
        out.push(OpenReport { row, planned, time, form });
    }
    Ok(out)
}
