//! Webhook deliveries: which events are handled, what a delivery's headers must look
//! like, and the little of the payload the intake reads (which repository it is about,
//! and the action).
//!
//! Sources: GitHub Docs, "Webhook events and payloads"
//! (<https://docs.github.com/en/webhooks/webhook-events-and-payloads>): every delivery
//! carries `X-GitHub-Event` (the event's name) and `X-GitHub-Delivery` (a GUID that a
//! redelivery repeats); a repository webhook's payload has a `repository` object with
//! `id` and `full_name`; most events have an `action`, `push` has none. "Handling webhook
//! deliveries" asks for a 2XX within 10 seconds, so the payload is stored and processed
//! later.
//!
//! Decisions:
//! - Handled events and actions ([`classify`]): `push`; `pull_request` opened, closed
//!   (merged or not) and reopened; `pull_request_review` submitted; `issues` opened;
//!   `issue_comment` created; `release` published or released (a pre-release made a
//!   release; the same release id, so it credits once). These are the ones that can credit
//!   someone (see [`super::kinds`]). Edits, deletions, labels, assignments and every
//!   other event are [`Disposition::Ignored`]: answered 202 and not stored, since
//!   nothing would process them. `ping` is [`Disposition::Ping`].
//! - `X-GitHub-Delivery` is 1–100 characters of ASCII letters, digits and `-` (GitHub
//!   sends a UUID; the limit is the column's). `X-GitHub-Event` is 1–100 characters of
//!   ASCII lower-case letters, digits and `_` (every event name GitHub documents).

use serde::Deserialize;

/// The header naming the event.
pub const EVENT_HEADER: &str = "X-GitHub-Event";
/// The header carrying the delivery's GUID (the same on a redelivery).
pub const DELIVERY_HEADER: &str = "X-GitHub-Delivery";
/// Longest delivery id or event name accepted (the columns' limit).
pub const MAX_HEADER_LEN: usize = 100;

/// What the intake does with a delivery of some event and action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// GitHub's `ping`, sent when a webhook is created: answered, nothing stored.
    Ping,
    /// Can credit someone: stored and processed by a job.
    Handled,
    /// Nothing to credit: answered 202 and dropped.
    Ignored,
}

/// How `event` with `action` (absent for `push`) is dealt with; see the module's
/// decisions.
pub fn classify(event: &str, action: Option<&str>) -> Disposition {
    let handled = match event {
        "ping" => return Disposition::Ping,
        "push" => true,
        "pull_request" => matches!(action, Some("opened" | "closed" | "reopened")),
        "pull_request_review" => action == Some("submitted"),
        "issues" => action == Some("opened"),
        "issue_comment" => action == Some("created"),
        "release" => matches!(action, Some("published" | "released")),
        _ => false,
    };
    if handled {
        Disposition::Handled
    } else {
        Disposition::Ignored
    }
}

/// Why a delivery's headers were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("the X-GitHub-Delivery header is missing")]
    MissingDelivery,
    #[error("the X-GitHub-Delivery header must be 1 to 100 ASCII letters, digits or hyphens")]
    InvalidDelivery,
    #[error("the X-GitHub-Event header is missing")]
    MissingEvent,
    #[error(
        "the X-GitHub-Event header must be 1 to 100 lower-case ASCII letters, digits or underscores"
    )]
    InvalidEvent,
}

/// Checks an `X-GitHub-Delivery` value (`None` when absent).
pub fn delivery_id(value: Option<&str>) -> Result<&str, HeaderError> {
    let v = value.ok_or(HeaderError::MissingDelivery)?;
    let ok = (1..=MAX_HEADER_LEN).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(v)
    } else {
        Err(HeaderError::InvalidDelivery)
    }
}

/// Checks an `X-GitHub-Event` value (`None` when absent).
pub fn event_name(value: Option<&str>) -> Result<&str, HeaderError> {
    let v = value.ok_or(HeaderError::MissingEvent)?;
    let ok = (1..=MAX_HEADER_LEN).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(v)
    } else {
        Err(HeaderError::InvalidEvent)
    }
}

/// What the intake reads from a payload: the repository it is about and the action.
/// Every other member is left for the processing job (`null`s, the `ghost` user,
/// organisation and bot senders do not matter here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `repository.id`, GitHub's id of the repository.
    pub repository_id: Option<i64>,
    /// `repository.full_name` (`owner/name`).
    pub full_name: Option<String>,
    /// `action`, when the event has one and it is a string.
    pub action: Option<String>,
}

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not UTF-8 JSON, or not a JSON object.
    #[error("the body is not a JSON object: {0}")]
    NotJson(String),
    /// A JSON object without a `repository` object naming an `id` or a `full_name`
    /// (an organisation or app webhook, or not GitHub at all).
    #[error("the payload has no repository object with an id or full_name")]
    NoRepository,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    repository: Option<serde_json::Value>,
    #[serde(default)]
    action: Option<serde_json::Value>,
}

/// Reads the [`Envelope`] of a payload (the raw body bytes). Lenient about everything
/// but the `repository`: a non-string `action` counts as absent, a non-integer `id` or
/// non-string `full_name` as absent.
pub fn envelope(body: &[u8]) -> Result<Envelope, EnvelopeError> {
    let raw: RawEnvelope =
        serde_json::from_slice(body).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
    // serde also reads a struct from a JSON array (`[repository, action]`): only an
    // object is a payload.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(EnvelopeError::NotJson("not a JSON object".into()));
    }
    let repo = raw.repository.ok_or(EnvelopeError::NoRepository)?;
    let repository_id = repo.get("id").and_then(serde_json::Value::as_i64);
    let full_name = repo
        .get("full_name")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    if repository_id.is_none() && full_name.is_none() {
        return Err(EnvelopeError::NoRepository);
    }
    Ok(Envelope {
        repository_id,
        full_name,
        action: raw
            .action
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handled_events_and_actions() {
        assert_eq!(classify("ping", None), Disposition::Ping);
        assert_eq!(classify("push", None), Disposition::Handled);
        for a in ["opened", "closed", "reopened"] {
            assert_eq!(classify("pull_request", Some(a)), Disposition::Handled);
        }
        assert_eq!(
            classify("pull_request", Some("labeled")),
            Disposition::Ignored
        );
        assert_eq!(
            classify("pull_request_review", Some("submitted")),
            Disposition::Handled
        );
        assert_eq!(
            classify("pull_request_review", Some("dismissed")),
            Disposition::Ignored
        );
        assert_eq!(classify("issues", Some("opened")), Disposition::Handled);
        assert_eq!(classify("issues", Some("closed")), Disposition::Ignored);
        assert_eq!(
            classify("issue_comment", Some("created")),
            Disposition::Handled
        );
        assert_eq!(
            classify("issue_comment", Some("deleted")),
            Disposition::Ignored
        );
        assert_eq!(classify("release", Some("published")), Disposition::Handled);
        assert_eq!(classify("release", Some("released")), Disposition::Handled);
        assert_eq!(classify("release", Some("created")), Disposition::Ignored);
        assert_eq!(classify("issues", None), Disposition::Ignored);
        assert_eq!(classify("star", Some("created")), Disposition::Ignored);
        assert_eq!(classify("workflow_run", None), Disposition::Ignored);
    }

    #[test]
    fn delivery_ids() {
        let guid = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
        assert_eq!(delivery_id(Some(guid)), Ok(guid));
        assert_eq!(delivery_id(None), Err(HeaderError::MissingDelivery));
        for bad in ["", " x", "a/b", "é", &"a".repeat(101)] {
            assert_eq!(
                delivery_id(Some(bad)),
                Err(HeaderError::InvalidDelivery),
                "{bad:?}"
            );
        }
        assert!(delivery_id(Some(&"a".repeat(100))).is_ok());
    }

    #[test]
    fn event_names() {
        assert_eq!(
            event_name(Some("pull_request_review")),
            Ok("pull_request_review")
        );
        assert_eq!(event_name(None), Err(HeaderError::MissingEvent));
        for bad in ["", "Push", "push ", "a-b", &"a".repeat(101)] {
            assert_eq!(
                event_name(Some(bad)),
                Err(HeaderError::InvalidEvent),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn envelopes() {
        let e = envelope(
            br#"{"action":"opened","repository":{"id":7,"full_name":"o/r","owner":null},"sender":null}"#,
        )
        .unwrap();
        assert_eq!(
            e,
            Envelope {
                repository_id: Some(7),
                full_name: Some("o/r".into()),
                action: Some("opened".into())
            }
        );
        let push = envelope(br#"{"ref":"refs/heads/main","repository":{"id":7}}"#).unwrap();
        assert_eq!(push.action, None);
        assert_eq!(push.full_name, None);
        // A non-string action counts as none.
        assert_eq!(
            envelope(br#"{"action":5,"repository":{"full_name":"o/r"}}"#)
                .unwrap()
                .action,
            None
        );
        for bad in [&b"Hello, World!"[..], b"[1]", b"\"x\"", b"", b"{", b"\xff"] {
            assert!(
                matches!(envelope(bad), Err(EnvelopeError::NotJson(_))),
                "{bad:?}"
            );
        }
        for none in [
            &br#"{}"#[..],
            br#"{"repository":null}"#,
            br#"{"repository":{}}"#,
            br#"{"repository":{"id":"7","full_name":1}}"#,
            br#"{"repository":[1]}"#,
        ] {
            assert_eq!(envelope(none), Err(EnvelopeError::NoRepository), "{none:?}");
        }
    }
}
