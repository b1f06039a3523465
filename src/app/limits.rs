//! Rate limits on what guesses passwords or sends mail: fixed windows of
//! `auth_rate_window` with at most `auth_rate_limit` attempts per key. Keys name the
//! action and either the client ([`ClientKey`]: an address, IPv6 grouped by /64) or the
//! account (the email, or the user id); clients and emails are kept only as hashes, so
//! no address is stored in the clear, and memory and rows stay bounded. On PostgreSQL the counters live in the database,
//! so several instances share one limit; a single SQLite instance counts in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::db::{self, Db, DbError};
use crate::domain::Email;
use crate::domain::ids::UserId;
use crate::domain::net::ClientKey;
use crate::store::rate_limits;

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Failed sign-ins (counted per client and per account).
    Login,
    Register,
    PasswordReset,
    ResendVerification,
    ChangePassword,
    ChangeEmail,
    DeleteAccount,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Register => "register",
            Action::PasswordReset => "reset",
            Action::ResendVerification => "resend",
            Action::ChangePassword => "password",
            Action::ChangeEmail => "email",
            Action::DeleteAccount => "delete",
        }
    }
}

/// One counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// Per client, by a hash of its address (or IPv6 /64).
    pub fn client(action: Action, client: ClientKey) -> Key {
        Key(format!(
            "{}:ip:{}",
            action.name(),
            digest(&client.to_string())
        ))
    }

    /// Per account, by a hash of the address (the key never holds the address itself).
    pub fn email(action: Action, email: &Email) -> Key {
        Key(format!(
            "{}:email:{}",
            action.name(),
            digest(email.as_str())
        ))
    }

    pub fn user(action: Action, user: UserId) -> Key {
        Key(format!("{}:user:{user}", action.name()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The first 128 bits of SHA-256, in hex: unique enough for a counter's key.
fn digest(value: &str) -> String {
    Sha256::digest(value.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("too many attempts; try again in {retry_after_secs} s")]
    Limited { retry_after_secs: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Most keys the in-memory store keeps; past it, closed windows go first, then the
/// oldest half.
pub const MAX_MEMORY_KEYS: usize = 100_000;

enum Store {
    Memory(Mutex<HashMap<Key, (Instant, u32)>>),
    Database(Db),
}

pub struct Limiter {
    max: u32,
    window: Duration,
    store: Store,
}

impl Limiter {
    /// Counts in this process.
    pub fn in_memory(max: u32, window: Duration) -> Self {
        Limiter {
            max,
            window,
            store: Store::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// Counts in the database (`rate_limits`), shared by every instance.
    pub fn in_database(db: Db, max: u32, window: Duration) -> Self {
        Limiter {
            max,
            window,
            store: Store::Database(db),
        }
    }

    /// Refuses when any of `keys` has used up its window, without counting.
    pub async fn check(&self, keys: &[Key]) -> Result<(), LimitError> {
        let wait = match &self.store {
            Store::Memory(map) => {
                let map = map.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                keys.iter()
                    .filter_map(|k| map.get(k))
                    .filter(|(start, count)| {
                        *count >= self.max && now.duration_since(*start) < self.window
                    })
                    .map(|(start, _)| self.window.saturating_sub(now.duration_since(*start)))
                    .max()
            }
            Store::Database(db) => {
                let keys: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
                let (max, window) = (self.max, self.window);
                db.read(move |conn| {
                    let now = db::now();
                    let opened_after = now - chrono_window(window);
                    let mut longest = None;
                    for key in &keys {
                        if let Some((hits, start)) = rate_limits::peek(conn, key, opened_after)?
                            && hits as u32 >= max
                        {
                            let left = (start + chrono_window(window) - now)
                                .to_std()
                                .unwrap_or_default();
                            longest = longest.max(Some(left));
                        }
                    }
                    Ok::<_, DbError>(longest)
                })
                .await?
            }
        };
        match wait {
            Some(left) => Err(LimitError::Limited {
                retry_after_secs: left.as_secs().max(1),
            }),
            None => Ok(()),
        }
    }

    /// Counts one attempt against each of `keys`.
    pub async fn hit(&self, keys: &[Key]) -> Result<(), DbError> {
        self.count(keys).await.map(|_| ())
    }

    /// Counts one attempt against each of `keys`, refusing it when that goes over a
    /// limit (the attempt is counted either way).
    pub async fn consume(&self, keys: &[Key]) -> Result<(), LimitError> {
        match self.count(keys).await? {
            Some(left) => Err(LimitError::Limited {
                retry_after_secs: left.as_secs().max(1),
            }),
            None => Ok(()),
        }
    }

    /// Counts, and returns how long the longest exceeded window has left, if any.
    async fn count(&self, keys: &[Key]) -> Result<Option<Duration>, DbError> {
        match &self.store {
            Store::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if map.len() + keys.len() > MAX_MEMORY_KEYS {
                    evict(&mut map, now, self.window);
                }
                let mut over = None;
                for key in keys {
                    let entry = map.entry(key.clone()).or_insert((now, 0));
                    if now.duration_since(entry.0) >= self.window {
                        *entry = (now, 0);
                    }
                    entry.1 = entry.1.saturating_add(1);
                    if entry.1 > self.max {
                        let left = self.window.saturating_sub(now.duration_since(entry.0));
                        over = over.max(Some(left));
                    }
                }
                Ok(over)
            }
            Store::Database(db) => {
                let keys: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
                let (max, window) = (self.max, self.window);
                db.write(move |tx| {
                    let now = db::now();
                    let mut over = None;
                    for key in &keys {
                        let (hits, start) =
                            rate_limits::hit(tx, key, now, now - chrono_window(window))?;
                        if hits as u32 > max {
                            let left = (start + chrono_window(window) - now)
                                .to_std()
                                .unwrap_or_default();
                            over = over.max(Some(left));
                        }
                    }
                    Ok::<_, DbError>(over)
                })
                .await
            }
        }
    }
}

fn chrono_window(window: Duration) -> chrono::Duration {
    chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX)
}

fn evict(map: &mut HashMap<Key, (Instant, u32)>, now: Instant, window: Duration) {
    map.retain(|_, (start, _)| now.duration_since(*start) < window);
    if map.len() >= MAX_MEMORY_KEYS {
        let mut starts: Vec<Instant> = map.values().map(|(s, _)| *s).collect();
        starts.sort_unstable();
        let cut = starts[starts.len() / 2];
        map.retain(|_, (start, _)| *start > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(n: u8) -> Key {
        Key::client(
            Action::Register,
            ClientKey::of(std::net::IpAddr::from([192, 0, 2, n])),
        )
    }

    #[tokio::test]
    async fn consume_counts_each_attempt_and_refuses_past_the_limit() {
        let limiter = Limiter::in_memory(2, Duration::from_secs(60));
        assert!(limiter.consume(&[client(1)]).await.is_ok());
        assert!(limiter.consume(&[client(1)]).await.is_ok());
        let refused = limiter.consume(&[client(1)]).await.unwrap_err();
        assert!(
            matches!(refused, LimitError::Limited { retry_after_secs } if (1..=60).contains(&retry_after_secs))
        );
        assert!(limiter.consume(&[client(2)]).await.is_ok());
        assert!(limiter.check(&[client(1)]).await.is_err());
        assert!(limiter.check(&[client(2)]).await.is_ok());
    }

    #[tokio::test]
    async fn windows_reopen() {
        let limiter = Limiter::in_memory(1, Duration::from_millis(50));
        limiter.hit(&[client(1)]).await.unwrap();
        assert!(limiter.check(&[client(1)]).await.is_err());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(limiter.check(&[client(1)]).await.is_ok());
    }

    #[test]
    fn keys_never_hold_the_address() {
        let email = Email::parse("e", "ada@example.org").unwrap();
        let key = Key::email(Action::Login, &email);
        assert!(!key.as_str().contains("ada"), "{}", key.as_str());
        assert_eq!(key, Key::email(Action::Login, &email));
        let ip = ClientKey::of(std::net::IpAddr::from([203, 0, 113, 7]));
        let key = Key::client(Action::Login, ip);
        assert!(!key.as_str().contains("203.0"), "{}", key.as_str());
        assert_eq!(key, Key::client(Action::Login, ip));
    }

    #[test]
    fn eviction_bounds_the_map() {
        let mut map = HashMap::new();
        let now = Instant::now();
        for n in 0..MAX_MEMORY_KEYS {
            map.insert(
                Key(n.to_string()),
                (now + Duration::from_nanos(n as u64), 1),
            );
        }
        evict(
            &mut map,
            now + Duration::from_secs(1),
            Duration::from_secs(60),
        );
        assert!(map.len() <= MAX_MEMORY_KEYS / 2 + 1, "{}", map.len());
    }
}
