//! Alerts: a school's concern about an ECT, raised with the AB (seed 003 "ECT Alerts";
//! docs/induction-rules.md 2.15: concerns are raised early, SG 2.52).

use serde::Serialize;

/// Where an alert stands. The AB and the school move it along; closed ones stay on the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    New,
    Acknowledged,
    Closed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 3] = [AlertStatus::New, AlertStatus::Acknowledged, AlertStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            AlertStatus::New => "New",
            AlertStatus::Acknowledged => "Acknowledged",
            AlertStatus::Closed => "Closed",
        }
    }

    /// Still needs the AB's attention.
    pub fn is_open(self) -> bool {
        self != AlertStatus::Closed
    }
}

crate::stored_as_text!(AlertStatus, "alert status");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_statuses_round_trip_seed_003() {
        for a in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(a.as_str()), Some(a));
            assert_eq!(AlertStatus::try_from(a.as_str().to_owned()).unwrap(), a);
        }
        assert!(AlertStatus::try_from("resolved".to_owned()).is_err());
        assert!(AlertStatus::New.is_open() && !AlertStatus::Closed.is_open());
    }
}
