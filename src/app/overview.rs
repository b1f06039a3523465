//! What a project's public page shows, read in one go: the project, its newest goals
//! with their progress, the sponsor wall, the balances and the newest ledger
//! transactions. Each part comes from the use case that serves it alone (goals,
//! sponsors, ledger), so the rules (progress, who the wall may name, how a sponsor's
//! account is shown) are written once; this module only bounds each part and reads the
//! project once.
//!
//! Every part is a bounded read through an index: goals by `(project_id, id)` (at most
//! [`GOALS`], with their targets, linked pledges, instalments and deliveries in one
//! query each), the wall by the project's pledges (`pledges_project_idx`) and their
//! transactions (`ledger_transactions_pledge_idx`), balances by the project's accounts,
//! the ledger by `(project_id, id)` (at most [`RECENT_TRANSACTIONS`] and their entries
//! in one query).
//!
//! [`OverviewCache`] keeps what was built per project until this process writes
//! anything or [`OverviewCache::TTL`] passes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::goals::{self, GoalError, GoalView};
use super::ledger::{self, LedgerFault, Posted};
use super::sponsors::{self, ListedSponsor, SponsorError};
use crate::db::{AnyConnection, DbError};
use crate::domain::cursor::KeysetPage;
use crate::domain::exports::LedgerFilter;
use crate::domain::ledger::Balances;
use crate::store::projects::{self, ProjectRow};

/// Goals shown, newest first; the rest are paged through `/projects/{slug}/goals`.
pub const GOALS: u32 = 20;
/// Sponsors shown, first on the wall first; the whole wall is `/projects/{slug}/sponsors`.
pub const SPONSORS: usize = 50;
/// Ledger transactions shown, newest first; the rest are paged through
/// `/projects/{slug}/ledger`.
pub const RECENT_TRANSACTIONS: u32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum OverviewError {
    #[error("no project with slug {0:?}")]
    ProjectNotFound(String),
    #[error(transparent)]
    Goals(#[from] GoalError),
    #[error(transparent)]
    Sponsors(#[from] SponsorError),
    #[error(transparent)]
    Ledger(#[from] LedgerFault),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for OverviewError {
    fn from(e: diesel::result::Error) -> Self {
        OverviewError::Db(e.into())
    }
}

/// A project's public page, each part bounded (see the module doc).
#[derive(Debug, Clone)]
pub struct Overview {
    pub project: ProjectRow,
    /// The newest [`GOALS`] goals, any status, with progress.
    pub goals: Vec<GoalView>,
    /// The goals list's cursor after them, if there are more.
    pub goals_next_cursor: Option<String>,
    /// The first [`SPONSORS`] of the public wall ([`sponsors::wall`]'s order and rules).
    pub sponsors: Vec<ListedSponsor>,
    /// How many sponsors the whole wall has.
    pub sponsor_count: usize,
    /// The project's balances ([`ledger::balances`]).
    pub balances: Balances,
    /// The newest [`RECENT_TRANSACTIONS`] transactions with their entries.
    pub recent: Vec<Posted>,
    /// The ledger's cursor after them, if there are more.
    pub ledger_next_cursor: Option<String>,
}

/// Reads project `slug`'s overview (public). Errors:
/// [`OverviewError::ProjectNotFound`]; database errors.
pub fn load(conn: &mut AnyConnection, slug: &str) -> Result<Overview, OverviewError> {
    let project = projects::find_by_slug(conn, slug)?
        .ok_or_else(|| OverviewError::ProjectNotFound(slug.to_owned()))?;
    let first = |limit| KeysetPage::parse(Some(limit), None).map_err(|_| bad_limit());
    let (goals, goals_next_cursor) = goals::page_of(conn, &project, None, first(GOALS)?)?;
    let mut wall = sponsors::wall_of(conn, &project)?;
    let sponsor_count = wall.len();
    wall.truncate(SPONSORS);
    let balances = ledger::balances(conn, project.id)?;
    let (recent, ledger_next_cursor) = ledger::page_of(
        conn,
        project.id,
        &LedgerFilter::default(),
        first(RECENT_TRANSACTIONS)?,
    )?;
    Ok(Overview {
        project,
        goals,
        goals_next_cursor,
        sponsors: wall,
        sponsor_count,
        balances,
        recent,
        ledger_next_cursor,
    })
}

fn bad_limit() -> OverviewError {
    OverviewError::Db(DbError::Corrupt("overview page limit out of range".into()))
}

/// A cache of built overviews (of any shape `V`, e.g. the serialized answer) per project
/// slug, for one process. An entry is fresh while both hold:
///
/// - no unit of work that writes has ended in this process since its build began: the
///   entry carries the [`crate::db::Db::write_generation`] read before the build, and
///   is used only while the generation is unchanged. So anything changed through this
///   process (a request, a job of its worker) shows on the next read, whatever it
///   touched: a pledge, a goal, a sponsor's profile or name, a ledger posting.
/// - it is younger than [`OverviewCache::TTL`]: the bound on how long a change made by
///   another process (another instance, an `openfund worker`, a CLI command) can take
///   to show.
///
/// One build per project at a time ([`Lookup`]): when an entry is missing or a write
/// made it stale, the first caller builds it and the others wait for that build instead
/// of all reading the database at once; when only its age is past the TTL, one caller
/// rebuilds while the others are served the entry of the same generation meanwhile (so
/// another process's change shows within the TTL and one build).
///
/// At most [`OverviewCache::CAPACITY`] projects; when full, stale ones go first, then all.
#[derive(Clone)]
pub struct OverviewCache<V> {
    slots: Arc<Mutex<HashMap<String, Slot<V>>>>,
    ttl: Duration,
}

struct Slot<V> {
    /// Held by the caller building this project's entry.
    building: Arc<tokio::sync::Mutex<()>>,
    entry: Option<Entry<V>>,
}

struct Entry<V> {
    generation: u64,
    built: Instant,
    value: V,
}

/// What the cache holds for a project at a generation.
pub enum Lookup<V> {
    /// Use it.
    Fresh(V),
    /// Of this generation but older than the TTL: rebuild it if the build lock is free
    /// (`try_lock_owned`), else serve it while someone else rebuilds.
    Aged(V, Arc<tokio::sync::Mutex<()>>),
    /// Nothing usable: take the build lock (`lock_owned().await`), look again, build.
    Missing(Arc<tokio::sync::Mutex<()>>),
}

impl<V: Clone> Default for OverviewCache<V> {
    fn default() -> Self {
        Self::with_ttl(Self::TTL)
    }
}

impl<V: Clone> OverviewCache<V> {
    /// How long an entry may serve changes made by other processes late.
    pub const TTL: Duration = Duration::from_secs(1);
    /// How many projects' overviews are kept.
    pub const CAPACITY: usize = 1024;

    pub fn with_ttl(ttl: Duration) -> Self {
        OverviewCache {
            slots: Arc::new(Mutex::new(HashMap::new())),
            ttl,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot<V>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What there is for `slug` at `generation` (see [`Lookup`]).
    pub fn lookup(&self, slug: &str, generation: u64) -> Lookup<V> {
        let mut slots = self.lock();
        if !slots.contains_key(slug) && slots.len() >= Self::CAPACITY {
            let ttl = self.ttl;
            slots.retain(|_, s| {
                s.entry
                    .as_ref()
                    .is_some_and(|e| e.generation == generation && e.built.elapsed() < ttl)
            });
            if slots.len() >= Self::CAPACITY {
                slots.clear();
            }
        }
        let slot = slots.entry(slug.to_owned()).or_insert_with(|| Slot {
            building: Arc::new(tokio::sync::Mutex::new(())),
            entry: None,
        });
        match &slot.entry {
            Some(e) if e.generation == generation && e.built.elapsed() < self.ttl => {
                Lookup::Fresh(e.value.clone())
            }
            Some(e) if e.generation == generation => {
                Lookup::Aged(e.value.clone(), slot.building.clone())
            }
            _ => Lookup::Missing(slot.building.clone()),
        }
    }

    /// The fresh entry for `slug` at `generation`, if there is one.
    #[cfg(test)]
    fn get(&self, slug: &str, generation: u64) -> Option<V> {
        match self.lookup(slug, generation) {
            Lookup::Fresh(v) => Some(v),
            _ => None,
        }
    }

    /// The entry for `slug` if it is younger than the TTL and its build began at
    /// generation `since` or later: it then reads every write that ended before
    /// `since` was read. For a caller that waited for another's build.
    pub fn built_since(&self, slug: &str, since: u64) -> Option<V> {
        let slots = self.lock();
        let e = slots.get(slug)?.entry.as_ref()?;
        (e.generation >= since && e.built.elapsed() < self.ttl).then(|| e.value.clone())
    }

    /// Keeps `value` for `slug`, built from reads that began at `generation` and at
    /// `built` (both taken before the build's first read). An entry of a later
    /// generation is kept instead.
    pub fn put(&self, slug: &str, generation: u64, built: Instant, value: V) {
        let mut slots = self.lock();
        let Some(slot) = slots.get_mut(slug) else {
            return;
        };
        if slot
            .entry
            .as_ref()
            .is_some_and(|e| e.generation > generation)
        {
            return;
        }
        slot.entry = Some(Entry {
            generation,
            built,
            value,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_fresh_only_at_its_generation_within_the_ttl() {
        let cache = OverviewCache::with_ttl(Duration::from_secs(60));
        assert!(matches!(cache.lookup("a", 7), Lookup::Missing(_)));
        cache.put("a", 7, Instant::now(), 1);
        assert_eq!(cache.get("a", 7), Some(1));
        assert!(
            matches!(cache.lookup("a", 8), Lookup::Missing(_)),
            "a write since the build"
        );
        assert_eq!(cache.get("b", 7), None);
        cache.put("a", 6, Instant::now(), 2);
        assert_eq!(
            cache.get("a", 7),
            Some(1),
            "an older build does not replace it"
        );
        let old = OverviewCache::with_ttl(Duration::from_millis(1));
        assert!(matches!(old.lookup("a", 7), Lookup::Missing(_)));
        old.put("a", 7, Instant::now() - Duration::from_millis(5), 1);
        assert!(
            matches!(old.lookup("a", 7), Lookup::Aged(1, _)),
            "older than the TTL: served only while another caller rebuilds"
        );
        assert!(matches!(old.lookup("a", 8), Lookup::Missing(_)));
        cache.put("a", 9, Instant::now(), 3);
        assert_eq!(cache.built_since("a", 8), Some(3), "built after 8 was read");
        assert_eq!(cache.built_since("a", 10), None);
    }

    #[test]
    fn one_caller_builds_at_a_time() {
        let cache = OverviewCache::<u8>::with_ttl(Duration::from_secs(60));
        let Lookup::Missing(first) = cache.lookup("a", 1) else {
            panic!("missing")
        };
        let guard = first.clone().try_lock_owned().expect("free");
        let Lookup::Missing(second) = cache.lookup("a", 1) else {
            panic!("still missing")
        };
        assert!(second.try_lock_owned().is_err(), "the first caller builds");
        drop(guard);
    }

    #[test]
    fn a_full_cache_drops_stale_entries_first() {
        let cache = OverviewCache::with_ttl(Duration::from_secs(60));
        for n in 0..OverviewCache::<u8>::CAPACITY {
            let slug = format!("p{n}");
            cache.lookup(&slug, 1);
            cache.put(&slug, 1, Instant::now(), 0u8);
        }
        cache.lookup("fresh", 2);
        cache.put("fresh", 2, Instant::now(), 1);
        assert_eq!(cache.lock().len(), 1, "generation 1 was stale");
        assert_eq!(cache.get("fresh", 2), Some(1));
        for n in 0..OverviewCache::<u8>::CAPACITY {
            cache.lookup(&format!("q{n}"), 2);
        }
        assert!(cache.lock().len() <= OverviewCache::<u8>::CAPACITY);
    }
}
