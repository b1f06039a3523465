//! Mail: every message is written to the outbox inside the business transaction and
//! sent later by a `send_mail` job, so a failed SMTP server loses nothing.

pub mod templates;

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::AnyConnection;
use crate::store::{jobs, outbox};
pub use templates::Template;

/// What the templates need to know about this instance.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub instance_name: String,
    pub public_url: String,
}

/// Writes a rendered message to the outbox and enqueues its delivery, on the caller's
/// connection (and so inside the caller's transaction).
pub fn queue(
    conn: &mut AnyConnection,
    ctx: &MailContext,
    to: &str,
    template: &Template,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<i64> {
    let rendered = template.render(ctx);
    let id = outbox::insert(conn, to, &rendered, now)?;
    jobs::enqueue(conn, &jobs::JobSpec::send_mail(id), now)?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// The configured way out: an SMTP relay, or none (mail then waits in the outbox).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

pub enum Delivery {
    Sent,
    NotConfigured,
}

impl Mailer {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS), `smtps://host:465`
    /// (implicit TLS); credentials as `smtp://user:pass@host`.
    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("OPENFUND_MAIL_FROM: {e}"))?;
        let transport = match smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("OPENFUND_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
        };
        Ok(Mailer { transport, from })
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    pub async fn send(&self, row: &outbox::OutboxRow) -> Result<Delivery, MailError> {
        let Some(transport) = &self.transport else {
            return Ok(Delivery::NotConfigured);
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(row.to_address.parse()?)
            .subject(row.subject.clone())
            .message_id(Some(format!(
                "<outbox-{}-{}@openfund>",
                row.id,
                row.created_at.and_utc().timestamp()
            )))
            .multipart(MultiPart::alternative_plain_html(
                row.text_body.clone(),
                row.html_body.clone(),
            ))?;
        transport.send(message).await?;
        Ok(Delivery::Sent)
    }
}
