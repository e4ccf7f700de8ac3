//! Statutory deadlines after induction is completed (docs/induction-rules.md 2.2), counted in working days
//! (Monday to Friday less bank holidays; school holidays count).

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::calendar::{BankHolidays, working_days_beginning_with};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CompletionDeadlines {
    /// Regs 11(3): the head teacher's recommendation within 10 working days beginning with the
    /// completion date.
    pub head_recommendation_by: NaiveDate,
}

/// Regs 11(3).
pub fn after_completion(completed_on: NaiveDate, bh: &BankHolidays) -> CompletionDeadlines {
    CompletionDeadlines { head_recommendation_by: working_days_beginning_with(completed_on, 10, bh) }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DecisionDeadlines {
    /// Regs 11(4): the ECT's representations within 10 working days beginning with receipt of
    /// the recommendation.
    pub ect_representations_by: NaiveDate,
    /// SG 2.67, Regs 11(5): the AB decides within 20 working days beginning with receipt.
    pub ab_decision_by: NaiveDate,
}

/// From the day the AB receives the head teacher's recommendation.
pub fn after_recommendation(received_on: NaiveDate, bh: &BankHolidays) -> DecisionDeadlines {
    DecisionDeadlines {
        ect_representations_by: working_days_beginning_with(received_on, 10, bh),
        ab_decision_by: working_days_beginning_with(received_on, 20, bh),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NoticeDeadlines {
    /// SG 2.69, Regs 11(7): notice to the ECT, head teacher and employer within 3 working days.
    pub notify_by: NaiveDate,
    /// Regs 18: a notice sent electronically is deemed received on the second day after it is sent.
    pub deemed_received: NaiveDate,
    /// SG 2.70, Regs Sch 3 para 2: an appeal to the TRA within 20 working days beginning with
    /// the day the notice is deemed received.
    pub appeal_by: NaiveDate,
}

/// From the day of the AB's decision, given the day the notice was sent electronically.
pub fn after_decision(decided_on: NaiveDate, notice_sent_on: NaiveDate, bh: &BankHolidays) -> NoticeDeadlines {
    let deemed_received = notice_sent_on + Days::new(2);
    NoticeDeadlines {
        notify_by: working_days_beginning_with(decided_on, 3, bh),
        deemed_received,
        appeal_by: working_days_beginning_with(deemed_received, 20, bh),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn deadlines_dom_2_2() {
        let bh = BankHolidays::england_and_wales();
        // Completion on Fri 18 July 2025 (summer holidays are working days).
        assert_eq!(after_completion(d("2025-07-18"), bh).head_recommendation_by, d("2025-07-31"));
        // Recommendation received Mon 15 December 2025: Christmas and Boxing Day are skipped.
        let r = after_recommendation(d("2025-12-15"), bh);
        assert_eq!(r.ect_representations_by, d("2025-12-30"));
        assert_eq!(r.ab_decision_by, d("2026-01-14"));
        // Decided Thu 21 May 2026, notice emailed the same day; late May bank holiday on 25th.
        let n = after_decision(d("2026-05-21"), d("2026-05-21"), bh);
        assert_eq!(n.notify_by, d("2026-05-26"));
        assert_eq!(n.deemed_received, d("2026-05-23"));
        assert_eq!(
            n.appeal_by,
            d("2026-06-22"),
            "20 working days beginning with Sat 23 May: Tue 26 May to Mon 22 June"
        );
    }
}
