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
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Template {
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

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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
