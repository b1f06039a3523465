//! The messages OpenFund sends, as text and HTML, each with the instance's footer.

use super::MailContext;

pub enum Template {
    VerifyEmail {
        name: String,
        token: String,
    },
    ChangeEmail {
        name: String,
        token: String,
    },
    ResetPassword {
        name: String,
        token: String,
    },
    /// Someone tried to register with an address that already has an account.
    AccountExists {
        name: String,
    },
    /// Someone signed in elsewhere tried to move their account to this address, which
    /// already has an account.
    AddressInUse {
        name: String,
    },
    /// Sent to the old address once an account moved to a new one.
    EmailChanged {
        name: String,
        new_email: String,
    },
    /// A funding event (a pledge made or received, an instalment due, a delivery, a goal
    /// met): composed by `app::notify`, which owns the wording of each event.
    Notice(Notice),
}

/// A notification about funding: greeting, paragraphs and an optional link, under a
/// stable template name such as `pledge_received`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Stable name kept with the message in the outbox (`[a-z_]+`).
    pub template: &'static str,
    pub name: String,
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// A button: label and absolute URL.
    pub action: Option<(String, String)>,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Template {
    /// Stable name kept with the message in the outbox.
    pub fn name(&self) -> &'static str {
        match self {
            Template::VerifyEmail { .. } => "verify_email",
            Template::ChangeEmail { .. } => "change_email",
            Template::ResetPassword { .. } => "reset_password",
            Template::AccountExists { .. } => "account_exists",
            Template::AddressInUse { .. } => "address_in_use",
            Template::EmailChanged { .. } => "email_changed",
            Template::Notice(notice) => notice.template,
        }
    }

    /// How long the message's link works, for messages that carry one: the body is
    /// dropped from the outbox after that, delivered or not.
    pub fn link_ttl(&self) -> Option<chrono::Duration> {
        use crate::domain::auth::{CHANGE_EMAIL_TTL, RESET_TTL, VERIFY_TTL};
        match self {
            Template::VerifyEmail { .. } => Some(VERIFY_TTL),
            Template::ChangeEmail { .. } => Some(CHANGE_EMAIL_TTL),
            Template::ResetPassword { .. } => Some(RESET_TTL),
            Template::AccountExists { .. }
            | Template::AddressInUse { .. }
            | Template::EmailChanged { .. }
            | Template::Notice(_) => None,
        }
    }

    pub fn render(&self, ctx: &MailContext) -> Rendered {
        let base = ctx.public_url.trim_end_matches('/');
        let (subject, greeting_name, paragraphs, action) = match self {
            Template::VerifyEmail { name, token } => (
                format!("Confirm your email for {}", ctx.instance_name),
                name,
                vec!["Welcome! Please confirm this address to finish setting up your account. The link works once and expires in 24 hours.".to_owned()],
                Some(("Confirm email", format!("{base}/verify-email?token={token}"))),
            ),
            Template::ChangeEmail { name, token } => (
                format!("Confirm your new email for {}", ctx.instance_name),
                name,
                vec!["You asked to move your account to this address. Confirm it with the link below; it works once and expires in 24 hours.".to_owned()],
                Some(("Confirm new email", format!("{base}/verify-email?token={token}"))),
            ),
            Template::ResetPassword { name, token } => (
                format!("Reset your {} password", ctx.instance_name),
                name,
                vec![
                    "Someone (hopefully you) asked to reset your password. The link works once and expires in 1 hour.".to_owned(),
                    "If it was not you, ignore this message: your password stays as it is.".to_owned(),
                ],
                Some(("Choose a new password", format!("{base}/reset-password?token={token}"))),
            ),
            Template::AccountExists { name } => (
                format!("Sign-up attempt on {}", ctx.instance_name),
                name,
                vec![
                    "Someone tried to create an account with this address, which already has one.".to_owned(),
                    format!("If it was you, log in at {base}/login or reset your password at {base}/forgot-password."),
                ],
                None,
            ),
            Template::AddressInUse { name } => (
                format!("Someone tried to use your address on {}", ctx.instance_name),
                name,
                vec![
                    "Someone signed in to another account tried to move it to this address, which already belongs to your account. Nothing was changed.".to_owned(),
                    format!("If it was you, sign in to this account at {base}/login instead."),
                ],
                None,
            ),
            Template::EmailChanged { name, new_email } => (
                format!("Your {} email address was changed", ctx.instance_name),
                name,
                vec![
                    format!("Your account now uses the address {new_email}; this address no longer signs in, and other sessions were signed out."),
                    format!("If you did not make this change, reset your password at {base}/forgot-password with your new address, or contact the site's operator."),
                ],
                None,
            ),
            Template::Notice(notice) => (
                notice.subject.clone(),
                &notice.name,
                notice.paragraphs.clone(),
                notice
                    .action
                    .as_ref()
                    .map(|(label, url)| (label.as_str(), url.clone())),
            ),
        };

        let footer = format!("— {} · {}", ctx.instance_name, base);
        let mut text = format!("Hello {greeting_name},\n\n");
        for p in &paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
        }
        if let Some((label, url)) = &action {
            text.push_str(&format!("{label}: {url}\n\n"));
        }
        text.push_str(&footer);
        text.push('\n');

        let mut html = format!(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1b1b2f\">\
             <p>Hello {},</p>",
            escape(greeting_name)
        );
        for p in &paragraphs {
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if let Some((label, url)) = &action {
            html.push_str(&format!(
                "<p><a href=\"{0}\" style=\"background:#3b2fc9;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{1}</a></p>\
                 <p style=\"font-size:13px;color:#555\">Or paste this address into your browser: {0}</p>",
                escape(url),
                escape(label)
            ));
        }
        html.push_str(&format!(
            "<hr style=\"border:none;border-top:1px solid #ddd\"><p style=\"font-size:12px;color:#777\">{}</p></body></html>",
            escape(&footer)
        ));
        Rendered {
            subject,
            text,
            html,
        }
    }
}

/// Escapes text for an HTML element or a double-quoted attribute.
fn escape(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MailContext {
        MailContext {
            instance_name: "OpenFund Test".into(),
            public_url: "http://of.test/".into(),
        }
    }

    #[test]
    fn verification_mail_carries_the_link_and_footer() {
        let r = Template::VerifyEmail {
            name: "Ada".into(),
            token: "abc".into(),
        }
        .render(&ctx());
        assert!(r.text.contains("http://of.test/verify-email?token=abc"));
        assert!(r.text.contains("— OpenFund Test"));
        assert!(
            r.html
                .contains("href=\"http://of.test/verify-email?token=abc\"")
        );
        assert!(r.subject.contains("OpenFund Test"));
    }

    #[test]
    fn html_escapes_user_supplied_names() {
        let r = Template::AccountExists {
            name: "<script>x</script>".into(),
        }
        .render(&ctx());
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;"));
    }
}
