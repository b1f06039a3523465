//! Demo data: a handful of believable open AI projects, loaded by `openfund demo`.
//! Loading is idempotent: rows are keyed by slug and carry fixed timestamps.

use chrono::NaiveDateTime;

use crate::db::{AnyConnection, DbError, tx::run_write};
use crate::domain::policy::ProjectRole;
use crate::domain::{NewProject, ProjectKind, Violation};
use crate::security::passwords;
use crate::store::{members, projects, users};

/// Demo sign-ins, printed by `openfund demo` and `make run`. Never use them on a
/// public instance: `openfund demo` refuses to run with OPENFUND_ENV=production.
pub struct DemoAccount {
    pub email: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    is_admin: bool,
    owns: &'static [&'static str],
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@openfund.test",
        password: "demo-admin-violet-harbour",
        display_name: "Ada Operator",
        role: "site admin",
        is_admin: true,
        owns: &[],
    },
    DemoAccount {
        email: "maintainer@openfund.test",
        password: "demo-maintainer-cobalt-engine",
        display_name: "Mina Maintainer",
        role: "owner of TinyStories LM and FlashKernels",
        is_admin: false,
        owns: &["tinystories-lm", "flashkernels"],
    },
    DemoAccount {
        email: "sponsor@openfund.test",
        password: "demo-sponsor-amber-lantern",
        display_name: "Sam Sponsor",
        role: "sponsor",
        is_admin: false,
        owns: &[],
    },
];

struct DemoProject {
    slug: &'static str,
    name: &'static str,
    kind: ProjectKind,
    homepage: &'static str,
    created_at: &'static str,
    summary: &'static str,
}

const PROJECTS: &[DemoProject] = &[
    DemoProject {
        slug: "tinystories-lm",
        name: "TinyStories LM",
        kind: ProjectKind::Model,
        homepage: "https://example.org/tinystories-lm",
        created_at: "2026-03-02 09:15:00",
        summary: "Small open language models trained from scratch on synthetic children's stories, \
                  with every checkpoint, data recipe and training log published.",
    },
    DemoProject {
        slug: "open-speech-corpus",
        name: "Open Speech Corpus",
        kind: ProjectKind::Dataset,
        homepage: "https://example.org/open-speech-corpus",
        created_at: "2026-04-18 14:02:00",
        summary: "Twelve thousand hours of consented, transcribed speech in 40 languages, \
                  released under CC-BY with per-speaker opt-out.",
    },
    DemoProject {
        slug: "flashkernels",
        name: "FlashKernels",
        kind: ProjectKind::Library,
        homepage: "https://example.org/flashkernels",
        created_at: "2026-05-27 08:40:00",
        summary: "Fused attention and quantised matmul kernels for training and inference on \
                  consumer and datacentre GPUs, benchmarked in public CI.",
    },
    DemoProject {
        slug: "evalharbor",
        name: "EvalHarbor",
        kind: ProjectKind::Tool,
        homepage: "https://example.org/evalharbor",
        created_at: "2026-07-09 17:25:00",
        summary: "A reproducible evaluation harness for open models: versioned tasks, \
                  contamination checks and a public leaderboard anyone can re-run.",
    },
    DemoProject {
        slug: "redteam-commons",
        name: "Red-Team Commons",
        kind: ProjectKind::Other,
        homepage: "https://example.org/redteam-commons",
        created_at: "2026-09-14 11:00:00",
        summary: "A volunteer red-teaming collective that publishes adversarial prompts, \
                  findings and mitigations for openly released models.",
    },
    DemoProject {
        slug: "protein-fold-open",
        name: "ProteinFold Open",
        kind: ProjectKind::Model,
        homepage: "https://example.org/protein-fold-open",
        created_at: "2026-10-21 10:30:00",
        summary: "An openly licensed protein structure model retrained on public data, \
                  raising H100 hours for its next training run.",
    },
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("demo project {0} is invalid: {1:?}")]
    Invalid(&'static str, Vec<Violation>),
    #[error("demo project {0} has a bad timestamp")]
    Timestamp(&'static str),
    #[error("hashing a demo password: {0}")]
    Hash(String),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Db(DbError::from(e))
    }
}

/// Inserts the demo projects that are missing; returns how many it inserted.
pub fn load(conn: &mut AnyConnection) -> Result<usize, DemoError> {
    // Hash outside the unit of work: each takes tens of milliseconds.
    let mut hashes = Vec::new();
    for a in ACCOUNTS {
        hashes.push(passwords::hash(a.password).map_err(|e| DemoError::Hash(e.to_string()))?);
    }
    let (inserted, _) = run_write(conn, |conn| {
        let mut inserted = 0;
        for p in PROJECTS {
            let project = NewProject::parse(p.slug, p.name, p.summary, p.kind, Some(p.homepage))
                .map_err(|v| DemoError::Invalid(p.slug, v))?;
            let created_at = NaiveDateTime::parse_from_str(p.created_at, "%Y-%m-%d %H:%M:%S")
                .map_err(|_| DemoError::Timestamp(p.slug))?;
            if projects::insert_if_absent(conn, project, created_at)?.is_some() {
                inserted += 1;
            }
        }
        for (a, hash) in ACCOUNTS.iter().zip(&hashes) {
            let at = NaiveDateTime::parse_from_str("2026-01-15 12:00:00", "%Y-%m-%d %H:%M:%S")
                .map_err(|_| DemoError::Timestamp(a.email))?;
            let Some(id) = users::insert_if_absent(
                conn,
                &users::NewUser {
                    email: a.email,
                    display_name: a.display_name,
                    password_hash: Some(hash),
                    email_verified_at: Some(at),
                    is_admin: a.is_admin,
                    github_id: None,
                    github_login: None,
                    created_at: at,
                    updated_at: at,
                },
            )?
            else {
                continue;
            };
            for slug in a.owns {
                if let Some(p) = projects::find_by_slug(conn, slug)? {
                    members::add(conn, p.id, id, ProjectRole::Owner, at)?;
                }
            }
        }
        public_contacts(conn)?;
        Ok::<_, DemoError>(inserted)
    })?;
    Ok(inserted)
}

/// Gives each demo project what its funding manifest (`funding.json`) needs: a public
/// contact, a licence and a repository. Only where no contact is set yet, so a
/// maintainer's own settings survive a second `openfund demo`.
fn public_contacts(conn: &mut AnyConnection) -> Result<(), DemoError> {
    use crate::db::schema::projects as p;
    use diesel::prelude::*;
    for demo in PROJECTS {
        let license = match demo.kind {
            ProjectKind::Model => "Apache-2.0",
            ProjectKind::Dataset => "CC-BY-4.0",
            ProjectKind::Library => "MIT OR Apache-2.0",
            ProjectKind::Tool => "MIT",
            ProjectKind::Other => "CC-BY-SA-4.0",
        };
        diesel::update(
            p::table
                .filter(p::slug.eq(demo.slug))
                .filter(p::contact_name.is_null()),
        )
        .set((
            p::contact_name.eq(format!("The {} maintainers", demo.name)),
            p::contact_email.eq(format!("{}@openfund.test", demo.slug)),
            p::license.eq(license),
            p::repository_url.eq(format!("https://github.com/openfund-demo/{}", demo.slug)),
        ))
        .execute(conn)?;
    }
    Ok(())
}

pub fn count() -> usize {
    PROJECTS.len()
}
