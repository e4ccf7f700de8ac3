//! Each role's menu, in the seeds' words. Items whose pages come with later features are shown
//! without a link, so users see where things will be.

use induct_domain::Role;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct MenuItem {
    pub label: &'static str,
    pub href: Option<&'static str>,
}

const fn link(label: &'static str, href: &'static str) -> MenuItem {
    MenuItem { label, href: Some(href) }
}

const fn later(label: &'static str) -> MenuItem {
    MenuItem { label, href: None }
}

/// Seed 003 (tutor): "Your ECTs, Assessments, Tutors, Resources, My Account, Help & Support";
/// seed 001: head teachers and induction leads also have "School" > "School Details"; school
/// administrators register people but never see reports (docs/induction-rules.md 2.1); seed 000 (ECT): the
/// overview page with personal details, training, associated and previous schools, documents,
/// courses, resources, help and login details.
pub fn for_role(role: Role) -> Vec<MenuItem> {
    match role {
        Role::PlatformOperator => vec![
            link("Dashboard", "/dashboard"),
            link("Appropriate bodies", "/platform/appropriate-bodies"),
            link("Sent mail", "/platform/mail"),
            link("My Account", "/account"),
        ],
        Role::AbAdmin => vec![
            link("Dashboard", "/dashboard"),
            link("Tasks", "/tasks"),
            link("Review", "/reports/review"),
            link("Alerts", "/alerts"),
            link("Schools", "/schools"),
            link("ECTs", "/ects"),
            link("Staff", "/staff"),
            link("Reports", "/reports"),
            link("Exports", "/exports"),
            link("Emails", "/notifications"),
            later("Resources"),
            later("Courses"),
            later("Helpdesk"),
            link("Term dates", "/settings/term-dates"),
            link("Plugin", "/plugins"),
            link("My Account", "/account"),
        ],
        Role::HeadTeacher | Role::InductionLead => vec![
            link("Dashboard", "/dashboard"),
            link("School", "/schools/mine"),
            link("Your ECTs", "/ects"),
            link("Assessments", "/reports/upcoming"),
            later("Tutors"),
            link("Sign", "/signatures"),
            link("Alerts", "/alerts"),
            later("Resources"),
            link("My Account", "/account"),
            link("Help & Support", "/help"),
        ],
        Role::InductionTutor => vec![
            link("Dashboard", "/dashboard"),
            link("Your ECTs", "/ects"),
            link("Assessments", "/reports/upcoming"),
            later("Tutors"),
            link("Sign", "/signatures"),
            link("Alerts", "/alerts"),
            later("Resources"),
            link("My Account", "/account"),
            link("Help & Support", "/help"),
        ],
        Role::SchoolAdmin => vec![
            link("Dashboard", "/dashboard"),
            link("School", "/schools/mine"),
            link("ECTs", "/ects"),
            later("Tutors"),
            link("My Account", "/account"),
            link("Help & Support", "/help"),
        ],
        Role::Ect => vec![
            link("Overview", "/dashboard"),
            link("Personal Details", "/my-details#personal"),
            link("Training and Qualification Details", "/my-details#training"),
            link("Associated Schools", "/my-details#associated-schools"),
            link("Previous Schools", "/my-details#previous-schools"),
            later("Documents"),
            later("Courses"),
            later("Resources"),
            link("Login Details", "/account"),
            link("Security Information", "/account/security"),
            link("Help & Support", "/help"),
        ],
    }
}
