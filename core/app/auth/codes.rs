//! One-time codes sent by email (docs/security.md M1): six digits from the operating system's CSPRNG,
//! leading zeros kept, uniform (rejection sampling, no modulo bias), stored only as a salted
//! SHA-256 and never logged.

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A new 6-digit code.
pub fn new_code() -> String {
    // 4,294,000,000 is the largest multiple of 1,000,000 below 2^32: values above it would make
    // low codes more likely.
    loop {
        let x = OsRng.try_next_u32().expect("the OS random source works");
        if x < 4_294_000_000 {
            return format!("{:06}", x % 1_000_000);
        }
    }
}

pub fn new_salt() -> String {
    let mut b = [0u8; 16];
    OsRng.try_fill_bytes(&mut b).expect("the OS random source works");
    hex::encode(b)
}

pub fn hash_code(salt: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}:{code}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/security.md M1: 200,000 codes, all six digits, each leading digit 10 % +- 0.5 %.
    #[test]
    fn m1_codes_are_six_uniform_digits() {
        let mut leading = [0u32; 10];
        let n = 200_000;
        for _ in 0..n {
            let c = new_code();
            assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()), "{c}");
            leading[(c.as_bytes()[0] - b'0') as usize] += 1;
        }
        for (d, count) in leading.iter().enumerate() {
            let share = *count as f64 / n as f64;
            assert!((0.095..=0.105).contains(&share), "leading {d}: {share}");
        }
    }

    #[test]
    fn codes_are_stored_salted() {
        let salt = new_salt();
        let h = hash_code(&salt, "012345");
        assert_ne!(h, "012345");
        assert_eq!(h, hash_code(&salt, "012345"));
        assert_ne!(h, hash_code(&new_salt(), "012345"));
    }
}
