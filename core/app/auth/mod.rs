//! Authentication: sessions, cookies, CSRF, password hashing and the login service.

pub mod codes;
pub mod csrf;
pub mod login;
pub mod password;
pub mod session;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A fresh 256-bit random token, base64url (43 characters). Session ids and CSRF cookies
/// (SECURITY.md S1: at least 128 bits from a CSPRNG).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex: what the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Keys derived from the configured secret, one per purpose.
pub struct Keys {
    csrf: [u8; 32],
}

impl Keys {
    pub fn derive(secret: &[u8]) -> Self {
        let derive = |purpose: &[u8]| -> [u8; 32] {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(purpose);
            mac.finalize().into_bytes().into()
        };
        Self { csrf: derive(b"induct csrf v1") }
    }

    pub fn csrf_mac(&self, message: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.csrf).expect("HMAC takes any key length");
        mac.update(message);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn session_ids_are_unique_and_long_s1() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_token()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(
            ids.iter().all(|id| {
                id.len() >= 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
        );
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
