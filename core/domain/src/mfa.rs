//! Second factors: authenticator-app codes (TOTP, RFC 6238: HMAC-SHA-1, 30-second steps, 6
//! digits, one step either side) with replay refused (RFC 6238 section 5.2: a verifier "MUST NOT
//! accept the second attempt of the same OTP"), and the base32 form apps scan (RFC 4648).
//!
//! Written here rather than with a TOTP crate: it is twenty lines over `hmac` and `sha1`, and the
//! RFC's own test vectors below pin it down.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECS: i64 = 30;
pub const DIGITS: u32 = 6;

/// RFC 4226 HOTP truncated to six digits.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = ((h[offset] as u32 & 0x7f) << 24)
        | ((h[offset + 1] as u32) << 16)
        | ((h[offset + 2] as u32) << 8)
        | (h[offset + 3] as u32);
    bin % 10u32.pow(DIGITS)
}

pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code an app shows at a time, zero-padded.
pub fn totp_code(secret: &[u8], unix_secs: i64) -> String {
    format!("{:06}", hotp(secret, step_of(unix_secs) as u64))
}

/// The step a typed code matches (the current one or one either side), if it is later than the
/// last step already used.
pub fn verify_totp(secret: &[u8], typed: &str, unix_secs: i64, last_used_step: Option<i64>) -> Option<i64> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_secs);
    [now - 1, now, now + 1].into_iter().find(|&s| {
        s >= 0 && last_used_step.is_none_or(|last| s > last) && format!("{:06}", hotp(secret, s as u64)) == code
    })
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps expect in otpauth URIs).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = vec![];
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET.iter().position(|&a| a as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app reads (as a link or a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32_encode(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 are ours).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, eight) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(totp_code(secret, t), eight[2..], "t={t}");
        }
    }

    #[test]
    fn one_step_either_side_and_no_replay() {
        let secret = b"12345678901234567890";
        let t = 1_111_111_111;
        let code = totp_code(secret, t);
        let step = step_of(t);
        assert_eq!(verify_totp(secret, &code, t, None), Some(step));
        assert_eq!(verify_totp(secret, &code, t + 30, None), Some(step), "the previous step still counts");
        assert_eq!(verify_totp(secret, &code, t - 30, None), Some(step), "so does the next");
        assert_eq!(verify_totp(secret, &code, t + 90, None), None, "two steps late is too late");
        assert_eq!(verify_totp(secret, &code, t, Some(step)), None, "a used code is refused");
        assert_eq!(verify_totp(secret, "12345", t, None), None);
        assert_eq!(verify_totp(secret, "abcdef", t, None), None);
        assert_eq!(verify_totp(secret, &format!(" {} {} ", &code[..3], &code[3..]), t, None), Some(step));
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw 6ytb oi").unwrap(), b"foobar");
        assert_eq!(base32_decode("1"), None);
        let secret: Vec<u8> = (0..20).collect();
        assert_eq!(base32_decode(&base32_encode(&secret)).unwrap(), secret);
        assert!(
            otpauth_uri("Fenland Hub", "110001", &secret).starts_with("otpauth://totp/Fenland%20Hub:110001?secret=")
        );
    }
}
