//! Webhook signature verification: is this delivery from GitHub, byte for byte?
//!
//! Source: GitHub Docs, "Validating webhook deliveries"
//! (<https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries>).
//! GitHub sends `X-Hub-Signature-256: sha256=<hex>` where `<hex>` is the HMAC-SHA256
//! (RFC 2104, FIPS 180-4) of the raw request body keyed with the webhook's secret, as a
//! hex digest. The check must run over the exact bytes received, before the body is
//! parsed (a re-serialised JSON value has other bytes and fails), and the comparison must
//! be constant-time: here `hmac`'s `verify_slice`, which compares with `subtle`.
//!
//! Decisions:
//! - Only the SHA-256 header is accepted. The legacy `X-Hub-Signature` (HMAC-SHA1) that
//!   GitHub still sends alongside it is refused, even when it is the only one present
//!   ([`SignatureError::Sha1Only`]): SHA-1 is not what GitHub recommends, and accepting it
//!   would let a forger choose the weaker header.
//! - The prefix is exactly `sha256=` ("The hash signature always starts with `sha256=`")
//!   and the digest exactly 64 **lowercase** hex digits. GitHub emits lowercase (its own
//!   examples build `'sha256=' + hexdigest` and compare the whole string, so an uppercase
//!   digest would fail them too); anything else is [`SignatureError::Malformed`], not a
//!   guess at what was meant.
//! - Optional whitespace around the header value (RFC 9110 §5.5: it is not part of the
//!   field value) is ignored; whitespace inside is malformed.
//! - An empty secret is refused ([`SignatureError::NoSecret`]): anyone can compute an
//!   HMAC under the empty key, so it would accept forged deliveries.
//!
//! There is no timestamp in the signature, so a captured delivery replays cleanly: callers
//! must also drop repeated `X-GitHub-Delivery` ids.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header GitHub puts the SHA-256 signature in.
pub const SHA256_HEADER: &str = "X-Hub-Signature-256";
/// The legacy SHA-1 signature header; never accepted, only recognised to say why.
pub const SHA1_HEADER: &str = "X-Hub-Signature";
/// The exact prefix of [`SHA256_HEADER`]'s value.
pub const PREFIX: &str = "sha256=";
/// Length of the hex digest after [`PREFIX`]: 32 bytes, two digits each.
pub const HEX_LEN: usize = 64;

/// Why a delivery's signature was refused. Every variant means "do not process the body";
/// the distinction is for logs and for the `code` of the 4xx the caller answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header (and no SHA-1 one either).
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    /// Only the legacy `X-Hub-Signature` (HMAC-SHA1) header was sent; it is not accepted.
    #[error("only the SHA-1 X-Hub-Signature header was sent; X-Hub-Signature-256 is required")]
    Sha1Only,
    /// The header is present but is not `sha256=` followed by 64 lowercase hex digits.
    #[error("the X-Hub-Signature-256 header is malformed: {0}")]
    Malformed(Malformed),
    /// Well-formed, but not the HMAC of these bytes under this secret.
    #[error("the signature does not match the body")]
    Mismatch,
    /// The configured secret is empty, so no signature could prove anything.
    #[error("no webhook secret is configured")]
    NoSecret,
}

/// How a present header failed the format `sha256=` + 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// It does not start with exactly `sha256=` (e.g. `sha1=`, `SHA256=`, no prefix).
    #[error("it must start with sha256=")]
    WrongPrefix,
    /// The digest is not 64 characters long.
    #[error("the digest must be 64 hex digits")]
    WrongLength,
    /// The digest has a character other than `0-9a-f` (uppercase included).
    #[error("the digest must be lowercase hex")]
    NotLowercaseHex,
}

impl From<Malformed> for SignatureError {
    fn from(m: Malformed) -> Self {
        SignatureError::Malformed(m)
    }
}

/// The signature headers of one delivery, as received (values only; `None` when absent).
/// Callers that see a header more than once should refuse the delivery rather than pick one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignatureHeaders<'a> {
    /// `X-Hub-Signature-256`.
    pub sha256: Option<&'a str>,
    /// `X-Hub-Signature` (legacy SHA-1), only looked at to explain a refusal.
    pub sha1: Option<&'a str>,
}

/// Verifies `header` (the value of `X-Hub-Signature-256`, or `None` when absent) against
/// the HMAC-SHA256 of the raw `body` bytes under `secret`, in constant time.
///
/// Errors: [`SignatureError::NoSecret`] for an empty secret, `Missing` for `None`,
/// `Malformed` for a value that is not `sha256=` + 64 lowercase hex digits, `Mismatch`
/// otherwise when the digest is not the body's.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    verify_headers(
        secret,
        body,
        SignatureHeaders {
            sha256: header,
            sha1: None,
        },
    )
}

/// Like [`verify`], but told about both headers so that a delivery carrying only the
/// legacy SHA-1 signature is refused as [`SignatureError::Sha1Only`] rather than `Missing`.
/// The SHA-1 value itself is never checked or trusted.
pub fn verify_headers(
    secret: &[u8],
    body: &[u8],
    headers: SignatureHeaders<'_>,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let value = match (headers.sha256, headers.sha1) {
        (Some(value), _) => value,
        (None, Some(_)) => return Err(SignatureError::Sha1Only),
        (None, None) => return Err(SignatureError::Missing),
    };
    let expected = parse_header(value)?;
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| SignatureError::NoSecret)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// Parses a `X-Hub-Signature-256` value into the 32 digest bytes it claims, without
/// checking it against anything. Surrounding spaces and tabs are ignored (RFC 9110 §5.5).
pub fn parse_header(value: &str) -> Result<[u8; 32], Malformed> {
    let value = value.trim_matches([' ', '\t']);
    let digest = value.strip_prefix(PREFIX).ok_or(Malformed::WrongPrefix)?;
    if digest.len() != HEX_LEN {
        return Err(Malformed::WrongLength);
    }
    if !digest
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(Malformed::NotLowercaseHex);
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(digest, &mut out).map_err(|_| Malformed::NotLowercaseHex)?;
    Ok(out)
}

/// The `X-Hub-Signature-256` value GitHub would send for `body` under `secret`:
/// `sha256=` + 64 lowercase hex digits. For tests and the local GitHub double.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length (RFC 2104 §2), so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// GitHub's published test vector ("Testing the webhook payload validation").
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const PAYLOAD: &[u8] = b"Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_published_vector_verifies() {
        assert_eq!(verify(SECRET, PAYLOAD, Some(SIGNATURE)), Ok(()));
        assert_eq!(sign(SECRET, PAYLOAD), SIGNATURE);
    }

    #[test]
    fn agrees_with_an_independent_hmac_implementation() {
        // hmac-sha256 (a dev-dependency) is a separate implementation of RFC 2104.
        let body = br#"{"zen":"Design for failure.","hook_id":1}"#;
        let tag = hmac_sha256::HMAC::mac(body, b"s3cret");
        assert_eq!(
            sign(b"s3cret", body),
            format!("sha256={}", hex::encode(tag))
        );
    }

    #[test]
    fn a_reserialised_json_body_fails() {
        let raw = br#"{"action":"opened","number":1}"#;
        let header = sign(b"k", raw);
        assert_eq!(verify(b"k", raw, Some(&header)), Ok(()));
        // The same JSON value, other bytes.
        let value: serde_json::Value = serde_json::from_slice(raw).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        assert_ne!(pretty, raw.to_vec());
        assert_eq!(
            verify(b"k", &pretty, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        let spaced = br#"{"action": "opened", "number": 1}"#;
        assert_eq!(
            verify(b"k", spaced, Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn another_secret_fails() {
        assert_eq!(
            verify(b"It's a Secret to Everybody!", PAYLOAD, Some(SIGNATURE)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_sha1_only_are_told_apart() {
        assert_eq!(verify(SECRET, PAYLOAD, None), Err(SignatureError::Missing));
        let sha1_only = SignatureHeaders {
            sha256: None,
            sha1: Some("sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"),
        };
        assert_eq!(
            verify_headers(SECRET, PAYLOAD, sha1_only),
            Err(SignatureError::Sha1Only)
        );
        assert_eq!(
            verify_headers(SECRET, PAYLOAD, SignatureHeaders::default()),
            Err(SignatureError::Missing)
        );
        // With both, only the SHA-256 one decides.
        let both = SignatureHeaders {
            sha256: Some(SIGNATURE),
            sha1: Some("sha1=junk"),
        };
        assert_eq!(verify_headers(SECRET, PAYLOAD, both), Ok(()));
        let both_bad = SignatureHeaders {
            sha256: Some("sha256=00"),
            sha1: Some("sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"),
        };
        assert_eq!(
            verify_headers(SECRET, PAYLOAD, both_bad),
            Err(SignatureError::Malformed(Malformed::WrongLength))
        );
    }

    #[test]
    fn a_sha1_value_in_the_sha256_header_is_malformed() {
        assert_eq!(
            verify(
                SECRET,
                PAYLOAD,
                Some("sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59")
            ),
            Err(SignatureError::Malformed(Malformed::WrongPrefix))
        );
    }

    #[test]
    fn malformed_values_are_named() {
        let digest = &SIGNATURE[PREFIX.len()..];
        let cases: Vec<(String, Malformed)> = vec![
            (String::new(), Malformed::WrongPrefix),
            (digest.to_owned(), Malformed::WrongPrefix),
            (format!("SHA256={digest}"), Malformed::WrongPrefix),
            (format!("sha256:{digest}"), Malformed::WrongPrefix),
            (format!("sha512={digest}"), Malformed::WrongPrefix),
            ("sha256=".to_owned(), Malformed::WrongLength),
            (format!("sha256={}", &digest[..63]), Malformed::WrongLength),
            (format!("sha256={digest}0"), Malformed::WrongLength),
            (
                format!("sha256= {}", &digest[1..]),
                Malformed::NotLowercaseHex,
            ),
            (
                format!("sha256={}", digest.to_uppercase()),
                Malformed::NotLowercaseHex,
            ),
            (
                format!("sha256={}g", &digest[..63]),
                Malformed::NotLowercaseHex,
            ),
            (
                format!("sha256={}é", &digest[..62]),
                Malformed::NotLowercaseHex,
            ),
        ];
        for (value, why) in cases {
            assert_eq!(
                verify(SECRET, PAYLOAD, Some(&value)),
                Err(SignatureError::Malformed(why)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn surrounding_whitespace_is_not_part_of_the_value() {
        assert_eq!(
            verify(SECRET, PAYLOAD, Some(&format!(" \t{SIGNATURE} "))),
            Ok(())
        );
    }

    #[test]
    fn an_empty_secret_is_refused_even_with_a_matching_signature() {
        let forged = sign(b"", PAYLOAD);
        assert_eq!(
            verify(b"", PAYLOAD, Some(&forged)),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn empty_body_is_signed_like_any_other() {
        let header = sign(SECRET, b"");
        assert_eq!(verify(SECRET, b"", Some(&header)), Ok(()));
        assert_eq!(
            verify(SECRET, b" ", Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    proptest! {
        #[test]
        fn one_flipped_bit_anywhere_fails(
            secret in proptest::collection::vec(any::<u8>(), 1..80),
            body in proptest::collection::vec(any::<u8>(), 1..300),
            pick in any::<prop::sample::Index>(),
            bit in 0u8..8,
            in_body in any::<bool>(),
        ) {
            let header = sign(&secret, &body);
            prop_assert_eq!(verify(&secret, &body, Some(&header)), Ok(()));
            if in_body {
                let mut tampered = body.clone();
                let i = pick.index(tampered.len());
                tampered[i] ^= 1 << bit;
                prop_assert_eq!(
                    verify(&secret, &tampered, Some(&header)),
                    Err(SignatureError::Mismatch)
                );
            } else {
                let mut digest = parse_header(&header).unwrap();
                let i = pick.index(digest.len());
                digest[i] ^= 1 << bit;
                let tampered = format!("{PREFIX}{}", hex::encode(digest));
                prop_assert_eq!(
                    verify(&secret, &body, Some(&tampered)),
                    Err(SignatureError::Mismatch)
                );
            }
        }

        #[test]
        fn arbitrary_header_values_never_panic_nor_pass(value in ".*") {
            // A random value matching the real digest is a 2^-256 event.
            prop_assert!(verify(SECRET, PAYLOAD, Some(&value)).is_err());
        }
    }
}
