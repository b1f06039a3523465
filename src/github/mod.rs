//! GitHub, reached through configurable base URLs so GitHub Enterprise works and tests
//! point it at a local double. Today: the OAuth web flow for signing in. Every call has
//! a connect timeout and a total deadline, so a slow GitHub never holds a request (or
//! a worker) for long.
//!
//! [`double`] is a development/test double of GitHub's REST API (tests, browser tests,
//! benchmark); nothing in the product's own paths uses it.

pub mod double;
pub mod rest;

use std::future::Future;
use std::time::Duration;

use octocrab::{Octocrab, OctocrabBuilder};
use serde::Deserialize;

/// Longest wait for a TCP/TLS connection to GitHub (never more than the call's own
/// timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default longest wait for one whole call (connect, send, read the answer); set with
/// `OPENFUND_GITHUB_TIMEOUT_SECS`.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// A client builder whose connect and read timeouts fit within `call_timeout`.
fn builder(
    call_timeout: Duration,
) -> OctocrabBuilder<
    octocrab::NoSvc,
    octocrab::DefaultOctocrabBuilderConfig,
    octocrab::NoAuth,
    octocrab::NotLayerReady,
> {
    Octocrab::builder()
        .set_connect_timeout(Some(CONNECT_TIMEOUT.min(call_timeout)))
        .set_read_timeout(Some(call_timeout))
}

/// Runs one call to GitHub within `limit`: a GitHub that accepts the connection and
/// then never answers (or trickles bytes) still ends the call.
async fn deadline<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, GithubError>>,
) -> Result<T, GithubError> {
    tokio::time::timeout(limit, call)
        .await
        .map_err(|_| GithubError::Timeout(limit))?
}

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub request failed: {0}")]
    Http(#[from] octocrab::Error),
    #[error("GitHub refused the code: {0}")]
    Denied(String),
    #[error("unexpected answer from GitHub: {0}")]
    Protocol(String),
    /// No answer within the call's timeout.
    #[error("GitHub did not answer within {0:?}")]
    Timeout(Duration),
}

/// The OAuth app this instance signs in with.
#[derive(Clone)]
pub struct GithubOAuth {
    web_url: String,
    api_url: String,
    client_id: String,
    client_secret: String,
    /// Longest wait for each call (see [`CALL_TIMEOUT`]).
    timeout: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GithubUser {
    pub id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl GithubOAuth {
    /// The OAuth app `client_id`/`client_secret` at GitHub's web and REST base URLs;
    /// each call gives up after [`CALL_TIMEOUT`].
    pub fn new(web_url: &str, api_url: &str, client_id: &str, client_secret: &str) -> Self {
        GithubOAuth {
            web_url: web_url.trim_end_matches('/').to_owned(),
            api_url: api_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            timeout: CALL_TIMEOUT,
        }
    }

    /// Each call (connect, send, read the whole answer) gives up after `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Where to send the browser to ask the user for consent.
    pub fn authorize_url(&self, state: &str, redirect_uri: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "read:user user:email")
            .append_pair("state", state)
            .append_pair("allow_signup", "true")
            .finish();
        format!("{}/login/oauth/authorize?{query}", self.web_url)
    }

    /// Trades the callback's `code` for a user access token.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, GithubError> {
        deadline(self.timeout, self.exchange_code_inner(code, redirect_uri)).await
    }

    async fn exchange_code_inner(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, GithubError> {
        let client = builder(self.timeout)
            .base_uri(self.web_url.as_str())?
            .add_header(http::header::ACCEPT, "application/json".to_owned())
            .build()?;
        let body = serde_json::json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
        });
        let res = client
            ._post(
                format!("{}/login/oauth/access_token", self.web_url),
                Some(&body),
            )
            .await?;
        let status = res.status();
        let text = client.body_to_string(res).await?;
        if !status.is_success() {
            return Err(GithubError::Protocol(format!(
                "token endpoint answered {status}"
            )));
        }
        // GitHub answers JSON when asked, form-encoded otherwise; accept both.
        let answer: TokenAnswer = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).map_err(|e| GithubError::Protocol(e.to_string()))?
        } else {
            let pairs: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(text.as_bytes())
                    .into_owned()
                    .collect();
            TokenAnswer {
                access_token: pairs.get("access_token").cloned(),
                error: pairs.get("error").cloned(),
                error_description: pairs.get("error_description").cloned(),
            }
        };
        match (answer.access_token, answer.error) {
            (Some(token), None) if !token.is_empty() => Ok(token),
            (_, Some(error)) => Err(GithubError::Denied(
                answer.error_description.unwrap_or(error),
            )),
            _ => Err(GithubError::Protocol(
                "no access_token in the answer".to_owned(),
            )),
        }
    }

    /// The user behind an access token, with a verified primary email when GitHub has one.
    pub async fn user(
        &self,
        access_token: &str,
    ) -> Result<(GithubUser, Option<String>), GithubError> {
        deadline(self.timeout, self.user_inner(access_token)).await
    }

    async fn user_inner(
        &self,
        access_token: &str,
    ) -> Result<(GithubUser, Option<String>), GithubError> {
        // Relative routes on the API base URI: octocrab sends the token only to its own
        // host, and keeps a base path such as GitHub Enterprise's `/api/v3`.
        let client = builder(self.timeout)
            .base_uri(self.api_url.as_str())?
            .personal_token(access_token.to_owned())
            .build()?;
        let user: GithubUser = client.get("/user", None::<&()>).await?;
        // A token not allowed to read addresses (403/404) simply has no verified one to
        // offer; any other failure means GitHub is unavailable, not that the address is
        // unverified.
        let emails: Vec<GithubEmail> = match client.get("/user/emails", None::<&()>).await {
            Ok(emails) => emails,
            Err(octocrab::Error::GitHub { source, .. })
                if matches!(source.status_code.as_u16(), 403 | 404) =>
            {
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        let verified = emails
            .into_iter()
            .find(|e| e.primary && e.verified)
            .map(|e| e.email);
        Ok((user, verified))
    }
}
