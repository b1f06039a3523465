//! A local stand-in for GitHub's OAuth web flow and REST API (`/user`,
//! `/user/emails`), speaking GitHub's shapes, so sign-in is tested end to end.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;

pub const CLIENT_ID: &str = "Iv1.testclientid";
pub const CLIENT_SECRET: &str = "test-client-secret-abcdef";

#[derive(Clone)]
pub struct GithubUser {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
}

/// An endpoint of the double that accepts the request and never answers, as a GitHub
/// in trouble (or a black-holing network) would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hang {
    /// `POST /login/oauth/access_token`.
    TokenEndpoint,
    /// `GET /api/v3/user`.
    UserApi,
}

#[derive(Clone, Default)]
struct State {
    user: Arc<Mutex<Option<GithubUser>>>,
    codes: Arc<Mutex<Vec<String>>>,
    hang: Arc<Mutex<Option<Hang>>>,
}

impl State {
    /// Never returns if `at` is the endpoint set to hang.
    async fn maybe_hang(&self, at: Hang) {
        if *self.hang.lock().unwrap() == Some(at) {
            std::future::pending::<()>().await;
        }
    }
}

pub struct GithubDouble {
    pub url: String,
    state: State,
}

impl GithubDouble {
    pub fn start() -> GithubDouble {
        let state = State::default();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/login/oauth/authorize", web::get().to(authorize))
                .route("/login/oauth/access_token", web::post().to(access_token))
                .route("/api/v3/user", web::get().to(user))
                .route("/api/v3/user/emails", web::get().to(emails))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        GithubDouble { url, state }
    }

    pub fn api_url(&self) -> String {
        format!("{}/api/v3", self.url)
    }

    /// Who "signs in" at the double next.
    pub fn set_user(&self, user: GithubUser) {
        *self.state.user.lock().unwrap() = Some(user);
    }

    /// Makes one endpoint never answer (`None`: all answer again).
    pub fn hang(&self, at: Option<Hang>) {
        *self.state.hang.lock().unwrap() = at;
    }
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
}

/// The user consents at once: back to the app with a one-time code.
async fn authorize(state: web::Data<State>, q: web::Query<AuthorizeQuery>) -> HttpResponse {
    if q.client_id != CLIENT_ID {
        return HttpResponse::NotFound().finish();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    state.codes.lock().unwrap().push(code.clone());
    let location = format!("{}?code={code}&state={}", q.redirect_uri, q.state);
    HttpResponse::Found()
        .insert_header(("location", location))
        .finish()
}

async fn access_token(state: web::Data<State>, body: web::Json<serde_json::Value>) -> HttpResponse {
    state.maybe_hang(Hang::TokenEndpoint).await;
    if body["client_id"] != CLIENT_ID || body["client_secret"] != CLIENT_SECRET {
        return HttpResponse::Ok().json(json!({"error": "incorrect_client_credentials", "error_description": "The client_id and/or client_secret passed are incorrect."}));
    }
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    let mut codes = state.codes.lock().unwrap();
    let Some(pos) = codes.iter().position(|c| *c == code) else {
        // GitHub answers 200 with an error body for a bad or reused code.
        return HttpResponse::Ok().json(json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}));
    };
    codes.remove(pos);
    HttpResponse::Ok().json(json!({"access_token": format!("gho_{code}"), "token_type": "bearer", "scope": "read:user,user:email"}))
}

fn authorised(req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer gho_") || v.starts_with("token gho_"))
}

fn unauthorised() -> HttpResponse {
    HttpResponse::Unauthorized()
        .json(json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}))
}

async fn user(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    state.maybe_hang(Hang::UserApi).await;
    if !authorised(&req) {
        return unauthorised();
    }
    let Some(u) = state.user.lock().unwrap().clone() else {
        return unauthorised();
    };
    HttpResponse::Ok()
        .insert_header(("x-ratelimit-limit", "5000"))
        .insert_header(("x-ratelimit-remaining", "4999"))
        .json(json!({
            "login": u.login, "id": u.id, "node_id": "MDQ6VXNlcjE=",
            "avatar_url": "https://avatars.githubusercontent.com/u/1?v=4", "gravatar_id": "",
            "url": "https://api.github.com/users/x", "html_url": "https://github.com/x",
            "type": "User", "site_admin": false, "name": u.name, "company": null, "blog": "",
            "location": null, "email": null, "hireable": null, "bio": null,
            "public_repos": 3, "followers": 1, "following": 0,
            "created_at": "2015-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
}

async fn emails(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    if !authorised(&req) {
        return unauthorised();
    }
    let Some(u) = state.user.lock().unwrap().clone() else {
        return unauthorised();
    };
    HttpResponse::Ok().json(json!([
        {"email": u.email, "primary": true, "verified": u.email_verified, "visibility": "private"},
        {"email": format!("{}@users.noreply.github.com", u.id), "primary": false, "verified": true, "visibility": null}
    ]))
}
