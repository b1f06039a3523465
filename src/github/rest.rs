//! The client the activity sync reaches GitHub with: REST `GET`s of absolute URLs (the
//! first page built from `OPENFUND_GITHUB_API_URL`, the next ones taken verbatim from
//! `Link` headers after a same-origin check), conditional requests with a stored
//! `ETag`, GitHub's rate-limit headers read on every answer, and one GraphQL query
//! (reviews). Through octocrab's lower-level calls (`build_request` + `execute`) with
//! headers of our own, so `If-None-Match` and the `Authorization` header are ours to set.
//!
//! What to do after each answer is [`crate::domain::github::ratelimit::decide`]'s
//! call: a wait of at most [`SyncClientSettings::max_inline_wait`] is slept here (the
//! sleep is async: no thread is held), a longer one is handed back as
//! [`FetchError::Wait`] so the caller can save its place and come back at the reset.
//!
//! Authentication ([`Credentials`]): a token (`OPENFUND_GITHUB_TOKEN`), a GitHub App
//! (`OPENFUND_GITHUB_APP_ID` + `OPENFUND_GITHUB_APP_PRIVATE_KEY_FILE`: an RS256 JWT,
//! exchanged per repository at `GET /repos/{o}/{r}/installation` and
//! `POST /app/installations/{id}/access_tokens` for an installation token, cached
//! until five minutes before it expires), or none (60 requests an hour per IP address).
//! The `Authorization` header goes only to the configured API origin.

use std::collections::HashMap;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, HeaderName, HeaderValue, IF_NONE_MATCH, USER_AGENT};
use http::{HeaderMap, Method};
use octocrab::Octocrab;
use serde::Deserialize;

use crate::domain::github::link;
use crate::domain::github::ratelimit::{
    self, Decision, FailReason, RateLimit, RateLimitHeaders, ResponseInfo, RetryPolicy, WaitReason,
};
use crate::domain::repository::RepoFullName;

/// How this instance authenticates to GitHub (shown with the repositories' status).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// `OPENFUND_GITHUB_TOKEN`: a personal or fine-grained token (5,000 requests an hour).
    Token,
    /// A GitHub App's installation tokens (5,000 an hour or more per installation).
    App,
    /// No credentials: 60 requests an hour per IP address, and no reviews (GitHub's
    /// GraphQL API needs a token).
    Unauthenticated,
}

impl AuthMode {
    /// The mode a configuration selects (what [`crate::startup::build_syncer`] builds).
    pub fn of_config(config: &crate::config::Config) -> AuthMode {
        match (
            &config.github_token,
            config.github_app_id,
            &config.github_app_private_key_file,
        ) {
            (_, Some(_), Some(_)) => AuthMode::App,
            (Some(_), _, _) => AuthMode::Token,
            _ => AuthMode::Unauthenticated,
        }
    }

    /// A sentence for the status page.
    pub fn note(self) -> &'static str {
        match self {
            AuthMode::Token => "Syncing with a GitHub token: 5,000 requests an hour.",
            AuthMode::App => {
                "Syncing as a GitHub App installation: 5,000 requests an hour or more per installation."
            }
            AuthMode::Unauthenticated => {
                "Syncing without GitHub credentials: 60 requests an hour, and pull-request reviews are skipped. Set OPENFUND_GITHUB_TOKEN or a GitHub App."
            }
        }
    }
}

/// The credentials requests are made with.
pub enum Credentials {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer {token}`.
    Token(String),
    /// A GitHub App: its id and RS256 private key.
    App {
        app_id: i64,
        key: Box<jsonwebtoken::EncodingKey>,
    },
}

impl Credentials {
    /// A GitHub App from its id and the PEM private key GitHub issued (PKCS#1 or #8).
    pub fn app(app_id: i64, pem: &[u8]) -> Result<Credentials, jsonwebtoken::errors::Error> {
        Ok(Credentials::App {
            app_id,
            key: Box::new(jsonwebtoken::EncodingKey::from_rsa_pem(pem)?),
        })
    }

    fn mode(&self) -> AuthMode {
        match self {
            Credentials::None => AuthMode::Unauthenticated,
            Credentials::Token(_) => AuthMode::Token,
            Credentials::App { .. } => AuthMode::App,
        }
    }
}

/// Pacing of the client.
#[derive(Debug, Clone, Copy)]
pub struct SyncClientSettings {
    /// Longest wait for one request (connect, send, read the answer).
    pub timeout: Duration,
    /// Retries of server errors and secondary limits.
    pub retry: RetryPolicy,
    /// Waits up to this long are slept in place; longer ones end the call with
    /// [`FetchError::Wait`].
    pub max_inline_wait: Duration,
}

impl Default for SyncClientSettings {
    fn default() -> Self {
        SyncClientSettings {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_inline_wait: Duration::from_secs(30),
        }
    }
}

/// One answer used (`200` or `304`).
#[derive(Debug, Clone)]
pub struct Fetched {
    /// 200, or 304 Not Modified (then `body` is empty).
    pub status: u16,
    pub body: String,
    /// The `ETag` of a 200.
    pub etag: Option<String>,
    /// `Link: rel="next"`, exactly as given.
    pub next: Option<String>,
    /// The rate-limit headers of the last answer.
    pub rate: RateLimit,
    /// Requests sent for this call, retries included.
    pub requests: i64,
}

impl Fetched {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Why a call ended without an answer to use.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// A rate limit (or a retry) longer than the inline wait: send nothing before
    /// `until` (UTC epoch seconds).
    #[error("GitHub asks to wait until {until} ({reason:?})")]
    Wait {
        until: i64,
        reason: WaitKind,
        rate: RateLimit,
        requests: i64,
    },
    /// The request cannot succeed as it is (4xx, retries used up, a bad answer).
    #[error("{message}")]
    Failed {
        status: Option<u16>,
        message: String,
        rate: RateLimit,
        requests: i64,
    },
}

impl FetchError {
    /// Requests the failed call spent.
    pub fn requests(&self) -> i64 {
        match self {
            FetchError::Wait { requests, .. } | FetchError::Failed { requests, .. } => *requests,
        }
    }

    /// The rate limit last seen.
    pub fn rate(&self) -> &RateLimit {
        match self {
            FetchError::Wait { rate, .. } | FetchError::Failed { rate, .. } => rate,
        }
    }

    fn failed(message: impl Into<String>, requests: i64) -> FetchError {
        FetchError::Failed {
            status: None,
            message: message.into(),
            rate: RateLimit::default(),
            requests,
        }
    }
}

/// Why a [`FetchError::Wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    PrimaryLimit,
    SecondaryLimit,
    ServerError,
}

#[derive(Debug, Clone)]
struct InstallationToken {
    token: String,
    /// UTC epoch seconds.
    expires_at: i64,
}

/// An installation token is renewed this long before it expires.
const TOKEN_MARGIN_SECS: i64 = 300;

/// The sync's GitHub client. Cheap to share behind an `Arc`.
pub struct GithubApi {
    base: String,
    graphql_url: String,
    client: Octocrab,
    credentials: Credentials,
    settings: SyncClientSettings,
    /// Installation per repository (lower-case `owner/name`) and tokens per installation.
    installations: tokio::sync::Mutex<(HashMap<String, i64>, HashMap<i64, InstallationToken>)>,
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// GitHub's error `message`, if the body is GitHub's error JSON.
fn error_message(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct GithubErrorBody {
        message: Option<String>,
    }
    serde_json::from_str::<GithubErrorBody>(body)
        .ok()
        .and_then(|b| b.message)
}

/// The GraphQL endpoint of a REST base: `https://api.github.com/graphql`, GitHub
/// Enterprise Server's `https://host/api/graphql` for `https://host/api/v3`.
pub fn graphql_url(api_base: &str) -> String {
    let base = api_base.trim_end_matches('/');
    match base.strip_suffix("/v3") {
        Some(api) if api.ends_with("/api") => format!("{api}/graphql"),
        _ => format!("{base}/graphql"),
    }
}

impl GithubApi {
    /// A client for the API at `api_base` (e.g. `https://api.github.com`, GitHub
    /// Enterprise Server's `https://host/api/v3`, or a local double).
    pub fn new(
        api_base: &str,
        credentials: Credentials,
        settings: SyncClientSettings,
    ) -> Result<GithubApi, octocrab::Error> {
        let base = api_base.trim_end_matches('/').to_owned();
        let client = Octocrab::builder()
            .set_connect_timeout(Some(super::CONNECT_TIMEOUT.min(settings.timeout)))
            .set_read_timeout(Some(settings.timeout))
            .base_uri(base.as_str())?
            .build()?;
        Ok(GithubApi {
            graphql_url: graphql_url(&base),
            base,
            client,
            credentials,
            settings,
            installations: tokio::sync::Mutex::new((HashMap::new(), HashMap::new())),
        })
    }

    /// How requests are authenticated.
    pub fn auth_mode(&self) -> AuthMode {
        self.credentials.mode()
    }

    /// The API base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `{base}{path_and_query}` (`path_and_query` starts with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// One raw exchange: no decision, no retry.
    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, HeaderMap, String), String> {
        let mut builder = http::Request::builder().method(method).uri(url);
        for (k, v) in headers.iter() {
            builder = builder.header(k, v);
        }
        let call = async {
            let request = self
                .client
                .build_request(builder, body)
                .map_err(|e| e.to_string())?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = self
                .client
                .body_to_string(response)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((status, headers, text))
        };
        match tokio::time::timeout(self.settings.timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "GitHub did not answer within {:?}",
                self.settings.timeout
            )),
        }
    }

    fn base_headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        h.insert(
            HeaderName::from_static("x-github-api-version"),
            HeaderValue::from_static("2022-11-28"),
        );
        h.insert(USER_AGENT, HeaderValue::from_static("openfund-sync"));
        h
    }

    /// The `Authorization` value for requests about `repo`, if any.
    async fn authorization(&self, repo: &RepoFullName) -> Result<Option<String>, FetchError> {
        match &self.credentials {
            Credentials::None => Ok(None),
            Credentials::Token(t) => Ok(Some(format!("Bearer {t}"))),
            Credentials::App { app_id, key } => {
                let token = self.installation_token(repo, *app_id, key).await?;
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    /// The App's JWT (RS256; `iat` a minute back for clock drift, `exp` nine minutes
    /// ahead: GitHub refuses more than ten).
    fn app_jwt(app_id: i64, key: &jsonwebtoken::EncodingKey) -> Result<String, FetchError> {
        #[derive(serde::Serialize)]
        struct Claims {
            iat: i64,
            exp: i64,
            iss: String,
        }
        let now = now_secs();
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &Claims {
                iat: now - 60,
                exp: now + 540,
                iss: app_id.to_string(),
            },
            key,
        )
        .map_err(|e| FetchError::failed(format!("signing the GitHub App JWT: {e}"), 0))
    }

    async fn installation_token(
        &self,
        repo: &RepoFullName,
        app_id: i64,
        key: &jsonwebtoken::EncodingKey,
    ) -> Result<String, FetchError> {
        let mut cache = self.installations.lock().await;
        let now = now_secs();
        let repo_key = repo.key();
        if let Some(t) = cache
            .0
            .get(&repo_key)
            .and_then(|id| cache.1.get(id))
            .filter(|t| t.expires_at - TOKEN_MARGIN_SECS > now)
        {
            return Ok(t.token.clone());
        }
        let jwt = Self::app_jwt(app_id, key)?;
        let mut headers = self.base_headers();
        let bearer = HeaderValue::from_str(&format!("Bearer {jwt}"))
            .map_err(|e| FetchError::failed(e.to_string(), 0))?;
        headers.insert(AUTHORIZATION, bearer);
        let installation = match cache.0.get(&repo_key) {
            Some(&id) => id,
            None => {
                #[derive(Deserialize)]
                struct Installation {
                    id: i64,
                }
                let url = self.url(&format!(
                    "/repos/{}/{}/installation",
                    repo.owner(),
                    repo.name()
                ));
                let (status, _, body) = self
                    .send(Method::GET, &url, headers.clone(), None)
                    .await
                    .map_err(|e| FetchError::failed(e, 1))?;
                if status != 200 {
                    return Err(FetchError::Failed {
                        status: Some(status),
                        message: format!(
                            "the GitHub App is not installed on {repo} (GitHub answered {status}: {})",
                            error_message(&body).unwrap_or_default()
                        ),
                        rate: RateLimit::default(),
                        requests: 1,
                    });
                }
                let found: Installation = serde_json::from_str(&body).map_err(|e| {
                    FetchError::failed(format!("unreadable installation answer: {e}"), 1)
                })?;
                cache.0.insert(repo_key.clone(), found.id);
                found.id
            }
        };
        if let Some(t) = cache
            .1
            .get(&installation)
            .filter(|t| t.expires_at - TOKEN_MARGIN_SECS > now)
        {
            return Ok(t.token.clone());
        }
        #[derive(Deserialize)]
        struct AccessToken {
            token: String,
            expires_at: chrono::DateTime<chrono::Utc>,
        }
        let url = self.url(&format!("/app/installations/{installation}/access_tokens"));
        let (status, _, body) = self
            .send(
                Method::POST,
                &url,
                headers,
                Some(&serde_json::Value::Object(Default::default())),
            )
            .await
            .map_err(|e| FetchError::failed(e, 1))?;
        if status != 201 && status != 200 {
            return Err(FetchError::Failed {
                status: Some(status),
                message: format!(
                    "GitHub refused an installation token ({status}: {})",
                    error_message(&body).unwrap_or_default()
                ),
                rate: RateLimit::default(),
                requests: 1,
            });
        }
        let issued: AccessToken = serde_json::from_str(&body)
            .map_err(|e| FetchError::failed(format!("unreadable installation token: {e}"), 1))?;
        cache.1.insert(
            installation,
            InstallationToken {
                token: issued.token.clone(),
                expires_at: issued.expires_at.timestamp(),
            },
        );
        Ok(issued.token)
    }

    /// Forgets `repo`'s installation token (GitHub said 401: revoked or expired early).
    async fn forget_token(&self, repo: &RepoFullName) {
        let mut cache = self.installations.lock().await;
        if let Some(id) = cache.0.remove(&repo.key()) {
            cache.1.remove(&id);
        }
    }

    /// `GET url` (absolute, on the API's origin) about `repo`, conditional on `etag`
    /// when given; retried and paced as the module says.
    pub async fn get(
        &self,
        url: &str,
        etag: Option<&str>,
        repo: &RepoFullName,
    ) -> Result<Fetched, FetchError> {
        self.call(Method::GET, url, etag, None, repo).await
    }

    /// `POST /graphql` with `query` and `variables` about `repo`; the answer's `data`
    /// (GraphQL `errors` make a [`FetchError::Failed`]).
    pub async fn graphql(
        &self,
        query: &str,
        variables: serde_json::Value,
        repo: &RepoFullName,
    ) -> Result<(serde_json::Value, Fetched), FetchError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let url = self.graphql_url.clone();
        let fetched = self
            .call(Method::POST, &url, None, Some(&body), repo)
            .await?;
        let mut answer: serde_json::Value = serde_json::from_str(&fetched.body).map_err(|e| {
            FetchError::failed(format!("unreadable GraphQL answer: {e}"), fetched.requests)
        })?;
        if let Some(errors) = answer.get("errors").filter(|e| !e.is_null()) {
            return Err(FetchError::Failed {
                status: Some(fetched.status),
                message: format!("GitHub GraphQL errors: {errors}"),
                rate: fetched.rate.clone(),
                requests: fetched.requests,
            });
        }
        Ok((answer["data"].take(), fetched))
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        etag: Option<&str>,
        body: Option<&serde_json::Value>,
        repo: &RepoFullName,
    ) -> Result<Fetched, FetchError> {
        if !link::is_same_origin(url, &self.base) {
            return Err(FetchError::failed(
                format!(
                    "refusing to follow {url}: not on the API's origin {}",
                    self.base
                ),
                0,
            ));
        }
        let policy = self.settings.retry;
        let mut requests = 0i64;
        let mut attempt = 0u32;
        let mut reauthorised = false;
        let mut rate = RateLimit::default();
        loop {
            attempt += 1;
            let mut headers = self.base_headers();
            if let Some(auth) = self.authorization(repo).await.map_err(|e| match e {
                FetchError::Failed {
                    status,
                    message,
                    rate,
                    requests: r,
                } => FetchError::Failed {
                    status,
                    message,
                    rate,
                    requests: requests + r,
                },
                other => other,
            })? {
                let mut v = HeaderValue::from_str(&auth)
                    .map_err(|e| FetchError::failed(e.to_string(), requests))?;
                v.set_sensitive(true);
                headers.insert(AUTHORIZATION, v);
            }
            if let Some(tag) = etag
                && let Ok(v) = HeaderValue::from_str(tag)
            {
                headers.insert(IF_NONE_MATCH, v);
            }
            requests += 1;
            let (status, head, text) = match self.send(method.clone(), url, headers, body).await {
                Ok(answer) => answer,
                Err(transport) => {
                    // No answer: like a 5xx, retried with backoff.
                    if attempt >= policy.max_attempts {
                        return Err(FetchError::Failed {
                            status: None,
                            message: format!("GitHub unreachable: {transport}"),
                            rate,
                            requests,
                        });
                    }
                    let wait = policy
                        .server_error_base
                        .saturating_mul(1 << (attempt - 1).min(16))
                        .min(policy.server_error_cap);
                    self.pause(wait, WaitKind::ServerError, &rate, requests)
                        .await?;
                    continue;
                }
            };
            let h = RateLimitHeaders {
                limit: header(&head, "x-ratelimit-limit"),
                remaining: header(&head, "x-ratelimit-remaining"),
                used: header(&head, "x-ratelimit-used"),
                reset: header(&head, "x-ratelimit-reset"),
                resource: header(&head, "x-ratelimit-resource"),
                retry_after: header(&head, "retry-after"),
            };
            let seen = RateLimit::from_headers(&h);
            if seen.remaining.is_some() {
                rate = seen;
            }
            let secondary = matches!(status, 403 | 429)
                && error_message(&text)
                    .is_some_and(|m| ratelimit::mentions_secondary_rate_limit(&m));
            if status == 401 && !reauthorised && matches!(self.credentials, Credentials::App { .. })
            {
                // An installation token revoked or expired early: get a new one, once.
                reauthorised = true;
                self.forget_token(repo).await;
                continue;
            }
            let info = ResponseInfo {
                status,
                headers: h,
                secondary_rate_limit: secondary,
            };
            match ratelimit::decide(&info, attempt, now_secs(), &policy) {
                Decision::Proceed => {
                    let next = match header(&head, "link") {
                        None => None,
                        Some(l) => {
                            link::try_parse(l)
                                .map_err(|e| FetchError::Failed {
                                    status: Some(status),
                                    message: format!("GitHub sent a malformed Link header: {e}"),
                                    rate: rate.clone(),
                                    requests,
                                })?
                                .next
                        }
                    };
                    return Ok(Fetched {
                        status,
                        body: if status == 304 { String::new() } else { text },
                        etag: header(&head, "etag").map(str::to_owned),
                        next,
                        rate,
                        requests,
                    });
                }
                Decision::WaitUntil { at, reason } => {
                    let kind = match reason {
                        WaitReason::PrimaryExhausted => WaitKind::PrimaryLimit,
                        WaitReason::SecondaryLimit => WaitKind::SecondaryLimit,
                    };
                    let wait = Duration::from_secs(u64::try_from(at - now_secs()).unwrap_or(0));
                    self.pause(wait, kind, &rate, requests).await?;
                }
                Decision::Retry { after } => {
                    self.pause(after, WaitKind::ServerError, &rate, requests)
                        .await?;
                }
                Decision::Fail { reason } => {
                    let what = match reason {
                        FailReason::GaveUp => "gave up after retries",
                        FailReason::ClientError => "refused",
                        FailReason::Permanent | FailReason::Unexpected => "unexpected answer",
                    };
                    return Err(FetchError::Failed {
                        status: Some(status),
                        message: format!(
                            "GitHub {what}: {status} {} for {}",
                            error_message(&text).unwrap_or_default(),
                            strip_query(url)
                        ),
                        rate,
                        requests,
                    });
                }
            }
        }
    }

    /// Sleeps `wait` if it is short enough, else ends the call with a
    /// [`FetchError::Wait`].
    async fn pause(
        &self,
        wait: Duration,
        kind: WaitKind,
        rate: &RateLimit,
        requests: i64,
    ) -> Result<(), FetchError> {
        if wait <= self.settings.max_inline_wait {
            tracing::info!(?wait, ?kind, "waiting for GitHub");
            tokio::time::sleep(wait).await;
            Ok(())
        } else {
            Err(FetchError::Wait {
                until: now_secs().saturating_add(i64::try_from(wait.as_secs()).unwrap_or(i64::MAX)),
                reason: kind,
                rate: rate.clone(),
                requests,
            })
        }
    }
}

/// `url` without its query (for messages: a query may be long).
fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_lives_beside_the_rest_api() {
        assert_eq!(
            graphql_url("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com/api/graphql"
        );
        assert_eq!(
            graphql_url("http://127.0.0.1:4000"),
            "http://127.0.0.1:4000/graphql"
        );
    }

    #[test]
    fn auth_modes_are_named_for_the_status_page() {
        assert_eq!(
            serde_json::to_value(AuthMode::Unauthenticated).unwrap(),
            "unauthenticated"
        );
        assert!(
            AuthMode::Unauthenticated
                .note()
                .contains("60 requests an hour")
        );
    }
}
