//! Authentication: sessions, cookies, CSRF, password hashing and the login service.

pub mod codes;
pub mod csrf;
pub mod login;
pub mod password;
pub mod reauth;
pub mod session;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A fresh 256-bit random token, base64url (43 characters). Session ids and CSRF cookies
/// (docs/security.md S1: at least 128 bits from a CSPRNG).
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
    totp: [u8; 32],
}

impl Keys {
    pub fn derive(secret: &[u8]) -> Self {
        let derive = |purpose: &[u8]| -> [u8; 32] {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(purpose);
            mac.finalize().into_bytes().into()
        };
        Self { csrf: derive(b"induct csrf v1"), totp: derive(b"induct totp secrets v1") }
    }

    /// Encrypts an authenticator-app secret for storage (ChaCha20-Poly1305, a random nonce, the
    /// user's id as associated data so a row copied to another user does not open). A copy of
    /// the database alone then gives nobody a second factor.
    pub fn seal_totp_secret(&self, user: induct_domain::UserId, secret: &[u8]) -> String {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let cipher = chacha20poly1305::ChaCha20Poly1305::new((&self.totp).into());
        let mut nonce = [0u8; 12];
        rand::fill(&mut nonce);
        let sealed = cipher
            .encrypt((&nonce).into(), Payload { msg: secret, aad: user.0.as_bytes() })
            .expect("encryption of a short secret cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v1.{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// The secret behind [`Keys::seal_totp_secret`]'s output; `None` if it was tampered with,
    /// belongs to another user or was sealed under another key. A secret stored before sealing
    /// (plain base32) still opens.
    pub fn open_totp_secret(&self, user: induct_domain::UserId, stored: &str) -> Option<Vec<u8>> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let Some(sealed) = stored.strip_prefix("v1.") else {
            // Set up before secrets were sealed: still the plain base32 the app was given.
            return induct_domain::mfa::base32_decode(stored);
        };
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        let cipher = chacha20poly1305::ChaCha20Poly1305::new((&self.totp).into());
        cipher.decrypt(nonce.into(), Payload { msg: sealed, aad: user.0.as_bytes() }).ok()
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
    fn totp_secrets_are_sealed_per_user() {
        let keys = Keys::derive(b"0123456789abcdef0123456789abcdef");
        let alice = induct_domain::UserId(uuid::Uuid::new_v4());
        let bob = induct_domain::UserId(uuid::Uuid::new_v4());
        let sealed = keys.seal_totp_secret(alice, b"12345678901234567890");
        assert!(!sealed.contains("GEZDGNBVGY3TQOJQ"), "the base32 secret is not visible");
        assert_eq!(keys.open_totp_secret(alice, &sealed).as_deref(), Some(&b"12345678901234567890"[..]));
        assert_eq!(keys.open_totp_secret(bob, &sealed), None);
        assert_eq!(Keys::derive(b"another key of thirty-two bytes!!").open_totp_secret(alice, &sealed), None);
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open_totp_secret(alice, std::str::from_utf8(&tampered).unwrap()), None);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
