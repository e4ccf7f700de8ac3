//! Password hashing: Argon2id at m=19456 KiB, t=2, p=1 (docs/security.md A1; `Params::DEFAULT`).
//!
//! Hashing is slow and memory-hungry on purpose, so it runs on the blocking thread pool, never on
//! the async runtime, and at most `hashing_concurrency` hashes run at once: 50 simultaneous logins
//! would otherwise need about 950 MiB.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

use induct_domain::password::normalise;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed")]
    Join,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes {
        /// The stored hash used weaker parameters than today's: store a new one (A1).
        needs_rehash: bool,
    },
}

pub struct PasswordHasher {
    permits: Semaphore,
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// A hash of a random password, verified when the username is unknown so that known and unknown
/// usernames take the same time (A6).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut bytes = [0u8; 24];
    rand::fill(&mut bytes);
    argon2().hash_password(&bytes).expect("hash dummy password").to_string()
});

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Arc<Self> {
        Arc::new(Self { permits: Semaphore::new(concurrency.max(1)) })
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError::Join)?;
        tokio::task::spawn_blocking(f).await.map_err(|_| HashError::Join)
    }

    /// Hashes a new password (already checked against the policy) to a PHC string.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = normalise(password);
        self.run(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| HashError::Hash(e.to_string()))
        })
        .await?
    }

    /// Checks a password against a stored hash. `None` as the hash (unknown user, or no password
    /// set yet) verifies against a dummy hash and answers `No`, taking the same time.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<Verified, HashError> {
        let password = normalise(password);
        let stored = stored.map(str::to_owned);
        self.run(move || {
            let (hash, real) = match &stored {
                Some(h) => (h.as_str(), true),
                None => (DUMMY_HASH.as_str(), false),
            };
            let Ok(parsed) = PasswordHash::new(hash) else {
                // A corrupt stored hash: still spend the time, then refuse.
                let dummy = PasswordHash::new(DUMMY_HASH.as_str()).expect("dummy hash parses");
                let _ = argon2().verify_password(password.as_bytes(), &dummy);
                return Verified::No;
            };
            let ok = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
            if ok && real { Verified::Yes { needs_rehash: is_weaker_than_current(&parsed) } } else { Verified::No }
        })
        .await
    }
}

/// True when a hash is not Argon2id, or uses less memory or fewer passes than `Params::DEFAULT`.
fn is_weaker_than_current(hash: &PasswordHash) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(hash) {
        Ok(p) => p.m_cost() < Params::DEFAULT_M_COST || p.t_cost() < Params::DEFAULT_T_COST,
        Err(_) => true,
    }
}

/// Hashes with explicit (possibly weak) parameters: for tests of the rehash rule and for tools.
pub fn hash_with_params(password: &str, m_cost: u32, t_cost: u32) -> Result<String, HashError> {
    let params = Params::new(m_cost, t_cost, 1, None).map_err(|e| HashError::Hash(e.to_string()))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(normalise(password).as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_default_params_a1() {
        let h = PasswordHasher::new(2);
        let hash = h.hash("walnut harbour trellis").await.unwrap();
        let re = regex_lite_match(&hash);
        assert!(re, "{hash}");
        assert_eq!(
            h.verify("walnut harbour trellis", Some(&hash)).await.unwrap(),
            Verified::Yes { needs_rehash: false }
        );
        assert_eq!(h.verify("Walnut harbour trellis", Some(&hash)).await.unwrap(), Verified::No);
        assert_eq!(h.verify("walnut harbour trellis", None).await.unwrap(), Verified::No);
        let weak = hash_with_params("walnut harbour trellis", 4096, 2).unwrap();
        assert_eq!(
            h.verify("walnut harbour trellis", Some(&weak)).await.unwrap(),
            Verified::Yes { needs_rehash: true }
        );
        assert_eq!(h.verify("x", Some("not a hash")).await.unwrap(), Verified::No);
    }

    /// `^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$` with m >= 19456 and t >= 2, without a regex crate.
    fn regex_lite_match(hash: &str) -> bool {
        let Some(rest) = hash.strip_prefix("$argon2id$v=19$m=") else {
            return false;
        };
        let mut parts = rest.splitn(2, '$');
        let params = parts.next().unwrap_or("");
        let mut m = 0;
        let mut t = 0;
        let mut p = 0;
        for kv in params.split(',') {
            match kv.split_once('=') {
                Some(("t", v)) => t = v.parse().unwrap_or(0),
                Some(("p", v)) => p = v.parse().unwrap_or(0),
                None => m = kv.parse().unwrap_or(0),
                _ => {}
            }
        }
        m >= 19456 && t >= 2 && p == 1
    }
}
