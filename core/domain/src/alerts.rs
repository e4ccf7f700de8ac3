//! Alerts: a school's concern about an ECT, raised with the AB (seed 003 "ECT Alerts";
//! docs/induction-rules.md 2.15: concerns are raised early, SG 2.52).

crate::text_enum! {
    /// Where an alert stands. The AB and the school move it along; closed ones stay on the record.
    pub enum AlertStatus as "alert status" {
        New => ("new", "New"),
        Acknowledged => ("acknowledged", "Acknowledged"),
        Closed => ("closed", "Closed"),
    }
}

impl AlertStatus {
    /// Still needs the AB's attention.
    pub fn is_open(self) -> bool {
        self != AlertStatus::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_statuses_round_trip_seed_003() {
        for a in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(a.as_str()), Some(*a));
            assert_eq!(AlertStatus::try_from(a.as_str().to_owned()).unwrap(), *a);
        }
        assert!(AlertStatus::try_from("resolved".to_owned()).is_err());
        assert!(AlertStatus::New.is_open() && !AlertStatus::Closed.is_open());
    }
}
