//! `/api/v1/projects/{slug}/identities/...`: maintainers merge two contributor
//! identities into one person, list the active merges, and undo one. Parse, call
//! `app::identities`, answer. The rules are in [`crate::app::identities`].

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::{ApiError, AppState, Problem};
use crate::api::body::JsonObject;
use crate::app::identities::{self as flow, MergeView};
use crate::domain::ids::{ContributorId, IdentityMergeId};
use crate::store::identity_merges::ContributorCard;

/// One side of a merge, as the project's maintainers see it. People without a GitHub
/// account (`anonymous`) are known by a commit address, which is never shown: their
/// `name` is the one their commits give.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MergedIdentity {
    /// The contributor's id (as in the contributors list and the feed).
    pub id: i64,
    /// No GitHub account: known only by a commit address.
    pub anonymous: bool,
    /// GitHub's id of the account.
    #[schema(required = true)]
    pub github_user_id: Option<i64>,
    /// The GitHub login as last seen.
    #[schema(required = true)]
    pub login: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true, format = "uri")]
    pub avatar_url: Option<String>,
    /// The GitHub profile page.
    #[schema(required = true, format = "uri")]
    pub html_url: Option<String>,
    pub is_bot: bool,
}

impl From<ContributorCard> for MergedIdentity {
    fn from(c: ContributorCard) -> Self {
        MergedIdentity {
            id: c.id.get(),
            anonymous: c.github_user_id.is_none(),
            github_user_id: c.github_user_id,
            login: c.login,
            name: c.name,
            avatar_url: c.avatar_url,
            html_url: c.html_url,
            is_bot: c.is_bot,
        }
    }
}

/// "In this project, `from` is `into`": `from`'s contributions are credited to `into`
/// while the merge is active.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentityMerge {
    /// The merge's id (to undo it).
    pub id: i64,
    /// The identity merged away.
    pub from: MergedIdentity,
    /// The identity credited.
    pub into: MergedIdentity,
    pub created_at: DateTime<Utc>,
    /// When it was undone; null while active.
    #[schema(required = true)]
    pub undone_at: Option<DateTime<Utc>>,
}

impl From<MergeView> for IdentityMerge {
    fn from(v: MergeView) -> Self {
        IdentityMerge {
            id: v.merge.id.get(),
            from: v.from.into(),
            into: v.into.into(),
            created_at: v.merge.created_at.and_utc(),
            undone_at: v.merge.undone_at.map(|t| t.and_utc()),
        }
    }
}

/// A project's active identity merges, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityMergeList {
    pub items: Vec<IdentityMerge>,
}

/// Two identities to merge: `from`'s contributions are credited to `into`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeIdentities {
    /// The contributor to merge away.
    pub from: i64,
    /// The contributor to credit instead.
    pub into: i64,
}

/// Merge two contributor identities of the project into one person: from now on
/// `from`'s contributions are credited to `into` in the contributors list and the feed.
/// Nothing is rewritten, so undoing restores exactly what was. Owners, maintainers and
/// site admins (an API token needs `write`). Both must have contributed to this project
/// and be different (else 422 `validation_failed`, with `errors[].code`
/// `unknown_contributor` on `from` or `into`, or `self_merge` on `into`); `from` must not be
/// merged already (409 `identity_merged`: undo that merge first); no chains (409
/// `identity_merge_chain`): `into` must not be merged away itself, nor may `from` have
/// others merged into it. Of two concurrent merges of one `from`, one wins.
#[utoipa::path(
    tag = "recognition",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = MergeIdentities,
    responses(
        (status = 201, description = "Merged", body = IdentityMerge),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`from` is merged already (`identity_merged`), or the merge would make a chain (`identity_merge_chain`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a contributor with no contribution in this project (`errors[].code` `unknown_contributor`), or the same one twice (`self_merge`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/identities/merge")]
pub async fn merge_identities(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: JsonObject<MergeIdentities>,
) -> Result<HttpResponse, ApiError> {
    let (from, into) = (ContributorId(body.from), ContributorId(body.into));
    let (slug, who) = (slug.into_inner(), caller.0);
    let merged = state
        .services
        .db
        .write(move |tx| flow::merge(tx, &who, &slug, from, into, crate::db::now()))
        .await?;
    Ok(HttpResponse::Created().json(IdentityMerge::from(merged)))
}

/// The project's active identity merges, newest first, for its maintainers (owners,
/// maintainers, site admins; a `read` token will do). Undone merges are not listed.
#[utoipa::path(
    tag = "recognition",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The project's slug")),
    responses(
        (status = 200, description = "The active merges", body = IdentityMergeList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/projects/{slug}/identities/merges")]
pub async fn list_identity_merges(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<web::Json<IdentityMergeList>, ApiError> {
    let (slug, who) = (slug.into_inner(), caller.0);
    let merges = state
        .services
        .db
        .read(move |conn| flow::list(conn, &who, &slug))
        .await?;
    Ok(web::Json(IdentityMergeList {
        items: merges.into_iter().map(IdentityMerge::from).collect(),
    }))
}

/// Undo an identity merge: each identity is credited with its own contributions again,
/// exactly as before. The merge stays in the database as history (with `undone_at`);
/// the same two may be merged again later. Owners, maintainers and site admins (an API
/// token needs `write`). Undone already → 409 `merge_undone`.
#[utoipa::path(
    tag = "recognition",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("id" = i64, Path, description = "The merge")
    ),
    responses(
        (status = 200, description = "Undone", body = IdentityMerge),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a maintainer, or a read-only token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or no such merge in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Undone already (`merge_undone`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/projects/{slug}/identities/merges/{id}/undo")]
pub async fn undo_identity_merge(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<IdentityMerge>, ApiError> {
    let (slug, id) = path.into_inner();
    let (id, who) = (IdentityMergeId(id), caller.0);
    let undone = state
        .services
        .db
        .write(move |tx| flow::undo(tx, &who, &slug, id, crate::db::now()))
        .await?;
    Ok(web::Json(IdentityMerge::from(undone)))
}
