//! What to do after a GitHub REST API response: go on, wait for a rate limit, retry a
//! server error, or give up. Pure: the caller passes the status, the headers that matter,
//! the attempt number and the clock.
//!
//! Sources: GitHub Docs, "Rate limits for the REST API"
//! (<https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api>,
//! "Exceeding the rate limit") and "Best practices for using the REST API"
//! (<https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api>,
//! "Handle rate limit errors appropriately", "Use conditional requests if appropriate"):
//!
//! - Primary limit exceeded: `403` or `429` with `x-ratelimit-remaining: 0`; do not retry
//!   before `x-ratelimit-reset` (UTC epoch seconds).
//! - Secondary limit exceeded: `403` or `429` and an error message saying so. If
//!   `retry-after` is present, wait that many seconds; else if `x-ratelimit-remaining` is
//!   `0`, wait until `x-ratelimit-reset`; otherwise wait at least one minute, then an
//!   exponentially increasing time, and give up after a number of retries.
//! - A conditional request answered `304 Not Modified` does not count against the
//!   primary rate limit: it is [`Decision::Proceed`] like any success.
//! - Repeated 4xx must not be ignored ("Do not ignore errors"): other 4xx are
//!   [`Decision::Fail`], never retried.
//!
//! Server errors (5xx, and 408) are retried with exponential backoff (doubling from
//! [`RetryPolicy::server_error_base`], capped at [`RetryPolicy::server_error_cap`],
//! honouring a longer `retry-after`, RFC 9110 §10.2.3), up to
//! [`RetryPolicy::max_attempts`]. `501` and `505` are permanent by definition and fail.
//! Callers may add jitter on top; this module is deterministic.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime};

/// The response headers that matter, as received (`None` when absent). Values that do
/// not parse are treated as absent; nothing here panics on any input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders<'a> {
    /// `x-ratelimit-limit`: requests allowed per window.
    pub limit: Option<&'a str>,
    /// `x-ratelimit-remaining`: requests left in the window.
    pub remaining: Option<&'a str>,
    /// `x-ratelimit-used`: requests made in the window.
    pub used: Option<&'a str>,
    /// `x-ratelimit-reset`: when the window resets, UTC epoch seconds.
    pub reset: Option<&'a str>,
    /// `x-ratelimit-resource`: the limit the request counted against (`core`, `search`…).
    pub resource: Option<&'a str>,
    /// `retry-after`: seconds, or an HTTP-date (RFC 9110 §10.2.3).
    pub retry_after: Option<&'a str>,
}

/// The primary rate-limit state one response reported, to keep in a repository's sync
/// status. Every field is `None` when its header was absent or unreadable.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct RateLimit {
    /// Requests allowed per window (`x-ratelimit-limit`).
    pub limit: Option<i64>,
    /// Requests left in the window (`x-ratelimit-remaining`).
    pub remaining: Option<i64>,
    /// Requests made in the window (`x-ratelimit-used`).
    pub used: Option<i64>,
    /// When the window resets, UTC epoch seconds (`x-ratelimit-reset`).
    pub reset_at: Option<i64>,
    /// The resource counted against (`x-ratelimit-resource`), e.g. `core`; at most 64
    /// characters of `[a-z0-9_-]` (ASCII case folded), otherwise `None`.
    pub resource: Option<String>,
}

impl RateLimit {
    /// Reads the snapshot from the headers.
    pub fn from_headers(h: &RateLimitHeaders<'_>) -> RateLimit {
        RateLimit {
            limit: parse_count(h.limit),
            remaining: parse_count(h.remaining),
            used: parse_count(h.used),
            reset_at: parse_count(h.reset),
            resource: h.resource.and_then(parse_resource),
        }
    }

    /// Whether the window is used up (`remaining` is 0).
    pub fn is_exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// When the next request may go out, if this snapshot says the window is used up and
    /// resets after `now` (epoch seconds): a successful response with `remaining: 0`
    /// means the next request would be refused.
    pub fn exhausted_until(&self, now: i64) -> Option<i64> {
        self.reset_at.filter(|&at| self.is_exhausted() && at > now)
    }
}

/// One response, as far as the decision needs it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseInfo<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The rate-limit headers.
    pub headers: RateLimitHeaders<'a>,
    /// Whether the error body's `message` says a secondary rate limit was hit (see
    /// [`mentions_secondary_rate_limit`]).
    pub secondary_rate_limit: bool,
}

/// How retries are paced and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included, for server errors and secondary limits; the
    /// response to attempt `max_attempts` that would need another one is a
    /// [`Decision::Fail`].
    pub max_attempts: u32,
    /// Wait after the first failed attempt with a server error; doubles per attempt.
    pub server_error_base: Duration,
    /// Longest wait between server-error retries.
    pub server_error_cap: Duration,
    /// Wait after the first secondary limit without `retry-after`: GitHub says at least
    /// one minute. Doubles per attempt.
    pub secondary_base: Duration,
    /// Longest computed secondary-limit wait (a `retry-after` or reset is obeyed as is).
    pub secondary_cap: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts; server errors wait 2, 4, 8, 16, 32 s (cap 5 min); secondary limits
    /// 60, 120, 240, 480, 960 s (cap 1 h).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            server_error_base: Duration::from_secs(2),
            server_error_cap: Duration::from_secs(300),
            secondary_base: Duration::from_secs(60),
            secondary_cap: Duration::from_secs(3600),
        }
    }
}

/// Why to wait for a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The primary limit's window is used up (`x-ratelimit-remaining: 0`).
    PrimaryExhausted,
    /// A secondary limit was hit.
    SecondaryLimit,
}

/// Why to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// A 4xx that is not a rate limit (bad request, auth, not found, validation…).
    ClientError,
    /// A 5xx that retrying cannot fix (`501`, `505`) or a status outside 100–599.
    Permanent,
    /// An unexpected status for an API call (1xx, or a redirect the HTTP client did not
    /// follow).
    Unexpected,
    /// Retries are used up ([`RetryPolicy::max_attempts`]).
    GaveUp,
}

/// What to do after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Use the response (2xx, or 304 Not Modified).
    Proceed,
    /// A rate limit: send nothing to GitHub before `at`, then retry.
    WaitUntil {
        /// UTC epoch seconds, always later than the `now` given.
        at: i64,
        /// Which limit.
        reason: WaitReason,
    },
    /// A transient server error: retry this request after `after`.
    Retry {
        /// How long to wait (exponential backoff, or a longer `retry-after`).
        after: Duration,
    },
    /// Stop: the request cannot succeed as it is.
    Fail {
        /// Why.
        reason: FailReason,
    },
}

/// Whether an error body's `message` reports a secondary rate limit: GitHub's says
/// "You have exceeded a secondary rate limit…"; before 2021 it said "…abuse detection
/// mechanism…". Case-insensitive.
pub fn mentions_secondary_rate_limit(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("secondary rate limit") || m.contains("abuse detection")
}

/// What to do after `response`, the answer to attempt number `attempt` (1 for the first
/// try) of one request, at `now` (UTC epoch seconds). See the module documentation for
/// the rules and their sources.
///
/// A `403` is a rate limit only when GitHub says so: `x-ratelimit-remaining: 0`, a
/// secondary-limit message, or a `retry-after`; otherwise it is a permission error. A
/// `429` is always a rate limit. The wait for a rate limit is the latest of: `retry-after`
/// from now; `x-ratelimit-reset` when `remaining` is 0 and the reset is in the future;
/// and, when neither applies, the growing secondary backoff. A primary limit with a
/// future reset is waited out whatever the attempt number (a full window is normal in a
/// long sync); every other retry counts against `max_attempts`.
pub fn decide(
    response: &ResponseInfo<'_>,
    attempt: u32,
    now: i64,
    policy: &RetryPolicy,
) -> Decision {
    let h = &response.headers;
    let snapshot = RateLimit::from_headers(h);
    let retry_after = h.retry_after.and_then(|v| parse_retry_after(v, now));
    let attempt = attempt.max(1);
    let retries_left = attempt < policy.max_attempts;

    match response.status {
        200..=299 | 304 => Decision::Proceed,
        100..=199 | 300..=399 => fail(FailReason::Unexpected),
        403 | 429 => {
            let primary_reset = snapshot.exhausted_until(now);
            let is_rate_limit = response.status == 429
                || snapshot.is_exhausted()
                || response.secondary_rate_limit
                || retry_after.is_some();
            if !is_rate_limit {
                return fail(FailReason::ClientError);
            }
            let reason = if snapshot.is_exhausted() && !response.secondary_rate_limit {
                WaitReason::PrimaryExhausted
            } else {
                WaitReason::SecondaryLimit
            };
            let waiting_out_a_window =
                reason == WaitReason::PrimaryExhausted && primary_reset.is_some();
            if !retries_left && !waiting_out_a_window {
                return fail(FailReason::GaveUp);
            }
            let fixed = [retry_after, primary_reset].into_iter().flatten().max();
            let at = fixed.unwrap_or_else(|| {
                now.saturating_add(secs(backoff(
                    policy.secondary_base,
                    policy.secondary_cap,
                    attempt,
                )))
            });
            Decision::WaitUntil {
                at: at.max(now.saturating_add(1)),
                reason,
            }
        }
        408 | 500 | 502..=504 | 506..=599 => {
            if !retries_left {
                return fail(FailReason::GaveUp);
            }
            let computed = backoff(policy.server_error_base, policy.server_error_cap, attempt);
            let told = retry_after
                .map(|at| Duration::from_secs(u64::try_from(at.saturating_sub(now)).unwrap_or(0)))
                .unwrap_or_default();
            Decision::Retry {
                after: computed.max(told),
            }
        }
        400..=499 => fail(FailReason::ClientError),
        _ => fail(FailReason::Permanent),
    }
}

fn fail(reason: FailReason) -> Decision {
    Decision::Fail { reason }
}

/// `base * 2^(attempt-1)`, at most `cap`, without overflow.
fn backoff(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(Duration::MAX).min(cap)
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// A non-negative decimal count: ASCII digits only after trimming spaces and tabs.
fn parse_count(value: Option<&str>) -> Option<i64> {
    let v = value?.trim_matches([' ', '\t']);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn parse_resource(value: &str) -> Option<String> {
    let v = value.trim_matches([' ', '\t']);
    (!v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then(|| v.to_ascii_lowercase())
}

/// `retry-after` as an absolute time (epoch seconds): `delay-seconds` from `now`, or an
/// HTTP-date (IMF-fixdate, RFC 850 or asctime, RFC 9110 §5.6.7). `None` if unreadable.
pub fn parse_retry_after(value: &str, now: i64) -> Option<i64> {
    let v = value.trim_matches([' ', '\t']);
    if let Some(seconds) = parse_count(Some(v)) {
        return Some(now.saturating_add(seconds));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(v) {
        return Some(t.timestamp());
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_700_000_000;

    fn resp(status: u16, headers: RateLimitHeaders<'static>) -> ResponseInfo<'static> {
        ResponseInfo {
            status,
            headers,
            secondary_rate_limit: false,
        }
    }

    fn at(response: &ResponseInfo<'_>, attempt: u32) -> Decision {
        decide(response, attempt, NOW, &RetryPolicy::default())
    }

    const EXHAUSTED: RateLimitHeaders<'static> = RateLimitHeaders {
        limit: Some("5000"),
        remaining: Some("0"),
        used: Some("5000"),
        reset: Some("1700000900"),
        resource: Some("core"),
        retry_after: None,
    };

    #[test]
    fn successes_and_not_modified_proceed() {
        for status in [200, 201, 202, 204, 304] {
            assert_eq!(
                at(&resp(status, EXHAUSTED), 1),
                Decision::Proceed,
                "{status}"
            );
            assert_eq!(
                at(&resp(status, RateLimitHeaders::default()), 9),
                Decision::Proceed
            );
        }
    }

    #[test]
    fn primary_exhaustion_waits_until_reset() {
        for status in [403, 429] {
            assert_eq!(
                at(&resp(status, EXHAUSTED), 1),
                Decision::WaitUntil {
                    at: 1_700_000_900,
                    reason: WaitReason::PrimaryExhausted
                }
            );
            // However many attempts: a window is waited out, not given up on.
            assert_eq!(
                at(&resp(status, EXHAUSTED), 50),
                Decision::WaitUntil {
                    at: 1_700_000_900,
                    reason: WaitReason::PrimaryExhausted
                }
            );
        }
    }

    #[test]
    fn primary_exhaustion_with_a_past_or_missing_reset_backs_off() {
        let past = RateLimitHeaders {
            reset: Some("1699999999"),
            ..EXHAUSTED
        };
        assert_eq!(
            at(&resp(403, past), 1),
            Decision::WaitUntil {
                at: NOW + 60,
                reason: WaitReason::PrimaryExhausted
            }
        );
        let garbage = RateLimitHeaders {
            reset: Some("soon"),
            ..EXHAUSTED
        };
        assert_eq!(
            at(&resp(403, garbage), 3),
            Decision::WaitUntil {
                at: NOW + 240,
                reason: WaitReason::PrimaryExhausted
            }
        );
        assert_eq!(
            at(&resp(403, garbage), 6),
            Decision::Fail {
                reason: FailReason::GaveUp
            }
        );
    }

    #[test]
    fn secondary_limit_obeys_retry_after() {
        let h = RateLimitHeaders {
            remaining: Some("4000"),
            retry_after: Some("30"),
            ..Default::default()
        };
        let r = ResponseInfo {
            status: 403,
            headers: h,
            secondary_rate_limit: true,
        };
        assert_eq!(
            at(&r, 1),
            Decision::WaitUntil {
                at: NOW + 30,
                reason: WaitReason::SecondaryLimit
            }
        );
        // A retry-after alone marks a 403 as a rate limit.
        assert_eq!(
            at(&resp(403, h), 1),
            Decision::WaitUntil {
                at: NOW + 30,
                reason: WaitReason::SecondaryLimit
            }
        );
    }

    #[test]
    fn secondary_limit_with_remaining_zero_waits_for_the_later_of_both() {
        let r = ResponseInfo {
            status: 403,
            headers: RateLimitHeaders {
                retry_after: Some("60"),
                ..EXHAUSTED
            },
            secondary_rate_limit: true,
        };
        assert_eq!(
            at(&r, 1),
            Decision::WaitUntil {
                at: 1_700_000_900,
                reason: WaitReason::SecondaryLimit
            }
        );
        let r = ResponseInfo {
            headers: RateLimitHeaders {
                retry_after: Some("3600"),
                ..EXHAUSTED
            },
            ..r
        };
        assert_eq!(
            at(&r, 1),
            Decision::WaitUntil {
                at: NOW + 3600,
                reason: WaitReason::SecondaryLimit
            }
        );
    }

    #[test]
    fn secondary_limit_without_hints_waits_a_minute_then_doubles_then_fails() {
        let r = ResponseInfo {
            status: 403,
            headers: RateLimitHeaders {
                remaining: Some("4999"),
                ..Default::default()
            },
            secondary_rate_limit: true,
        };
        let waits: Vec<Decision> = (1..=5).map(|n| at(&r, n)).collect();
        let expected: Vec<Decision> = [60, 120, 240, 480, 960]
            .into_iter()
            .map(|s| Decision::WaitUntil {
                at: NOW + s,
                reason: WaitReason::SecondaryLimit,
            })
            .collect();
        assert_eq!(waits, expected);
        assert_eq!(
            at(&r, 6),
            Decision::Fail {
                reason: FailReason::GaveUp
            }
        );
        // A bare 429 is a rate limit too.
        assert_eq!(
            at(&resp(429, RateLimitHeaders::default()), 1),
            Decision::WaitUntil {
                at: NOW + 60,
                reason: WaitReason::SecondaryLimit
            }
        );
        // The cap holds for long policies.
        let long = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        assert_eq!(
            decide(&r, 40, NOW, &long),
            Decision::WaitUntil {
                at: NOW + 3600,
                reason: WaitReason::SecondaryLimit
            }
        );
    }

    #[test]
    fn a_plain_403_is_a_permission_error() {
        let h = RateLimitHeaders {
            remaining: Some("4999"),
            reset: Some("1700000900"),
            ..Default::default()
        };
        assert_eq!(
            at(&resp(403, h), 1),
            Decision::Fail {
                reason: FailReason::ClientError
            }
        );
    }

    #[test]
    fn other_client_errors_fail_at_once() {
        for status in [400, 401, 404, 409, 410, 422, 451] {
            assert_eq!(
                at(&resp(status, EXHAUSTED), 1),
                Decision::Fail {
                    reason: FailReason::ClientError
                },
                "{status}"
            );
        }
    }

    #[test]
    fn server_errors_retry_with_capped_backoff_then_fail() {
        for status in [500, 502, 503, 504, 408] {
            let r = resp(status, RateLimitHeaders::default());
            let afters: Vec<Decision> = (1..=5).map(|n| at(&r, n)).collect();
            let expected: Vec<Decision> = [2, 4, 8, 16, 32]
                .into_iter()
                .map(|s| Decision::Retry {
                    after: Duration::from_secs(s),
                })
                .collect();
            assert_eq!(afters, expected, "{status}");
            assert_eq!(
                at(&r, 6),
                Decision::Fail {
                    reason: FailReason::GaveUp
                }
            );
        }
        let long = RetryPolicy {
            max_attempts: 1000,
            ..RetryPolicy::default()
        };
        assert_eq!(
            decide(&resp(502, RateLimitHeaders::default()), 999, NOW, &long),
            Decision::Retry {
                after: Duration::from_secs(300)
            }
        );
        // A longer retry-after on a 503 wins.
        let h = RateLimitHeaders {
            retry_after: Some("120"),
            ..Default::default()
        };
        assert_eq!(
            at(&resp(503, h), 1),
            Decision::Retry {
                after: Duration::from_secs(120)
            }
        );
    }

    #[test]
    fn permanent_and_unexpected_statuses() {
        for status in [501, 505, 600, 0, 99] {
            assert_eq!(
                at(&resp(status, RateLimitHeaders::default()), 1),
                Decision::Fail {
                    reason: FailReason::Permanent
                },
                "{status}"
            );
        }
        for status in [100, 101, 301, 302, 307, 308] {
            assert_eq!(
                at(&resp(status, RateLimitHeaders::default()), 1),
                Decision::Fail {
                    reason: FailReason::Unexpected
                },
                "{status}"
            );
        }
    }

    #[test]
    fn attempt_zero_is_taken_as_the_first() {
        assert_eq!(
            at(&resp(502, RateLimitHeaders::default()), 0),
            Decision::Retry {
                after: Duration::from_secs(2)
            }
        );
    }

    #[test]
    fn snapshot_reads_headers_and_ignores_garbage() {
        assert_eq!(
            RateLimit::from_headers(&EXHAUSTED),
            RateLimit {
                limit: Some(5000),
                remaining: Some(0),
                used: Some(5000),
                reset_at: Some(1_700_000_900),
                resource: Some("core".into()),
            }
        );
        let junk = RateLimitHeaders {
            limit: Some("-1"),
            remaining: Some("+5"),
            used: Some("1e3"),
            reset: Some("99999999999999999999999"),
            resource: Some("co re"),
            retry_after: Some("-5"),
        };
        assert_eq!(RateLimit::from_headers(&junk), RateLimit::default());
        let spaced = RateLimitHeaders {
            remaining: Some(" 12\t"),
            resource: Some("Search"),
            ..Default::default()
        };
        let s = RateLimit::from_headers(&spaced);
        assert_eq!(s.remaining, Some(12));
        assert_eq!(s.resource.as_deref(), Some("search"));
        assert!(!s.is_exhausted());
    }

    #[test]
    fn exhausted_until() {
        let s = RateLimit::from_headers(&EXHAUSTED);
        assert_eq!(s.exhausted_until(NOW), Some(1_700_000_900));
        assert_eq!(s.exhausted_until(1_700_000_900), None);
        assert_eq!(RateLimit::default().exhausted_until(NOW), None);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120", NOW), Some(NOW + 120));
        assert_eq!(parse_retry_after(" 0 ", NOW), Some(NOW));
        // RFC 9110's three HTTP-date forms of the same instant.
        let t = 784_111_777;
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW),
            Some(t)
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", NOW),
            Some(t)
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", NOW), Some(t));
        for bad in ["", "-1", "1.5", "later", "99999999999999999999999"] {
            assert_eq!(parse_retry_after(bad, NOW), None, "{bad}");
        }
    }

    #[test]
    fn a_retry_after_in_the_past_still_waits_a_second() {
        let h = RateLimitHeaders {
            retry_after: Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            ..Default::default()
        };
        assert_eq!(
            at(&resp(429, h), 1),
            Decision::WaitUntil {
                at: NOW + 1,
                reason: WaitReason::SecondaryLimit
            }
        );
    }

    #[test]
    fn secondary_messages() {
        assert!(mentions_secondary_rate_limit(
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        ));
        assert!(mentions_secondary_rate_limit(
            "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again."
        ));
        assert!(!mentions_secondary_rate_limit(
            "Resource not accessible by integration"
        ));
        assert!(!mentions_secondary_rate_limit(
            "API rate limit exceeded for user ID 1."
        ));
    }

    proptest! {
        #[test]
        fn never_panics_and_never_waits_into_the_past(
            status in any::<u16>(),
            attempt in any::<u32>(),
            now in -1_000_000_000_000i64..1_000_000_000_000,
            remaining in proptest::option::of("[0-9a-z +-]{0,25}"),
            reset in proptest::option::of("[0-9a-z +-]{0,25}"),
            retry_after in proptest::option::of("[0-9a-zA-Z ,:-]{0,30}"),
            secondary in any::<bool>(),
        ) {
            let h = RateLimitHeaders {
                remaining: remaining.as_deref(),
                reset: reset.as_deref(),
                retry_after: retry_after.as_deref(),
                ..Default::default()
            };
            let r = ResponseInfo { status, headers: h, secondary_rate_limit: secondary };
            match decide(&r, attempt, now, &RetryPolicy::default()) {
                Decision::WaitUntil { at, .. } => prop_assert!(at > now),
                Decision::Retry { after } => prop_assert!(after <= Duration::from_secs(300) || retry_after.is_some()),
                Decision::Proceed => prop_assert!((200..300).contains(&status) || status == 304),
                Decision::Fail { .. } => {}
            }
        }
    }
}
