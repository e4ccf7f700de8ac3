//! Failed-login counters and locks, as a pure state machine that takes the time as an argument
//! (the kanidm softlock pattern, docs/security.md section 4).
//!
//! One machine serves three counters (see [`LockPolicy`]'s constructors):
//! - the account: seed 000 "If you attempt to login into ECT manager 5 times unsuccessfully you ...
//!   will be locked out for 30mins" (docs/security.md A7), with a hard cap of 100 consecutive failures
//!   that only a reset or an administrator clears (A8, NIST 800-63B);
//! - the address and username together: the seed's IP lock, scoped so that one teacher's typing
//!   does not lock a whole school behind one NAT address (A9, ASVS 6.1.1);
//! - the address alone: a larger budget across usernames that stops password spraying (A9).

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockPolicy {
    /// Every `limit`-th consecutive failure locks.
    pub limit: u32,
    /// Failures older than this are forgotten (None: they count until a success).
    pub window: Option<Duration>,
    pub lock_for: Duration,
    /// This many consecutive failures lock until cleared by hand.
    pub hard_cap: Option<u32>,
}

impl LockPolicy {
    /// docs/security.md A7 and A8.
    pub fn account() -> Self {
        Self { limit: 5, window: None, lock_for: Duration::minutes(30), hard_cap: Some(100) }
    }

    /// docs/security.md A9, the seed's "you & your IP address", keyed on (IP, username).
    pub fn address_and_username() -> Self {
        Self { limit: 5, window: Some(Duration::minutes(30)), lock_for: Duration::minutes(30), hard_cap: None }
    }

    /// The public school-registration form: 10 submissions an hour from one address, then an
    /// hour's wait. A school registers once; this stops a script filling the AB's task list.
    pub fn public_registration() -> Self {
        Self { limit: 10, window: Some(Duration::hours(1)), lock_for: Duration::hours(1), hard_cap: None }
    }

    /// docs/security.md M6: "Requests rate-limited, e.g. 3 per account per hour".
    pub fn password_reset() -> Self {
        Self { limit: 3, window: Some(Duration::hours(1)), lock_for: Duration::hours(1), hard_cap: None }
    }

    /// docs/security.md M4: 5 wrong codes lock the second factor for 30 minutes; the third lock in a
    /// row (15 consecutive wrong codes) locks it until cleared.
    pub fn second_factor() -> Self {
        Self { limit: 5, window: None, lock_for: Duration::minutes(30), hard_cap: Some(15) }
    }

    /// Resent codes: 5 an hour per account (docs/security.md section 3).
    pub fn code_send() -> Self {
        Self { limit: 5, window: Some(Duration::hours(1)), lock_for: Duration::hours(1), hard_cap: None }
    }

    /// Text messages for one AB: 200 an hour (docs/security.md section 3).
    pub fn sms_tenant() -> Self {
        Self { limit: 200, window: Some(Duration::hours(1)), lock_for: Duration::hours(1), hard_cap: None }
    }

    /// Recovery requests from one address: 10 an hour, whichever accounts they name.
    pub fn recovery_address() -> Self {
        Self { limit: 10, window: Some(Duration::hours(1)), lock_for: Duration::hours(1), hard_cap: None }
    }

    /// docs/security.md A9: a per-address budget across usernames, 50 failures in 30 minutes.
    pub fn address() -> Self {
        Self { limit: 50, window: Some(Duration::minutes(30)), lock_for: Duration::minutes(30), hard_cap: None }
    }
}

/// What is stored per counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockState {
    pub failures: u32,
    pub window_start: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    pub hard_locked: bool,
}

impl LockState {
    pub fn fresh(now: DateTime<Utc>) -> Self {
        Self { failures: 0, window_start: now, locked_until: None, hard_locked: false }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    Locked,
}

/// What a failure changed, so that the caller can audit and notify exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockEvent {
    /// The counter just locked; `first` is true for the first lock of a run of failures
    /// (A8: "Notify the user by email at the first lock").
    Locked { until: DateTime<Utc>, first: bool },
    /// The hard cap was reached: locked until a reset or an administrator's unlock.
    HardLocked,
}

impl LockPolicy {
    pub fn gate(&self, state: &LockState, now: DateTime<Utc>) -> Gate {
        if state.hard_locked || state.locked_until.is_some_and(|until| now < until) { Gate::Locked } else { Gate::Open }
    }

    /// Records one failed attempt made while the gate was open.
    pub fn after_failure(&self, state: &LockState, now: DateTime<Utc>) -> (LockState, Option<LockEvent>) {
        let mut next = *state;
        if let Some(window) = self.window
            && now - state.window_start >= window
        {
            next.failures = 0;
            next.window_start = now;
        }
        if next.failures == 0 {
            next.window_start = now;
        }
        next.failures = next.failures.saturating_add(1);
        if let Some(cap) = self.hard_cap
            && next.failures >= cap
        {
            next.hard_locked = true;
            next.locked_until = None;
            return (next, Some(LockEvent::HardLocked));
        }
        if next.failures % self.limit == 0 {
            let until = now + self.lock_for;
            next.locked_until = Some(until);
            let first = next.failures == self.limit;
            return (next, Some(LockEvent::Locked { until, first }));
        }
        (next, None)
    }

    /// A success clears the counter (A7: "The counter resets on success").
    pub fn after_success(&self, now: DateTime<Utc>) -> LockState {
        LockState::fresh(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn five_failures_lock_the_account_for_thirty_minutes_a7() {
        let p = LockPolicy::account();
        let mut s = LockState::fresh(t(0));
        let mut events = vec![];
        for i in 0..5 {
            assert_eq!(p.gate(&s, t(i)), Gate::Open);
            let (n, e) = p.after_failure(&s, t(i));
            s = n;
            events.push(e);
        }
        assert_eq!(events[..4], [None, None, None, None]);
        assert_eq!(events[4], Some(LockEvent::Locked { until: t(4) + Duration::minutes(30), first: true }));
        // step, seconds after the 5th failure, expected gate
        let table = [(0, Gate::Locked), (29 * 60 + 59, Gate::Locked), (30 * 60, Gate::Open), (30 * 60 + 1, Gate::Open)];
        for (after, gate) in table {
            assert_eq!(p.gate(&s, t(4 + after)), gate, "{after}");
        }
        // A success resets; one further failure does not lock.
        let s = p.after_success(t(4 + 1801));
        let (s, e) = p.after_failure(&s, t(4 + 1802));
        assert_eq!(e, None);
        assert_eq!(p.gate(&s, t(4 + 1803)), Gate::Open);
    }

    /// Section 3 of docs/security.md: "5 per account per hour and 200 per tenant per hour" for texts;
    /// the budgets come back after the hour.
    #[test]
    fn sending_budgets_per_account_and_per_ab() {
        for (p, budget) in [(LockPolicy::code_send(), 5), (LockPolicy::sms_tenant(), 200)] {
            let mut s = LockState::fresh(t(0));
            for i in 0..budget {
                assert_eq!(p.gate(&s, t(i)), Gate::Open, "send {}", i + 1);
                s = p.after_failure(&s, t(i)).0;
            }
            assert_eq!(p.gate(&s, t(budget)), Gate::Locked, "send {} is over budget", budget + 1);
            assert_eq!(p.gate(&s, t(budget - 1 + 3600)), Gate::Open, "an hour later");
        }
    }

    #[test]
    fn hundred_consecutive_failures_hard_lock_a8() {
        let p = LockPolicy::account();
        let mut s = LockState::fresh(t(0));
        let mut now = t(0);
        let mut locks = 0;
        let mut firsts = 0;
        let mut hard = 0;
        for _ in 0..100 {
            // wait out any temporary lock, as an attacker would
            if let Some(until) = s.locked_until {
                now = until + Duration::seconds(1);
            }
            assert_eq!(p.gate(&s, now), Gate::Open);
            let (n, e) = p.after_failure(&s, now);
            s = n;
            match e {
                Some(LockEvent::Locked { first, .. }) => {
                    locks += 1;
                    firsts += first as u32;
                }
                Some(LockEvent::HardLocked) => hard += 1,
                None => {}
            }
            now += Duration::seconds(1);
        }
        assert_eq!((locks, firsts, hard), (19, 1, 1));
        assert_eq!(p.gate(&s, now + Duration::days(30)), Gate::Locked, "only a reset clears it");
        assert_eq!(p.gate(&p.after_success(now), now), Gate::Open);
    }

    #[test]
    fn windowed_counters_forget_old_failures_a9() {
        let p = LockPolicy::address_and_username();
        let mut s = LockState::fresh(t(0));
        for i in 0..4 {
            s = p.after_failure(&s, t(i * 60)).0;
        }
        // 30 minutes after the first failure the window restarts: the fifth does not lock.
        let (s, e) = p.after_failure(&s, t(30 * 60));
        assert_eq!((s.failures, e), (1, None));
    }

    #[test]
    fn address_budget_locks_at_fifty_a9() {
        let p = LockPolicy::address();
        let mut s = LockState::fresh(t(0));
        for i in 0..49 {
            let (n, e) = p.after_failure(&s, t(i));
            assert_eq!(e, None);
            s = n;
        }
        let (s, e) = p.after_failure(&s, t(49));
        assert!(matches!(e, Some(LockEvent::Locked { first: true, .. })));
        assert_eq!(p.gate(&s, t(50)), Gate::Locked, "the 51st attempt is refused");
    }
}
