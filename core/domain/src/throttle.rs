//! Keys for the login counters of [`crate::lockout`].
//!
//! A counter's key never holds the password and never the raw address in a log: the store keeps
//! the key, and logs print only its scope.

/// Which counter a key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockScope {
    Account,
    AddressAndUsername,
    Address,
    /// Public school registrations from one address (an unauthenticated form that writes).
    SchoolRegistration,
    /// Password-reset emails to one account (docs/security.md M6: 3 an hour).
    PasswordReset,
    /// Account-recovery requests from one address, whatever they name.
    RecoveryAddress,
    /// Wrong second-factor codes for one account (docs/security.md M4).
    SecondFactor,
    /// Codes sent to one account (section 3: "Rate-limit SMS sends ... 5 per account per hour").
    CodeSend,
    /// Text messages sent for one AB, whoever they go to (section 3: "200 per tenant per hour";
    /// each costs money and a flood could be used against the AB).
    SmsTenant,
}

impl LockScope {
    pub fn as_str(self) -> &'static str {
        match self {
            LockScope::Account => "account",
            LockScope::AddressAndUsername => "address_username",
            LockScope::Address => "address",
            LockScope::SchoolRegistration => "school_registration",
            LockScope::PasswordReset => "password_reset",
            LockScope::RecoveryAddress => "recovery_address",
            LockScope::SecondFactor => "second_factor",
            LockScope::CodeSend => "code_send",
            LockScope::SmsTenant => "sms_tenant",
        }
    }

    pub fn policy(self) -> crate::lockout::LockPolicy {
        use crate::lockout::LockPolicy;
        match self {
            LockScope::Account => LockPolicy::account(),
            LockScope::AddressAndUsername => LockPolicy::address_and_username(),
            LockScope::Address => LockPolicy::address(),
            LockScope::SchoolRegistration => LockPolicy::public_registration(),
            LockScope::PasswordReset => LockPolicy::password_reset(),
            LockScope::RecoveryAddress => LockPolicy::recovery_address(),
            LockScope::SecondFactor => LockPolicy::second_factor(),
            LockScope::CodeSend => LockPolicy::code_send(),
            LockScope::SmsTenant => LockPolicy::sms_tenant(),
        }
    }
}

/// The account counter is keyed by the site and the username as typed (normalised), whether or not
/// such an account exists, so that a lock reveals nothing about which accounts exist (A7).
pub fn account_key(site: &str, username: &str) -> String {
    format!("{site}/{}", username.trim())
}

pub fn address_and_username_key(address: &str, site: &str, username: &str) -> String {
    format!("{address}|{site}/{}", username.trim())
}

pub fn address_key(address: &str) -> String {
    address.to_owned()
}
