//! Password hashing and verification (argon2id, deliberately slow: tens of milliseconds
//! of one core each) on a small pool of dedicated threads, never while a database
//! connection or transaction is held. The threads run at a lower scheduling priority
//! than the ones serving requests, and the queue in front of them is bounded, so a
//! flood of sign-ins waits its turn (or is told to come back) instead of starving every
//! other request of CPU time.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::security::passwords;

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every thread is busy and the queue is full: the caller should answer 503.
    #[error("too many password checks are waiting; try again shortly")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

enum Task {
    Hash(String, oneshot::Sender<Result<String, HashError>>),
    Verify(String, Option<String>, oneshot::Sender<bool>),
}

/// The pool. Cheap to clone; the threads stop when the last clone is dropped.
#[derive(Clone)]
pub struct Hasher {
    queue: SyncSender<Task>,
    threads: usize,
}

/// `nice` value of the hashing threads (0 is normal; 19 the lowest priority).
const NICENESS: i32 = 10;

impl Hasher {
    /// `threads` hashing threads (about one per core), and room for `queue` waiting
    /// requests beyond them.
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (send, receive) = sync_channel::<Task>(queue.max(1));
        let receive = Arc::new(Mutex::new(receive));
        for n in 0..threads {
            let receive = receive.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || work(&receive));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password-hashing thread");
            }
        }
        Hasher {
            queue: send,
            threads,
        }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The PHC string of a new argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let (done, result) = oneshot::channel();
        self.submit(Task::Hash(password, done))?;
        result
            .await
            .map_err(|_| HashError::Failed("the hashing thread stopped".into()))?
    }

    /// Checks `password` against a stored hash, or against a dummy one when there is
    /// none, so that an unknown account costs the same time as a wrong password.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let (done, result) = oneshot::channel();
        self.submit(Task::Verify(password, stored, done))?;
        result
            .await
            .map_err(|_| HashError::Failed("the hashing thread stopped".into()))
    }

    fn submit(&self, task: Task) -> Result<(), HashError> {
        self.queue.try_send(task).map_err(|e| match e {
            TrySendError::Full(_) => HashError::Busy,
            TrySendError::Disconnected(_) => {
                HashError::Failed("no hashing thread is running".into())
            }
        })
    }
}

fn work(receive: &Mutex<Receiver<Task>>) {
    lower_priority();
    loop {
        let task = {
            let Ok(queue) = receive.lock() else { return };
            match queue.recv() {
                Ok(task) => task,
                Err(_) => return,
            }
        };
        match task {
            Task::Hash(password, done) => {
                let _ = done
                    .send(passwords::hash(&password).map_err(|e| HashError::Failed(e.to_string())));
            }
            Task::Verify(password, stored, done) => {
                let _ = done.send(passwords::verify(&password, stored.as_deref()));
            }
        }
    }
}

/// Gives this thread a lower CPU priority than request-serving threads (Linux applies
/// `setpriority(PRIO_PROCESS, tid)` to the one thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority only reads its arguments and
        // affects the calling thread, which is ours.
        let result = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, NICENESS)
        };
        if result != 0 {
            tracing::debug!("could not lower the priority of a password-hashing thread");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_and_verifies_off_the_caller_thread() {
        let hasher = Hasher::new(1, 4);
        let hash = hasher.hash("violet-harbour-engine".into()).await.unwrap();
        assert!(
            hasher
                .verify("violet-harbour-engine".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!hasher.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_instead_of_waiting() {
        let hasher = Hasher::new(1, 1);
        let pending: Vec<_> = (0..8)
            .map(|_| {
                let h = hasher.clone();
                tokio::spawn(async move { h.hash("violet-harbour-engine".into()).await })
            })
            .collect();
        let mut busy = 0;
        for p in pending {
            if matches!(p.await.unwrap(), Err(HashError::Busy)) {
                busy += 1;
            }
        }
        assert!(
            busy > 0,
            "eight at once through one thread and a queue of one"
        );
    }
}
