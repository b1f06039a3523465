//! How each use-case error becomes a problem (status and stable `code`). The codes are
//! part of the API: the web app and clients switch on them.

use actix_web::http::StatusCode;

use super::ApiError;
use crate::app::Denied;
use crate::app::accelerators::AcceleratorError;
use crate::app::admin::AdminError;
use crate::app::auth::AuthError;
use crate::app::compute::ComputeError;
use crate::app::expenses::ExpenseError;
use crate::app::exports::ExportError;
use crate::app::github::GithubSignInError;
use crate::app::goals::GoalError;
use crate::app::hasher::HashError;
use crate::app::identities::IdentityError;
use crate::app::ledger::LedgerFault;
use crate::app::limits::LimitError;
use crate::app::pledges::PledgeError;
use crate::app::projects::ProjectError;
use crate::app::recognition::RecognitionError;
use crate::app::repositories::RepositoryError;
use crate::app::sessions::SessionError;
use crate::app::sponsors::SponsorError;
use crate::app::tokens::TokenError;
use crate::app::users::UserError;
use crate::app::webhooks::WebhookError;
use crate::domain::cursor::PageError;

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        let detail = d.to_string();
        match d {
            Denied::SessionRequired => ApiError::forbidden("session_required", detail),
            Denied::InsufficientScope => ApiError::forbidden("insufficient_scope", detail),
            Denied::NotAdmin => ApiError::forbidden("forbidden", detail),
            Denied::EmailNotVerified => ApiError::forbidden("email_not_verified", detail),
            Denied::Forbidden => ApiError::forbidden("forbidden", detail),
            Denied::ReauthenticationRequired => {
                ApiError::forbidden("reauthentication_required", detail)
            }
        }
    }
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => ApiError::busy(
                "too many sign-ins are being checked right now; try again in a moment",
            ),
            HashError::Failed(_) => ApiError::internal(e),
        }
    }
}

impl From<LimitError> for ApiError {
    fn from(e: LimitError) -> Self {
        match e {
            LimitError::Limited { retry_after_secs } => ApiError::rate_limited(retry_after_secs),
            LimitError::Db(e) => e.into(),
        }
    }
}

impl From<PageError> for ApiError {
    fn from(e: PageError) -> Self {
        match e {
            PageError::Limit(v) => ApiError::invalid_parameters(vec![v]),
            PageError::Cursor => ApiError::bad_request(
                "invalid_cursor",
                "the cursor is not one this server handed out; start from the first page",
            ),
        }
    }
}

fn invalid_link() -> ApiError {
    ApiError::not_found("this link is invalid, expired or already used")
        .with_code("invalid_or_expired_link")
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Invalid(v) => ApiError::validation(v),
            AuthError::InvalidCredentials => {
                ApiError::unauthorized("invalid_credentials", e.to_string())
            }
            AuthError::EmailNotVerified => ApiError::forbidden(
                "email_not_verified",
                "confirm your email address first; we can send the link again",
            ),
            AuthError::InvalidLink => invalid_link(),
            AuthError::EmailTaken => ApiError::conflict("email_taken", e.to_string()),
            AuthError::Limited(l) => l.into(),
            AuthError::Hash(h) => h.into(),
            AuthError::Session(s) => s.into(),
            AuthError::Secret(_) => ApiError::internal(e),
            AuthError::Db(d) => d.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::RefreshRejected(why) => {
                ApiError::unauthorized("invalid_refresh_token", why)
            }
            SessionError::InvalidToken => ApiError::unauthorized("invalid_token", e.to_string()),
            SessionError::Issue(_) => ApiError::internal(e),
            SessionError::Db(d) => d.into(),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Denied(d) => d.into(),
            TokenError::Invalid(v) => ApiError::validation(v),
            TokenError::TooMany => ApiError::conflict("too_many_tokens", e.to_string()),
            TokenError::NotFound => ApiError::not_found(e.to_string()),
            TokenError::InvalidToken => ApiError::unauthorized("invalid_token", e.to_string()),
            TokenError::Secret(_) => ApiError::internal(e),
            TokenError::Db(d) => d.into(),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Denied(d) => d.into(),
            UserError::Invalid(v) => ApiError::validation(v),
            UserError::WrongPassword => {
                ApiError::unauthorized("invalid_credentials", e.to_string())
            }
            UserError::LastSignInMethod => ApiError::conflict("last_sign_in_method", e.to_string()),
            UserError::Gone => ApiError::unauthorized("invalid_token", e.to_string()),
            UserError::Limited(l) => l.into(),
            UserError::Hash(h) => h.into(),
            UserError::Auth(a) => a.into(),
            UserError::Db(d) => d.into(),
        }
    }
}

impl From<ProjectError> for ApiError {
    fn from(e: ProjectError) -> Self {
        match e {
            ProjectError::Denied(d) => d.into(),
            ProjectError::SlugTaken(_) => ApiError::conflict("slug_taken", e.to_string()),
            ProjectError::NotFound(_) | ProjectError::NotMember => {
                ApiError::not_found(e.to_string())
            }
            ProjectError::Invalid(v) => ApiError::validation(v),
            ProjectError::CurrencyLocked => ApiError::conflict("currency_locked", e.to_string()),
            ProjectError::NoSuchUser => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_such_user")
                    .with_detail(e.to_string())
            }
            ProjectError::AlreadyMember => ApiError::conflict("already_member", e.to_string()),
            ProjectError::LastOwner => ApiError::conflict("last_owner", e.to_string()),
            ProjectError::Db(d) => d.into(),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Denied(d) => d.into(),
            AdminError::NoFailedJob => ApiError::not_found(e.to_string()),
            AdminError::Invalid(v) => ApiError::validation(v),
            AdminError::Db(d) => d.into(),
        }
    }
}

impl From<GithubSignInError> for ApiError {
    fn from(e: GithubSignInError) -> Self {
        match e {
            GithubSignInError::Denied(d) => d.into(),
            GithubSignInError::Db(d) => d.into(),
            other => {
                ApiError::new(StatusCode::BAD_REQUEST, other.code()).with_detail(other.to_string())
            }
        }
    }
}

impl From<LedgerFault> for ApiError {
    fn from(e: LedgerFault) -> Self {
        match e {
            LedgerFault::Denied(d) => d.into(),
            LedgerFault::ProjectNotFound(_) | LedgerFault::TransactionNotFound(_) => {
                ApiError::not_found(e.to_string())
            }
            LedgerFault::InsufficientFunds(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "insufficient_funds")
                    .with_detail(e.to_string())
            }
            LedgerFault::AlreadyReversed => ApiError::conflict("already_reversed", e.to_string()),
            LedgerFault::NotReversible(_) => ApiError::conflict("not_reversible", e.to_string()),
            LedgerFault::StateChanged(_) => ApiError::conflict("invalid_state", e.to_string()),
            LedgerFault::Invalid(_) => ApiError::internal(anyhow::anyhow!(e.to_string())),
            LedgerFault::Db(d) => d.into(),
        }
    }
}

impl From<ExpenseError> for ApiError {
    fn from(e: ExpenseError) -> Self {
        match e {
            ExpenseError::Denied(d) => d.into(),
            ExpenseError::NotFound(_) => ApiError::not_found(e.to_string()),
            ExpenseError::Invalid(v) => ApiError::validation(v),
            ExpenseError::CurrencyMismatch { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "currency_mismatch")
                    .with_detail(e.to_string())
            }
            ExpenseError::ProjectArchived => ApiError::conflict("project_archived", e.to_string()),
            ExpenseError::Ledger(l) => l.into(),
            ExpenseError::Db(d) => d.into(),
        }
    }
}

impl From<PledgeError> for ApiError {
    fn from(e: PledgeError) -> Self {
        match e {
            PledgeError::Denied(d) => d.into(),
            PledgeError::ProjectNotFound(_)
            | PledgeError::NotFound(_)
            | PledgeError::InstalmentNotFound(_) => ApiError::not_found(e.to_string()),
            PledgeError::Invalid(v) => ApiError::validation(v),
            PledgeError::CurrencyMismatch { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "currency_mismatch")
                    .with_detail(e.to_string())
            }
            PledgeError::ProjectArchived => ApiError::conflict("project_archived", e.to_string()),
            PledgeError::UnknownGoal(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_goal")
                    .with_detail(e.to_string())
            }
            PledgeError::GoalNotOpen(..) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "goal_not_open")
                    .with_detail(e.to_string())
            }
            PledgeError::KeyReused => ApiError::conflict("idempotency_key_reused", e.to_string()),
            PledgeError::WrongState { .. } => ApiError::conflict("invalid_state", e.to_string()),
            PledgeError::Ledger(l) => l.into(),
            PledgeError::Db(d) => d.into(),
        }
    }
}

impl From<RepositoryError> for ApiError {
    fn from(e: RepositoryError) -> Self {
        match e {
            RepositoryError::Denied(d) => d.into(),
            RepositoryError::ProjectNotFound(_) | RepositoryError::NotFound(_) => {
                ApiError::not_found(e.to_string())
            }
            RepositoryError::Linked { .. } => {
                ApiError::conflict("repository_linked", e.to_string())
            }
            RepositoryError::ProjectArchived => {
                ApiError::conflict("project_archived", e.to_string())
            }
            RepositoryError::Secret(_) => ApiError::internal(e),
            RepositoryError::Db(d) => d.into(),
        }
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        use crate::domain::Violation;
        match e {
            IdentityError::Denied(d) => d.into(),
            IdentityError::ProjectNotFound(_) | IdentityError::MergeNotFound(_) => {
                ApiError::not_found(e.to_string())
            }
            IdentityError::UnknownContributor { field, .. } => {
                ApiError::validation(vec![Violation::new(
                    field,
                    "unknown_contributor",
                    e.to_string(),
                )])
            }
            IdentityError::SelfMerge => {
                ApiError::validation(vec![Violation::new("into", "self_merge", e.to_string())])
            }
            IdentityError::AlreadyMerged(_) => ApiError::conflict("identity_merged", e.to_string()),
            IdentityError::Chain(_) => ApiError::conflict("identity_merge_chain", e.to_string()),
            IdentityError::AlreadyUndone(_) => ApiError::conflict("merge_undone", e.to_string()),
            IdentityError::Db(d) => d.into(),
        }
    }
}

impl From<RecognitionError> for ApiError {
    fn from(e: RecognitionError) -> Self {
        match e {
            RecognitionError::Denied(d) => d.into(),
            RecognitionError::ProjectNotFound(_) | RecognitionError::NotFound(_) => {
                ApiError::not_found(e.to_string())
            }
            RecognitionError::NotRecorded(_) => ApiError::conflict("not_recorded", e.to_string()),
            RecognitionError::UnknownContributor(field, message) => {
                ApiError::validation(vec![crate::domain::Violation::new(
                    field,
                    "unknown_contributor",
                    message,
                )])
            }
            RecognitionError::KeyReused => {
                ApiError::conflict("idempotency_key_reused", e.to_string())
            }
            RecognitionError::Db(d) => d.into(),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        use crate::domain::github::signature::SignatureError as S;
        use crate::domain::github::webhook::{EnvelopeError, HeaderError};
        let signature = |code| ApiError::new(StatusCode::UNAUTHORIZED, code);
        // An unknown repository answers exactly like a wrong signature.
        let mismatch = || signature("signature_mismatch").with_detail(S::Mismatch.to_string());
        match e {
            WebhookError::Header(h) => match h {
                HeaderError::MissingDelivery | HeaderError::InvalidDelivery => {
                    ApiError::bad_request("invalid_delivery_header", h.to_string())
                }
                HeaderError::MissingEvent | HeaderError::InvalidEvent => {
                    ApiError::bad_request("invalid_event_header", h.to_string())
                }
            },
            WebhookError::Signature(s) => match s {
                S::Missing => signature("signature_missing").with_detail(s.to_string()),
                S::Sha1Only => signature("signature_sha1_only").with_detail(s.to_string()),
                S::Malformed(_) => signature("signature_malformed").with_detail(s.to_string()),
                S::Mismatch | S::NoSecret => mismatch(),
            },
            WebhookError::UnknownRepository => mismatch(),
            WebhookError::Payload(p) => match p {
                EnvelopeError::NotJson(_) => ApiError::bad_request("malformed_json", p.to_string()),
                EnvelopeError::NoRepository => {
                    ApiError::bad_request("no_repository", p.to_string())
                }
            },
            WebhookError::Db(d) => d.into(),
        }
    }
}

impl From<AcceleratorError> for ApiError {
    fn from(e: AcceleratorError) -> Self {
        match e {
            AcceleratorError::Denied(d) => d.into(),
            AcceleratorError::Exists(_) => ApiError::conflict("accelerator_exists", e.to_string()),
            AcceleratorError::NotFound(_) => ApiError::not_found(e.to_string()),
            AcceleratorError::Db(d) => d.into(),
        }
    }
}

impl From<GoalError> for ApiError {
    fn from(e: GoalError) -> Self {
        match e {
            GoalError::Denied(d) => d.into(),
            GoalError::ProjectNotFound(_)
            | GoalError::NotFound(_)
            | GoalError::UnknownAccelerator(_)
            | GoalError::ValueNotFound(_) => ApiError::not_found(e.to_string()),
            GoalError::Invalid(v) => ApiError::validation(v),
            GoalError::CurrencyMismatch { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "currency_mismatch")
                    .with_detail(e.to_string())
            }
            GoalError::NotOpen(..) => ApiError::conflict("goal_not_open", e.to_string()),
            GoalError::Db(d) => d.into(),
        }
    }
}

impl From<ComputeError> for ApiError {
    fn from(e: ComputeError) -> Self {
        let unprocessable = |code: &'static str, detail: String| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code).with_detail(detail)
        };
        match e {
            ComputeError::Denied(d) => d.into(),
            ComputeError::ProjectNotFound(_)
            | ComputeError::PledgeNotFound(_)
            | ComputeError::DeliveryNotFound(_)
            | ComputeError::SlurmTypeNotFound(..) => ApiError::not_found(e.to_string()),
            ComputeError::Invalid(v) => ApiError::validation(v),
            ComputeError::WrongState(_) => ApiError::conflict("invalid_state", e.to_string()),
            ComputeError::ExceedsPledge(_) => unprocessable("exceeds_pledge", e.to_string()),
            ComputeError::Sacct(ref sacct) => {
                let errors = match sacct {
                    crate::domain::slurm::SacctError::Lines(lines) => lines
                        .iter()
                        .map(|l| {
                            crate::domain::Violation::new(
                                &format!("sacct:{}", l.line),
                                l.kind.code(),
                                l.to_string(),
                            )
                        })
                        .collect(),
                    other => vec![crate::domain::Violation::new(
                        "sacct",
                        other.code(),
                        other.to_string(),
                    )],
                };
                let mut api = unprocessable("invalid_sacct", e.to_string());
                api = api.with_errors(errors);
                api
            }
            ComputeError::UnmappedTypes(_) => unprocessable("unmapped_gpu_types", e.to_string()),
            ComputeError::NothingToRecord(_) => unprocessable("nothing_to_record", e.to_string()),
            ComputeError::DigestMismatch => unprocessable("digest_mismatch", e.to_string()),
            ComputeError::Token(t) => t.into(),
            ComputeError::Ledger(l) => l.into(),
            ComputeError::Db(d) => d.into(),
        }
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::ProjectNotFound(_) => ApiError::not_found(e.to_string()),
            ExportError::Incomplete(ref fields) => {
                let errors = fields
                    .iter()
                    .map(|f| {
                        crate::domain::Violation::new(
                            f,
                            "required",
                            "set it in the project's settings",
                        )
                    })
                    .collect();
                ApiError::conflict("funding_manifest_incomplete", e.to_string()).with_errors(errors)
            }
            ExportError::Write(_) => ApiError::internal(anyhow::anyhow!(e.to_string())),
            ExportError::Ledger(l) => l.into(),
            ExportError::Db(d) => d.into(),
        }
    }
}

impl From<SponsorError> for ApiError {
    fn from(e: SponsorError) -> Self {
        match e {
            SponsorError::Denied(d) => d.into(),
            SponsorError::ProjectNotFound(_) | SponsorError::SponsorNotFound(_) => {
                ApiError::not_found(e.to_string())
            }
            SponsorError::Invalid(v) => ApiError::validation(v),
            SponsorError::Db(d) => d.into(),
        }
    }
}

impl From<crate::app::overview::OverviewError> for ApiError {
    fn from(e: crate::app::overview::OverviewError) -> Self {
        use crate::app::overview::OverviewError;
        match e {
            OverviewError::ProjectNotFound(_) => ApiError::not_found(e.to_string()),
            OverviewError::Goals(e) => e.into(),
            OverviewError::Sponsors(e) => e.into(),
            OverviewError::Ledger(e) => e.into(),
            OverviewError::Db(d) => d.into(),
        }
    }
}
