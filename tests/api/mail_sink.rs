//! A real SMTP server for tests: aiosmtpd (PyPI) driven by `smtp_sink.py`, writing each
//! accepted message to a maildir-like folder we read back. The sink can hold its answer
//! to DATA (a "gate"), refuse or reject messages, and logs every DATA it sees, so a test
//! can tell a message that reached the server from one the client was told was accepted.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MailSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub raw: String,
    /// The body with quoted-printable undone.
    pub decoded: String,
}

/// What happened to one DATA command at the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkEvent {
    /// The message reached the server (its answer may still be held).
    Received,
    /// Accepted: stored and answered 250.
    Delivered,
    /// The client went away while the answer was held.
    Aborted,
    /// Answered 451 (temporary failure).
    Refused,
    /// Answered 550 (permanent failure).
    Rejected,
}

/// One line of the sink's event log.
#[derive(Debug, Clone, Copy)]
pub struct Logged {
    pub event: SinkEvent,
    /// The DATA command's number at this sink process (restarts begin at 1 again).
    pub seq: u64,
    /// When it happened, in Unix milliseconds.
    pub at_ms: u64,
}

impl ReceivedMail {
    pub fn is_to(&self, address: &str) -> bool {
        self.raw
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(address))
    }

    pub fn subject(&self) -> String {
        self.raw
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }

    /// The first link to `path` (e.g. `/verify-email`), and its `token` parameter.
    pub fn link_token(&self, path: &str) -> Option<String> {
        let start = self.decoded.find(&format!("{path}?token="))? + path.len() + "?token=".len();
        let token: String = self.decoded[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl MailSink {
    pub fn start() -> MailSink {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> MailSink {
        let dir = tempfile::tempdir().expect("maildir");
        for sub in ["tmp", "new"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("maildir folders");
        }
        let mut sink = MailSink {
            port,
            dir,
            child: None,
        };
        sink.launch();
        sink
    }

    fn launch(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/smtp_sink.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(format!("127.0.0.1:{}", self.port))
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(self.dir.path().join("sink.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .expect("start the SMTP sink (pip install -r requirements-dev.txt)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                let err =
                    std::fs::read_to_string(self.dir.path().join("sink.log")).unwrap_or_default();
                panic!(
                    "the SMTP sink exited ({status}); is aiosmtpd installed \
                     (pip install -r requirements-dev.txt)?\n{err}"
                );
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn new_dir(&self) -> PathBuf {
        self.dir.path().join("new")
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        let Ok(entries) = std::fs::read_dir(self.new_dir()) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|raw| ReceivedMail {
                decoded: decode_quoted_printable(&raw),
                raw,
            })
            .collect()
    }

    /// Waits until a message to `address` arrives.
    pub async fn wait_for(&self, address: &str) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self.messages().into_iter().find(|m| m.is_to(address)) {
                return m;
            }
            assert!(Instant::now() < deadline, "no mail to {address} arrived");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn flag(&self, name: &str, on: bool) {
        let path = self.dir.path().join(name);
        if on {
            std::fs::write(path, b"").expect("set a sink flag");
        } else {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("clear a sink flag: {e}"),
            }
        }
    }

    /// Holds (true) or releases (false) the answer to every DATA command: a held
    /// message has reached the server but its sender does not know it was accepted.
    pub fn hold(&self, on: bool) {
        self.flag("gate", on);
    }

    /// Answers DATA with a temporary failure (451) while on.
    pub fn refuse(&self, on: bool) {
        self.flag("refuse", on);
    }

    /// Answers DATA with a permanent failure (550) while on.
    pub fn reject(&self, on: bool) {
        self.flag("reject", on);
    }

    /// Everything the sink has logged, oldest first.
    pub fn log(&self) -> Vec<Logged> {
        let Ok(text) = std::fs::read_to_string(self.dir.path().join("events")) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| {
                let mut parts = line.split(' ');
                let event = match parts.next()? {
                    "received" => SinkEvent::Received,
                    "delivered" => SinkEvent::Delivered,
                    "aborted" => SinkEvent::Aborted,
                    "refused" => SinkEvent::Refused,
                    "rejected" => SinkEvent::Rejected,
                    _ => return None,
                };
                Some(Logged {
                    event,
                    seq: parts.next()?.parse().ok()?,
                    at_ms: parts.next()?.parse().ok()?,
                })
            })
            .collect()
    }

    /// How many times `event` was logged.
    pub fn count(&self, event: SinkEvent) -> usize {
        self.log().iter().filter(|l| l.event == event).count()
    }

    /// Waits until `event` has been logged at least `n` times; panics after `within`.
    pub async fn wait_for_events(&self, event: SinkEvent, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let seen = self.count(event);
            if seen >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the sink logged {event:?} {seen} time(s), not {n}: {:?}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
