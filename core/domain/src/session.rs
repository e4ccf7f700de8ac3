//! Session lifetime rules.

use chrono::{DateTime, Duration, Utc};

/// Idle and absolute limits of a signed-in session.
///
/// Seed 003: "You will automatically be logged out of ECT manager if you are inactive for 20
/// minutes". docs/security.md S3 adds an absolute lifetime of 12 hours and a warning before the idle
/// timeout (ASVS 7.3.1, 7.3.2).
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
    /// How long before the idle timeout the page warns.
    pub warn_before: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::minutes(20), absolute: Duration::hours(12), warn_before: Duration::minutes(2) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Live,
    IdleExpired,
    AbsoluteExpired,
}

impl SessionPolicy {
    pub fn state(&self, created_at: DateTime<Utc>, last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> SessionState {
        if now - created_at > self.absolute {
            SessionState::AbsoluteExpired
        } else if now - last_seen_at > self.idle {
            SessionState::IdleExpired
        } else {
            SessionState::Live
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn idle_and_absolute_limits_s3() {
        let p = SessionPolicy::default();
        // created, last seen, now, expected
        let cases = [
            (0, 0, 19 * 60 + 59, SessionState::Live),
            (0, 0, 20 * 60, SessionState::Live),
            (0, 0, 20 * 60 + 1, SessionState::IdleExpired),
            (0, 12 * 3600 - 60, 12 * 3600, SessionState::Live),
            (0, 12 * 3600 - 60, 12 * 3600 + 1, SessionState::AbsoluteExpired),
        ];
        for (created, seen, now, expected) in cases {
            assert_eq!(p.state(t(created), t(seen), t(now)), expected, "{created} {seen} {now}");
        }
    }
}
