//! Roles and what each may do.
//!
//! The roles are ECT Manager's (docs/induction-rules.md 2.1, seeds 000, 001, 003): an appropriate body's
//! administrator, and at each school a head teacher, induction leads, induction tutors and a school
//! administrator, plus the ECTs themselves. Mentors are recorded but never log in (seed 001: "ECF
//! Mentors ... do not require access"). The platform operator runs the hosted service and sees no
//! AB's induction data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformOperator,
    AbAdmin,
    HeadTeacher,
    InductionLead,
    InductionTutor,
    SchoolAdmin,
    Ect,
}

/// How far a role's reach extends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The platform itself: appropriate bodies, operator tools. No AB's records.
    Platform,
    /// Everything inside one appropriate body.
    WholeAb,
    /// Only the schools the user belongs to.
    OwnSchools,
    /// Only the user's own induction record.
    OwnRecord,
}

/// Defines [`Permission`] with its stable snake_case key (what templates see in `can`) and the
/// list of all of them, from one list so that neither can miss a variant.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident => $key:literal,)*) => {
        /// An action a route performs. Every route declares one (docs/security.md T1: deny by default).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($(#[$doc])* $name,)*
        }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$name),*];

            /// The permission's name for templates: `{% if can.register_ects %}`.
            pub fn key(self) -> &'static str {
                match self {
                    $(Permission::$name => $key,)*
                }
            }
        }
    };
}

permissions! {
    /// See one's own dashboard and account page.
    ViewOwnDashboard => "view_own_dashboard",
    /// List the schools registered under the AB.
    ListSchools => "list_schools",
    /// See one school's details page (seed 001 step 2: "School Details").
    ViewSchool => "view_school",
    /// See the reports of every ECT in the AB, with filters.
    ListAbReports => "list_ab_reports",
    /// Edit the AB's term dates and due-date policy.
    EditAbCalendar => "edit_ab_calendar",
    /// Authorise or reject a school that registered (seed 001).
    AuthoriseSchools => "authorise_schools",
    /// See a school's staff and add people to it (seed 001 steps 3-4; docs/induction-rules.md 2.1: school
    /// administrators register staff too).
    ManageSchoolStaff => "manage_school_staff",
    /// See staff usernames, send them a set-password link, deactivate leavers (seed 000).
    ManageStaffAccounts => "manage_staff_accounts",
    /// See the school's upcoming assessments (one-year ECTs) and reports (two-year ECTs), seed 003.
    ViewUpcomingReports => "view_upcoming_reports",
    /// Record an ECT's contracts, absences and leaving date (seed 003: "confirm contract details",
    /// "Days of absence"; the leaver form).
    EditInductionRecord => "edit_induction_record",
    /// Edit a school's details (seed 001 step 2: "If you have any edits to make please save the page").
    EditSchool => "edit_school",
    /// Install, roll back and inspect the AB's own plugin.
    ManageAbPlugins => "manage_ab_plugins",
    /// List the appropriate bodies hosted on the platform.
    ListAppropriateBodies => "list_appropriate_bodies",
    /// Manage any AB's plugins (the platform operator).
    ManageAnyAbPlugins => "manage_any_ab_plugins",
    /// Read the demo mailbox of messages the platform has sent.
    ReadDemoMailbox => "read_demo_mailbox",
    /// Register an ECT at the school or register a transfer in (seed 001 step 5; docs/induction-rules.md 2.1:
    /// tutors add ECTs, school administrators register them).
    RegisterEcts => "register_ects",
    /// See a registration and its status (the school's staff throughout; the AB).
    ViewEctRegistrations => "view_ect_registrations",
    /// Sign an ECT's registration (seed 001: "it will go to your Head Teacher to sign").
    SignEctRegistrations => "sign_ect_registrations",
    /// Check QTS and eligibility, then authorise or reject a registration (docs/induction-rules.md 2.8, 2.10).
    AuthoriseEctRegistrations => "authorise_ect_registrations",
    /// List ECTs and registrations, searching by name or TRN.
    ListEcts => "list_ects",
    /// See an ECT's record: details, schools, tutor and mentor.
    ViewEctRecord => "view_ect_record",
    /// Assign an ECT's induction tutor and mentor (docs/induction-rules.md 2.1: the induction lead assigns
    /// ECTs to tutors; seed 002).
    AssignTutorsAndMentors => "assign_tutors_and_mentors",
    /// Record that an ECT is leaving (seed 003 leaver form; SG 5.3-5.4: the head teacher
    /// notifies the AB).
    RecordLeavers => "record_leavers",
    /// The AB's task list: registrations to check, schools to authorise, leavers, transfers.
    ViewAbTasks => "view_ab_tasks",
    /// Search the staff of every school in the AB.
    ListAbStaff => "list_ab_staff",
    /// Download claims and outcomes for the national service (docs/induction-rules.md 2.11).
    ExportForNationalService => "export_for_national_service",
    /// See what reminders and notifications were sent to whom, what failed, and resend it (issue
    /// 8; SG 2.74: the AB chases late reports).
    ViewAbNotifications => "view_ab_notifications",
    /// An ECT's own personal, training and previous-school details (seed 000).
    EditOwnDetails => "edit_own_details",
    /// Fill in a progress review or assessment (docs/induction-rules.md 2.1: tutors; leads "complete
    /// assessments").
    FillReports => "fill_reports",
    /// Confirm a report's details and write the ECT's comments (seed 003).
    CommentOnReports => "comment_on_reports",
    /// Save a draft as it is typed (the tutor's form or the ECT's comments).
    DraftReports => "draft_reports",
    /// Read reports (school administrators never see them, docs/induction-rules.md 2.1).
    ReadReports => "read_reports",
    /// Sign a report (ECT, tutor, head teacher; docs/induction-rules.md 2.7).
    SignReports => "sign_reports",
    /// Accept or return submitted reports; see overdue and unsigned reports (docs/induction-rules.md 2.7).
    ReviewReports => "review_reports",
    /// Print every report of a school in one PDF.
    PrintSchoolReports => "print_school_reports",
    /// See the school's or the AB's alerts (seed 003 "ECT Alerts").
    ViewAlerts => "view_alerts",
    /// Raise an alert with the AB (seed 003).
    RaiseAlerts => "raise_alerts",
    /// Unlock an account locked by wrong passwords or codes (docs/security.md A8: "until an
    /// administrator ... clears it").
    UnlockAccounts => "unlock_accounts",
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::PlatformOperator,
        Role::AbAdmin,
        Role::HeadTeacher,
        Role::InductionLead,
        Role::InductionTutor,
        Role::SchoolAdmin,
        Role::Ect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformOperator => "platform_operator",
            Role::AbAdmin => "ab_admin",
            Role::HeadTeacher => "head_teacher",
            Role::InductionLead => "induction_lead",
            Role::InductionTutor => "induction_tutor",
            Role::SchoolAdmin => "school_admin",
            Role::Ect => "ect",
        }
    }

    /// The name users see, in the seeds' words.
    pub fn title(self) -> &'static str {
        match self {
            Role::PlatformOperator => "Platform operator",
            Role::AbAdmin => "Appropriate body administrator",
            Role::HeadTeacher => "Head teacher",
            Role::InductionLead => "Induction lead",
            Role::InductionTutor => "Induction tutor",
            Role::SchoolAdmin => "School administrator",
            Role::Ect => "Early career teacher",
        }
    }

    pub fn reach(self) -> Reach {
        match self {
            Role::PlatformOperator => Reach::Platform,
            Role::AbAdmin => Reach::WholeAb,
            Role::HeadTeacher | Role::InductionLead | Role::InductionTutor | Role::SchoolAdmin => Reach::OwnSchools,
            Role::Ect => Reach::OwnRecord,
        }
    }

    /// Whether the role belongs to one appropriate body (every role but the platform operator).
    pub fn is_tenant_role(self) -> bool {
        self != Role::PlatformOperator
    }

    /// Whether the role must use a strong second factor (an authenticator app or a verified mobile
    /// number; not email) before it reaches any data: roles that see many ECTs (docs/security.md D9,
    /// and section 3: "For staff with wide access (D9), require TOTP or SMS rather than email").
    pub fn needs_strong_second_factor(self) -> bool {
        matches!(self, Role::PlatformOperator | Role::AbAdmin)
    }

    /// Who may be an ECT's induction tutor: a tutor, or the induction lead or head teacher doing
    /// the tutor's work (docs/induction-rules.md 2.1: leads "complete assessments"; SG 2.42: the
    /// head identifies the tutor, and SG 2.45 lets the head be one themselves).
    pub fn can_tutor(self) -> bool {
        matches!(self, Role::InductionTutor | Role::InductionLead | Role::HeadTeacher)
    }

    /// Whether the role works at schools and so must belong to at least one.
    pub fn is_school_role(self) -> bool {
        matches!(self.reach(), Reach::OwnSchools | Reach::OwnRecord)
    }

    /// The permission table. The routes take their answer from here and nowhere else.
    ///
    /// School details: seed 001 step 2 sends the head teacher or induction lead to School >
    /// School Details; tutors see their school in the menu (seed 003) and school administrators
    /// register people at it (docs/induction-rules.md 2.1). ECTs see "Associated Schools" on their own record
    /// instead (seed 000), which is not the school's page.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ViewOwnDashboard => true,
            ListSchools => self == AbAdmin,
            ViewSchool => matches!(self, AbAdmin | HeadTeacher | InductionLead | InductionTutor | SchoolAdmin),
            EditSchool => matches!(self, AbAdmin | HeadTeacher | InductionLead),
            ListAbReports | EditAbCalendar => self == AbAdmin,
            EditInductionRecord => matches!(self, AbAdmin | HeadTeacher | InductionLead | InductionTutor),
            ViewUpcomingReports => matches!(self, HeadTeacher | InductionLead | InductionTutor),
            ManageSchoolStaff => matches!(self, AbAdmin | HeadTeacher | InductionLead | SchoolAdmin),
            AuthoriseSchools => self == AbAdmin,
            ManageStaffAccounts => matches!(self, AbAdmin | HeadTeacher | InductionLead),
            ManageAbPlugins => self == AbAdmin,
            ListAppropriateBodies | ReadDemoMailbox | ManageAnyAbPlugins => self == PlatformOperator,
            RegisterEcts => matches!(self, HeadTeacher | InductionLead | InductionTutor | SchoolAdmin),
            ViewEctRegistrations | ListEcts => {
                matches!(self, AbAdmin | HeadTeacher | InductionLead | InductionTutor | SchoolAdmin)
            }
            SignEctRegistrations => self == HeadTeacher,
            AuthoriseEctRegistrations | ViewAbTasks | ListAbStaff | ExportForNationalService | ViewAbNotifications => {
                self == AbAdmin
            }
            // School administrators "cannot edit after" registering (docs/induction-rules.md 2.1).
            ViewEctRecord => matches!(self, AbAdmin | HeadTeacher | InductionLead | InductionTutor),
            AssignTutorsAndMentors | RecordLeavers => matches!(self, AbAdmin | HeadTeacher | InductionLead),
            EditOwnDetails => self == Ect,
            FillReports => matches!(self, InductionTutor | InductionLead),
            CommentOnReports => self == Ect,
            DraftReports => matches!(self, InductionTutor | InductionLead | Ect),
            ReadReports => matches!(self, AbAdmin | HeadTeacher | InductionLead | InductionTutor | Ect),
            SignReports => matches!(self, HeadTeacher | InductionLead | InductionTutor | Ect),
            ReviewReports => self == AbAdmin,
            PrintSchoolReports | ViewAlerts => matches!(self, AbAdmin | HeadTeacher | InductionLead | InductionTutor),
            RaiseAlerts => matches!(self, HeadTeacher | InductionLead | InductionTutor),
            UnlockAccounts => self == AbAdmin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::Role::*;
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("mentor".parse::<Role>().is_err(), "mentors never log in (seed 001)");
    }

    #[test]
    fn permission_table_dom_2_1() {
        // role, permission, allowed
        let table = [
            (PlatformOperator, ViewOwnDashboard, true),
            (PlatformOperator, ListSchools, false),
            (PlatformOperator, ViewSchool, false),
            (PlatformOperator, ListAppropriateBodies, true),
            (PlatformOperator, ReadDemoMailbox, true),
            (AbAdmin, ListSchools, true),
            (AbAdmin, ViewSchool, true),
            (AbAdmin, ListAppropriateBodies, false),
            (AbAdmin, ReadDemoMailbox, false),
            (HeadTeacher, ListSchools, false),
            (HeadTeacher, ViewSchool, true),
            (InductionLead, ViewSchool, true),
            (InductionTutor, ViewSchool, true),
            (SchoolAdmin, ViewSchool, true),
            (SchoolAdmin, ListSchools, false),
            (Ect, ViewOwnDashboard, true),
            (Ect, ViewSchool, false),
            (Ect, ListSchools, false),
            (Ect, ReadDemoMailbox, false),
            (AbAdmin, EditSchool, true),
            (AbAdmin, ListAbReports, true),
            (HeadTeacher, ListAbReports, false),
            (Ect, ListAbReports, false),
            (AbAdmin, EditAbCalendar, true),
            (HeadTeacher, EditAbCalendar, false),
            (InductionTutor, EditInductionRecord, true),
            (SchoolAdmin, EditInductionRecord, false),
            (InductionTutor, ViewUpcomingReports, true),
            (SchoolAdmin, ManageSchoolStaff, true),
            (InductionTutor, ManageSchoolStaff, false),
            (SchoolAdmin, ManageStaffAccounts, false),
            (InductionLead, ManageStaffAccounts, true),
            (Ect, ManageSchoolStaff, false),
            (SchoolAdmin, ViewUpcomingReports, false),
            (AbAdmin, ViewUpcomingReports, false),
            (Ect, EditInductionRecord, false),
            (HeadTeacher, EditSchool, true),
            (InductionLead, EditSchool, true),
            (InductionTutor, EditSchool, false),
            (SchoolAdmin, EditSchool, false),
            (Ect, EditSchool, false),
            (AbAdmin, ManageAbPlugins, true),
            (HeadTeacher, ManageAbPlugins, false),
            (PlatformOperator, ManageAbPlugins, false),
            (PlatformOperator, ManageAnyAbPlugins, true),
            (AbAdmin, ManageAnyAbPlugins, false),
            (SchoolAdmin, RegisterEcts, true),
            (InductionTutor, RegisterEcts, true),
            (AbAdmin, RegisterEcts, false),
            (Ect, RegisterEcts, false),
            (HeadTeacher, SignEctRegistrations, true),
            (InductionLead, SignEctRegistrations, false),
            (AbAdmin, SignEctRegistrations, false),
            (AbAdmin, AuthoriseEctRegistrations, true),
            (HeadTeacher, AuthoriseEctRegistrations, false),
            (SchoolAdmin, ViewEctRegistrations, true),
            (Ect, ViewEctRegistrations, false),
            (SchoolAdmin, ViewEctRecord, false),
            (InductionTutor, ViewEctRecord, true),
            (InductionTutor, AssignTutorsAndMentors, false),
            (InductionLead, AssignTutorsAndMentors, true),
            (HeadTeacher, RecordLeavers, true),
            (SchoolAdmin, RecordLeavers, false),
            (AbAdmin, ViewAbTasks, true),
            (HeadTeacher, ViewAbTasks, false),
            (AbAdmin, ExportForNationalService, true),
            (InductionLead, ExportForNationalService, false),
            (AbAdmin, ViewAbNotifications, true),
            (HeadTeacher, ViewAbNotifications, false),
            (PlatformOperator, ViewAbNotifications, false),
            (Ect, EditOwnDetails, true),
            (AbAdmin, EditOwnDetails, false),
            (PlatformOperator, ListEcts, false),
            (InductionTutor, FillReports, true),
            (HeadTeacher, FillReports, false),
            (Ect, FillReports, false),
            (Ect, CommentOnReports, true),
            (SchoolAdmin, ReadReports, false),
            (Ect, ReadReports, true),
            (AbAdmin, SignReports, false),
            (HeadTeacher, SignReports, true),
            (AbAdmin, ReviewReports, true),
            (HeadTeacher, ReviewReports, false),
            (SchoolAdmin, ViewAlerts, false),
            (AbAdmin, RaiseAlerts, false),
            (InductionTutor, RaiseAlerts, true),
            (AbAdmin, UnlockAccounts, true),
            (HeadTeacher, UnlockAccounts, false),
        ];
        for (role, permission, allowed) in table {
            assert_eq!(role.allows(permission), allowed, "{role} {permission:?}");
        }
    }

    #[test]
    fn reach_matches_role_kind() {
        assert_eq!(PlatformOperator.reach(), Reach::Platform);
        assert!(!PlatformOperator.is_tenant_role());
        assert_eq!(AbAdmin.reach(), Reach::WholeAb);
        assert!(!AbAdmin.is_school_role());
        for r in [HeadTeacher, InductionLead, InductionTutor, SchoolAdmin, Ect] {
            assert!(r.is_school_role() && r.is_tenant_role(), "{r}");
        }
    }

    #[test]
    fn who_may_tutor_an_ect_sg_2_42() {
        let tutors: Vec<Role> = Role::ALL.into_iter().filter(|r| r.can_tutor()).collect();
        assert_eq!(tutors, [Role::HeadTeacher, Role::InductionLead, Role::InductionTutor]);
    }

    #[test]
    fn every_permission_has_its_own_key() {
        let keys: std::collections::BTreeSet<&str> = Permission::ALL.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), Permission::ALL.len());
        assert_eq!(Permission::RegisterEcts.key(), "register_ects");
    }
}
