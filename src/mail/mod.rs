//! Mail: every message is written to the outbox inside the business unit of work and
//! sent later by a `send_mail` job, so a failed SMTP server loses nothing. A body that
//! carries a link is dropped when the link expires, and every body once delivered.

pub mod templates;

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::{DbError, Tx};
use crate::domain::ids::OutboxId;
use crate::jobs::{self, kinds::SendMail};
use crate::store::outbox;
pub use templates::Template;

/// What the templates need to know about this instance.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub instance_name: String,
    pub public_url: String,
}

/// Writes a rendered message to the outbox and queues its delivery, in the caller's
/// unit of work.
pub fn queue(
    tx: &mut Tx<'_>,
    ctx: &MailContext,
    to: &str,
    template: &Template,
    now: chrono::NaiveDateTime,
) -> Result<OutboxId, DbError> {
    let rendered = template.render(ctx);
    let id = outbox::insert(
        tx,
        &outbox::NewMessage {
            to_address: to,
            subject: &rendered.subject,
            text_body: Some(&rendered.text),
            html_body: Some(&rendered.html),
            template: template.name(),
            created_at: now,
            purge_body_at: template.link_ttl().map(|ttl| now + ttl),
            attempts: 0,
        },
    )?;
    jobs::enqueue(tx, &SendMail { outbox_id: id }, now)?;
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
    #[error("the message has no body any more (delivered, or its link expired)")]
    NoBody,
}

impl MailError {
    /// No retry can deliver this message as it is: the SMTP server answered with a
    /// permanent (5xx) failure, the address is invalid, or there is nothing to send.
    /// Connection failures, timeouts and 4xx answers are temporary.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Smtp(e) => e.is_permanent(),
            MailError::Address(_) | MailError::Build(_) | MailError::NoBody => true,
        }
    }
}

/// The configured way out: an SMTP relay, or none (mail then waits in the outbox).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

/// What [`Mailer::send`] did with a message.
pub enum Delivery {
    /// The SMTP server accepted it.
    Sent,
    /// No SMTP server is configured: the message stays in the outbox.
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

    /// Sends a message that still has its body.
    pub async fn send(&self, row: &outbox::OutboxRow) -> Result<Delivery, MailError> {
        let Some(transport) = &self.transport else {
            return Ok(Delivery::NotConfigured);
        };
        let (Some(text), Some(html)) = (&row.text_body, &row.html_body) else {
            return Err(MailError::NoBody);
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
                text.clone(),
                html.clone(),
            ))?;
        transport.send(message).await?;
        Ok(Delivery::Sent)
    }
}
