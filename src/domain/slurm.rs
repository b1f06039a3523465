//! Reading Slurm accounting into GPU-minutes per GPU type: how a cluster that donates
//! compute reports what a project's jobs used.
//!
//! Input is the output of
//! `sacct --parsable2 --noheader --format=JobID,Start,End,ElapsedRaw,AllocTRES,State`:
//! one record a line, six fields separated by `|`, no header. Field meanings are those of
//! the sacct manual (<https://slurm.schedmd.com/sacct.html>):
//! - `JobID`: a job allocation is `123`, an array task `123_4` (or `123_[1-10%2]` for
//!   array tasks not yet started), a heterogeneous job component `123+0`; a job step adds
//!   `.` and the step: `123.batch`, `123.extern`, `123.0`, `123_4.batch`, `123+0.0`.
//! - `Start`, `End`: `YYYY-MM-DDTHH:MM:SS`, or `Unknown`/`None` when not (yet) known.
//! - `ElapsedRaw`: whole seconds the allocation has run.
//! - `AllocTRES`: `name=value` pairs separated by commas, e.g.
//!   `billing=16,cpu=16,gres/gpu:a100=4,gres/gpu=4,mem=128G,node=1`; empty for jobs that
//!   never started. `gres/gpu:<type>=N` is N GPUs of one type; `gres/gpu=N` is the total
//!   over all types.
//! - `State`: a job state name, e.g. `COMPLETED`, or `CANCELLED by 1234`.
//!
//! Pure: the caller runs sacct (or receives its output) and passes the text in.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// The `--format` list the parser expects, in order.
pub const SACCT_FORMAT: &str = "JobID,Start,End,ElapsedRaw,AllocTRES,State";
/// The full sacct arguments whose output [`parse_sacct`] reads (add the time window and
/// account filters).
pub const SACCT_ARGS: [&str; 3] = [
    "--parsable2",
    "--noheader",
    "--format=JobID,Start,End,ElapsedRaw,AllocTRES,State",
];
/// The largest input accepted, in bytes (64 MiB): about a million typical lines. Callers
/// should read at most this many bytes plus one, and fetch long periods in windows.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// The most lines accepted, blank lines included.
pub const MAX_LINES: usize = 1_000_000;
/// The longest Slurm GPU type name accepted, in bytes.
pub const GPU_TYPE_MAX: usize = 64;

/// Final job states (the job's allocation is over), from the sacct manual's JOB STATE
/// CODES. An allocation in one of these with a known `End` is counted.
pub const FINAL_STATES: [&str; 10] = [
    "BOOT_FAIL",
    "CANCELLED",
    "COMPLETED",
    "DEADLINE",
    "FAILED",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "REVOKED",
    "TIMEOUT",
];

/// States of a job that is waiting, running or between runs: skipped, to be counted once
/// they end. The sacct manual's JOB STATE CODES plus the transient ones squeue documents.
pub const UNFINISHED_STATES: [&str; 16] = [
    "PENDING",
    "RUNNING",
    "REQUEUED",
    "RESIZING",
    "SUSPENDED",
    "COMPLETING",
    "CONFIGURING",
    "POWER_UP_NODE",
    "REQUEUE_FED",
    "REQUEUE_HOLD",
    "RESV_DEL_HOLD",
    "SIGNALING",
    "SPECIAL_EXIT",
    "STAGE_OUT",
    "STOPPED",
    "UPDATE_DB",
];

/// What a batch of accounting lines adds up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuUsage {
    /// GPU-minutes per Slurm GPU type name (the `<type>` of `gres/gpu:<type>=N`, case
    /// kept): the type's GPUs × `ElapsedRaw` seconds summed over every counted
    /// allocation, then divided by 60 rounding down. Types whose total rounds to zero are
    /// left out, so every value is at least 1. Always fits an `i64`.
    pub minutes_by_type: BTreeMap<String, u64>,
    /// GPU-minutes of GPUs allocated without a type, worked out the same way: the part
    /// of `gres/gpu=N` not covered by typed entries on the same line (all of it when a
    /// line has no typed entry). Zero when every GPU had a type.
    pub untyped_minutes: u64,
    /// Job allocations that have ended and were added up, GPUs or not.
    pub allocations_counted: u64,
    /// Job allocations not ended yet (waiting or running), to be counted in a later read.
    pub allocations_skipped: u64,
    /// Job step lines, which are never counted (their allocation is).
    pub steps_ignored: u64,
}

/// Why one line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineErrorKind {
    /// Not six `|`-separated fields (code `field_count`).
    #[error("expected 6 fields separated by '|', found {found}")]
    FieldCount { found: usize },
    /// JobID is not an allocation or step id (code `bad_job_id`).
    #[error("JobID {0:?} is not a Slurm job or step id")]
    JobId(String),
    /// Start or End is neither a timestamp nor `Unknown`/`None` (code `bad_time`).
    #[error("{field} {value:?} is not YYYY-MM-DDTHH:MM:SS, Unknown or None")]
    Time { field: &'static str, value: String },
    /// ElapsedRaw is not a whole number of seconds (code `bad_elapsed`).
    #[error("ElapsedRaw {0:?} is not a whole number of seconds")]
    Elapsed(String),
    /// AllocTRES is malformed (code `bad_tres`).
    #[error("AllocTRES: {0}")]
    Tres(String),
    /// State is not a known job state (code `bad_state`).
    #[error("State {0:?} is not a known Slurm job state")]
    State(String),
    /// A final state with no End time (code `end_unknown`): the record contradicts itself.
    #[error("state {state} is final but End is unknown")]
    EndUnknown { state: String },
    /// `gres/gpu=N` is less than the typed GPUs listed with it (code
    /// `gpu_count_mismatch`).
    #[error("gres/gpu={untyped} is less than the {typed} typed GPUs")]
    GpuCountMismatch { typed: u64, untyped: u64 },
    /// The allocation appeared before, on `first_line` (code `duplicate_job`); counting
    /// it twice would double its usage.
    #[error("job allocation also on line {first_line}")]
    DuplicateJob { first_line: usize },
    /// GPUs × seconds, or a running total, left the `u64` range (code `overflow`).
    #[error("GPU-seconds overflow")]
    Overflow,
}

impl LineErrorKind {
    /// The stable machine code, e.g. `bad_tres`.
    pub fn code(&self) -> &'static str {
        match self {
            LineErrorKind::FieldCount { .. } => "field_count",
            LineErrorKind::JobId(_) => "bad_job_id",
            LineErrorKind::Time { .. } => "bad_time",
            LineErrorKind::Elapsed(_) => "bad_elapsed",
            LineErrorKind::Tres(_) => "bad_tres",
            LineErrorKind::State(_) => "bad_state",
            LineErrorKind::EndUnknown { .. } => "end_unknown",
            LineErrorKind::GpuCountMismatch { .. } => "gpu_count_mismatch",
            LineErrorKind::DuplicateJob { .. } => "duplicate_job",
            LineErrorKind::Overflow => "overflow",
        }
    }
}

/// A refused line: its 1-based number in the input (blank lines count) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub kind: LineErrorKind,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// Why an input was refused as a whole. Nothing is ever counted from a refused input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SacctError {
    /// Over [`MAX_INPUT_BYTES`] (code `too_large`).
    #[error("input is {bytes} bytes, over the limit of {max}")]
    TooLarge { bytes: usize, max: usize },
    /// Over [`MAX_LINES`] lines (code `too_many_lines`).
    #[error("input has more than {max} lines")]
    TooManyLines { max: usize },
    /// Every bad line, in input order (code `bad_lines`).
    #[error("{} bad line(s), first {}", .0.len(), .0[0])]
    Lines(Vec<LineError>),
}

impl SacctError {
    /// The stable machine code, e.g. `bad_lines`.
    pub fn code(&self) -> &'static str {
        match self {
            SacctError::TooLarge { .. } => "too_large",
            SacctError::TooManyLines { .. } => "too_many_lines",
            SacctError::Lines(_) => "bad_lines",
        }
    }
}

/// Adds up GPU usage from sacct output (see the module docs for the format).
///
/// Rules:
/// - Only job allocations count, never job steps (a JobID with a `.`); array tasks and
///   heterogeneous components are allocations of their own.
/// - An allocation counts once it has ended: its state is one of [`FINAL_STATES`]
///   (`CANCELLED by <uid>` included) and End is a time. One in [`UNFINISHED_STATES`] is
///   skipped whatever End says. Any other state is an error, so a state this parser does
///   not know is never silently miscounted.
/// - Each typed `gres/gpu:<type>=N` adds N × ElapsedRaw GPU-seconds to its type. The
///   untyped total `gres/gpu=N` is never added on top; only any part of it beyond the
///   typed entries goes to [`GpuUsage::untyped_minutes`] (all of it when no type is
///   given), and a total below the typed sum is an error.
/// - Seconds are summed per type first; each total is then divided by 60 rounding down.
/// - Blank lines and a `\r` before each line feed are ignored. All arithmetic is checked.
///
/// Errors: [`SacctError::TooLarge`] or [`SacctError::TooManyLines`] before reading
/// anything; otherwise every bad line at once in [`SacctError::Lines`] (every field of
/// every line, steps included, is checked, as a malformed line means the output is not
/// what the parser expects). A result is returned only when no line is bad.
pub fn parse_sacct(input: &str) -> Result<GpuUsage, SacctError> {
    parse_with_limits(input, MAX_INPUT_BYTES, MAX_LINES)
}

fn parse_with_limits(
    input: &str,
    max_bytes: usize,
    max_lines: usize,
) -> Result<GpuUsage, SacctError> {
    if input.len() > max_bytes {
        return Err(SacctError::TooLarge {
            bytes: input.len(),
            max: max_bytes,
        });
    }
    // The empty "line" after a final line feed is not a line.
    let lines = input.split('\n').count() - usize::from(input.ends_with('\n'));
    if lines > max_lines {
        return Err(SacctError::TooManyLines { max: max_lines });
    }
    let mut totals = Totals::default();
    let mut errors = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, raw) in input.split('\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let result = parse_line(line).and_then(|record| {
            if let Record::Allocation { job_id, .. } = &record {
                match seen.entry(job_id) {
                    Entry::Occupied(first) => {
                        return Err(LineErrorKind::DuplicateJob {
                            first_line: *first.get(),
                        });
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(number);
                    }
                }
            }
            totals.add(&record)
        });
        if let Err(kind) = result {
            errors.push(LineError { line: number, kind });
        }
    }
    if errors.is_empty() {
        Ok(totals.into_usage())
    } else {
        Err(SacctError::Lines(errors))
    }
}

/// One parsed line.
#[derive(Debug)]
enum Record<'a> {
    Step,
    Allocation {
        job_id: &'a str,
        ended: bool,
        elapsed: u64,
        gpus: Gpus<'a>,
    },
}

/// The GPUs of one AllocTRES: typed counts, and the untyped total if given.
#[derive(Debug, Default)]
struct Gpus<'a> {
    typed: BTreeMap<&'a str, u64>,
    untyped: Option<u64>,
}

fn parse_line(line: &str) -> Result<Record<'_>, LineErrorKind> {
    let fields: Vec<&str> = line.split('|').collect();
    let [job_id, start, end, elapsed, tres, state] = fields[..] else {
        return Err(LineErrorKind::FieldCount {
            found: fields.len(),
        });
    };
    let is_step = parse_job_id(job_id)?;
    check_time("Start", start)?;
    let end_known = check_time("End", end)?;
    let elapsed = parse_count(elapsed).ok_or_else(|| LineErrorKind::Elapsed(elapsed.to_owned()))?;
    let gpus = parse_tres(tres)?;
    let state_final = parse_state(state)?;
    if is_step {
        return Ok(Record::Step);
    }
    if state_final && !end_known {
        return Err(LineErrorKind::EndUnknown {
            state: state.to_owned(),
        });
    }
    Ok(Record::Allocation {
        job_id,
        ended: state_final,
        elapsed,
        gpus,
    })
}

/// Checks a JobID; returns whether it names a step rather than an allocation.
fn parse_job_id(raw: &str) -> Result<bool, LineErrorKind> {
    let bad = || LineErrorKind::JobId(raw.to_owned());
    let (allocation, step) = match raw.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (raw, None),
    };
    if !is_allocation_id(allocation) {
        return Err(bad());
    }
    match step {
        None => Ok(false),
        Some(s)
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-')) =>
        {
            Ok(true)
        }
        Some(_) => Err(bad()),
    }
}

/// `123`, `123_4`, `123_[1-10%2]` or `123+0`.
fn is_allocation_id(raw: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some((job, task)) = raw.split_once('_') {
        let range = task
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .is_some_and(|r| {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b',' | b'%' | b':'))
            });
        digits(job) && (digits(task) || range)
    } else if let Some((job, offset)) = raw.split_once('+') {
        digits(job) && digits(offset)
    } else {
        digits(raw)
    }
}

/// Checks a Start or End field; returns whether it holds a time.
fn check_time(field: &'static str, raw: &str) -> Result<bool, LineErrorKind> {
    if raw == "Unknown" || raw == "None" {
        return Ok(false);
    }
    // YYYY-MM-DDTHH:MM:SS; the calendar is not checked, only the shape.
    let shape = b"0000-00-00T00:00:00";
    let fits = raw.len() == shape.len()
        && raw.bytes().zip(shape).all(|(b, s)| match s {
            b'0' => b.is_ascii_digit(),
            _ => b == *s,
        });
    if fits {
        Ok(true)
    } else {
        Err(LineErrorKind::Time {
            field,
            value: raw.to_owned(),
        })
    }
}

/// A non-negative decimal integer of ASCII digits, no sign, no spaces.
fn parse_count(raw: &str) -> Option<u64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

fn parse_tres(raw: &str) -> Result<Gpus<'_>, LineErrorKind> {
    let mut gpus = Gpus::default();
    if raw.is_empty() {
        return Ok(gpus);
    }
    let mut keys = HashSet::new();
    for item in raw.split(',') {
        let Some((key, value)) = item.split_once('=') else {
            return Err(LineErrorKind::Tres(format!("{item:?} is not name=value")));
        };
        let printable = |s: &str| s.bytes().all(|b| b.is_ascii_graphic() && b != b'=');
        if key.is_empty() || value.is_empty() || !printable(key) || !printable(value) {
            return Err(LineErrorKind::Tres(format!("{item:?} is not name=value")));
        }
        if !keys.insert(key) {
            return Err(LineErrorKind::Tres(format!("{key} appears twice")));
        }
        let gpu_count = || {
            parse_count(value)
                .ok_or_else(|| LineErrorKind::Tres(format!("{key}={value:?} is not a GPU count")))
        };
        if key == "gres/gpu" {
            gpus.untyped = Some(gpu_count()?);
        } else if let Some(kind) = key.strip_prefix("gres/gpu:") {
            let ok = !kind.is_empty()
                && kind.len() <= GPU_TYPE_MAX
                && kind
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !ok {
                return Err(LineErrorKind::Tres(format!(
                    "{kind:?} is not a GPU type name"
                )));
            }
            gpus.typed.insert(kind, gpu_count()?);
        }
        // Other resources (cpu, mem, node, billing, gres/gpumem, licenses...) are not
        // counted here.
    }
    Ok(gpus)
}

/// Checks a State; returns whether it is final.
fn parse_state(raw: &str) -> Result<bool, LineErrorKind> {
    let bad = || LineErrorKind::State(raw.to_owned());
    let (name, rest) = match raw.split_once(' ') {
        Some((name, rest)) => (name, Some(rest)),
        None => (raw, None),
    };
    if let Some(rest) = rest {
        // Only `CANCELLED by <uid>` carries more than a name.
        let uid = rest.strip_prefix("by ").ok_or_else(bad)?;
        if name != "CANCELLED" || parse_count(uid).is_none() {
            return Err(bad());
        }
    }
    if FINAL_STATES.contains(&name) {
        Ok(true)
    } else if UNFINISHED_STATES.contains(&name) {
        Ok(false)
    } else {
        Err(bad())
    }
}

/// Running totals in GPU-seconds.
#[derive(Debug, Default)]
struct Totals {
    seconds_by_type: BTreeMap<String, u64>,
    untyped_seconds: u64,
    counted: u64,
    skipped: u64,
    steps: u64,
}

impl Totals {
    /// Adds one record, all or nothing.
    fn add(&mut self, record: &Record<'_>) -> Result<(), LineErrorKind> {
        let (ended, elapsed, gpus) = match record {
            Record::Step => {
                self.steps = self.steps.checked_add(1).ok_or(LineErrorKind::Overflow)?;
                return Ok(());
            }
            Record::Allocation {
                ended,
                elapsed,
                gpus,
                ..
            } => (*ended, *elapsed, gpus),
        };
        if !ended {
            self.skipped = self.skipped.checked_add(1).ok_or(LineErrorKind::Overflow)?;
            return Ok(());
        }
        let typed_sum = gpus
            .typed
            .values()
            .try_fold(0u64, |sum, n| sum.checked_add(*n))
            .ok_or(LineErrorKind::Overflow)?;
        let untyped = match gpus.untyped {
            Some(total) if total < typed_sum => {
                return Err(LineErrorKind::GpuCountMismatch {
                    typed: typed_sum,
                    untyped: total,
                });
            }
            Some(total) => total - typed_sum,
            None => 0,
        };
        let gpu_seconds = |n: u64| n.checked_mul(elapsed).ok_or(LineErrorKind::Overflow);
        // Work out every new total before changing any.
        let mut updates = Vec::with_capacity(gpus.typed.len());
        for (kind, n) in &gpus.typed {
            let before = self.seconds_by_type.get(*kind).copied().unwrap_or(0);
            let after = before
                .checked_add(gpu_seconds(*n)?)
                .ok_or(LineErrorKind::Overflow)?;
            updates.push((*kind, after));
        }
        let untyped_seconds = self
            .untyped_seconds
            .checked_add(gpu_seconds(untyped)?)
            .ok_or(LineErrorKind::Overflow)?;
        let counted = self.counted.checked_add(1).ok_or(LineErrorKind::Overflow)?;
        for (kind, after) in updates {
            self.seconds_by_type.insert(kind.to_owned(), after);
        }
        self.untyped_seconds = untyped_seconds;
        self.counted = counted;
        Ok(())
    }

    fn into_usage(self) -> GpuUsage {
        GpuUsage {
            minutes_by_type: self
                .seconds_by_type
                .into_iter()
                .map(|(kind, seconds)| (kind, seconds / 60))
                .filter(|(_, minutes)| *minutes > 0)
                .collect(),
            untyped_minutes: self.untyped_seconds / 60,
            allocations_counted: self.counted,
            allocations_skipped: self.skipped,
            steps_ignored: self.steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU4: &str = "billing=16,cpu=16,gres/gpu:a100=4,gres/gpu=4,mem=128G,node=1";

    fn line(job: &str, elapsed: u64, tres: &str, state: &str) -> String {
        format!("{job}|2024-05-01T10:00:00|2024-05-01T11:00:00|{elapsed}|{tres}|{state}")
    }

    fn minutes(usage: &GpuUsage) -> Vec<(&str, u64)> {
        usage
            .minutes_by_type
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    }

    fn line_errors(input: &str) -> Vec<(usize, &'static str)> {
        match parse_sacct(input) {
            Err(SacctError::Lines(errors)) => {
                errors.iter().map(|e| (e.line, e.kind.code())).collect()
            }
            other => panic!("expected line errors, got {other:?}"),
        }
    }

    #[test]
    fn a_realistic_day_adds_up() {
        let input = "\
1001|2024-05-01T10:00:00|2024-05-01T11:00:00|3600|billing=16,cpu=16,gres/gpu:a100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1001.batch|2024-05-01T10:00:00|2024-05-01T11:00:00|3600|cpu=16,gres/gpu:a100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1001.extern|2024-05-01T10:00:00|2024-05-01T11:00:00|3600|billing=16,cpu=16,gres/gpu:a100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1001.0|2024-05-01T10:00:05|2024-05-01T10:59:55|3590|cpu=16,gres/gpu:a100=4,gres/gpu=4,mem=128G,node=1|COMPLETED
1002_1|2024-05-01T12:00:00|2024-05-01T12:01:30|90|billing=4,cpu=4,gres/gpu:a100=1,gres/gpu=1,mem=16G,node=1|COMPLETED
1002_1.batch|2024-05-01T12:00:00|2024-05-01T12:01:30|90|cpu=4,gres/gpu:a100=1,gres/gpu=1,mem=16G,node=1|COMPLETED
1002_2|2024-05-01T12:00:00|2024-05-01T12:01:30|90|billing=4,cpu=4,gres/gpu:a100=1,gres/gpu=1,mem=16G,node=1|FAILED
1002_[3-10%2]|Unknown|Unknown|0||PENDING
1003|2024-05-01T13:00:00|2024-05-01T13:10:00|600|billing=32,cpu=32,gres/gpu:a100=2,gres/gpu:h100=2,gres/gpu=4,mem=256G,node=2|TIMEOUT
1004+0|2024-05-01T14:00:00|2024-05-01T14:01:00|60|cpu=8,gres/gpu:h100=8,gres/gpu=8,mem=64G,node=1|CANCELLED by 1234
1004+1|2024-05-01T14:00:00|2024-05-01T14:01:00|60|cpu=64,mem=256G,node=1|CANCELLED by 1234
1004+0.0|2024-05-01T14:00:01|2024-05-01T14:01:00|59|cpu=8,gres/gpu:h100=8,gres/gpu=8,mem=64G,node=1|CANCELLED
1005|2024-05-01T15:00:00|2024-05-01T15:16:40|1000|billing=4,cpu=4,mem=16G,node=1|COMPLETED
1006|2024-05-01T16:00:00|Unknown|500|billing=16,cpu=16,gres/gpu:h100=2,gres/gpu=2,mem=64G,node=1|RUNNING
1006.batch|2024-05-01T16:00:00|Unknown|500|cpu=16,gres/gpu:h100=2,gres/gpu=2,mem=64G,node=1|RUNNING
1007|Unknown|Unknown|0||PENDING
1008|None|2024-05-01T17:00:00|0||CANCELLED by 1000
";
        let usage = parse_sacct(input).unwrap();
        // a100: 4×3600 + 1×90 + 1×90 + 2×600 = 15780 s = 263 min (the two 90 s tasks
        // round together, not 1 + 1); h100: 2×600 + 8×60 = 1680 s = 28 min.
        assert_eq!(minutes(&usage), [("a100", 263), ("h100", 28)]);
        assert_eq!(usage.untyped_minutes, 0);
        // 1001, 1002_1, 1002_2, 1003, 1004+0, 1004+1, 1005, 1008.
        assert_eq!(usage.allocations_counted, 8);
        // 1002_[3-10%2], 1006, 1007.
        assert_eq!(usage.allocations_skipped, 3);
        assert_eq!(usage.steps_ignored, 6);
    }

    #[test]
    fn every_final_state_counts_and_unfinished_ones_wait() {
        for state in FINAL_STATES {
            let usage = parse_sacct(&line("1", 120, GPU4, state)).unwrap();
            assert_eq!(minutes(&usage), [("a100", 8)], "{state}");
            assert_eq!(usage.allocations_counted, 1);
        }
        for state in UNFINISHED_STATES {
            let usage = parse_sacct(&line("1", 120, GPU4, state)).unwrap();
            assert_eq!(usage.minutes_by_type.len(), 0, "{state}");
            assert_eq!(
                (usage.allocations_counted, usage.allocations_skipped),
                (0, 1)
            );
        }
        let cancelled = parse_sacct(&line("1", 120, GPU4, "CANCELLED by 0")).unwrap();
        assert_eq!(cancelled.allocations_counted, 1);
    }

    #[test]
    fn running_jobs_are_skipped_not_refused() {
        let input = "77|2024-05-01T10:00:00|Unknown|86400|gres/gpu:h100=8,gres/gpu=8|RUNNING\n";
        let usage = parse_sacct(input).unwrap();
        assert_eq!(
            usage,
            GpuUsage {
                allocations_skipped: 1,
                ..GpuUsage::default()
            }
        );
    }

    #[test]
    fn totals_round_down_after_summing_seconds() {
        // 59 s is no whole minute; three of them are 177 s = 2 min.
        let one = parse_sacct(&line("1", 59, "gres/gpu:a100=1", "COMPLETED")).unwrap();
        assert!(one.minutes_by_type.is_empty());
        assert_eq!(one.allocations_counted, 1);
        let three = [1, 2, 3]
            .map(|j| line(&j.to_string(), 59, "gres/gpu:a100=1", "COMPLETED"))
            .join("\n");
        assert_eq!(minutes(&parse_sacct(&three).unwrap()), [("a100", 2)]);
    }

    #[test]
    fn untyped_gpus_go_to_their_own_bucket() {
        let only = parse_sacct(&line("1", 600, "cpu=8,gres/gpu=2,node=1", "COMPLETED")).unwrap();
        assert!(only.minutes_by_type.is_empty());
        assert_eq!(only.untyped_minutes, 20);
        // Typed entries cover the total: nothing untyped, nothing counted twice.
        let covered = parse_sacct(&line("1", 600, GPU4, "COMPLETED")).unwrap();
        assert_eq!(
            (minutes(&covered), covered.untyped_minutes),
            (vec![("a100", 40)], 0)
        );
        // A total beyond the typed entries: the rest has no type.
        let partly = parse_sacct(&line("1", 600, "gres/gpu:a100=1,gres/gpu=3", "COMPLETED"));
        let partly = partly.unwrap();
        assert_eq!(
            (minutes(&partly), partly.untyped_minutes),
            (vec![("a100", 10)], 20)
        );
        // A total below the typed entries is impossible.
        assert_eq!(
            line_errors(&line("1", 600, "gres/gpu:a100=2,gres/gpu=1", "COMPLETED")),
            [(1, "gpu_count_mismatch")]
        );
    }

    #[test]
    fn type_names_are_kept_as_slurm_writes_them() {
        let tres = "gres/gpu:nvidia_h100_80gb_hbm3=1,gres/gpu:A100=1,gres/gpu:a100=1,gres/gpumem=80G,gres/gpuutil=90";
        let usage = parse_sacct(&line("1", 60, tres, "COMPLETED")).unwrap();
        assert_eq!(
            minutes(&usage),
            [("A100", 1), ("a100", 1), ("nvidia_h100_80gb_hbm3", 1)]
        );
        assert_eq!(usage.untyped_minutes, 0);
    }

    #[test]
    fn blank_lines_and_crlf_are_tolerated_and_lines_keep_their_numbers() {
        let input = format!(
            "\r\n{}\r\n   \r\n\n{}\r\n",
            line("1", 60, GPU4, "COMPLETED"),
            line("2", 60, "gres/gpu:a100=x", "COMPLETED")
        );
        assert_eq!(line_errors(&input), [(5, "bad_tres")]);
        let ok = format!("{}\r\n\r\n", line("1", 60, GPU4, "COMPLETED"));
        assert_eq!(minutes(&parse_sacct(&ok).unwrap()), [("a100", 4)]);
        assert_eq!(parse_sacct("").unwrap(), GpuUsage::default());
        assert_eq!(parse_sacct("\n\r\n").unwrap(), GpuUsage::default());
    }

    #[test]
    fn every_bad_line_is_reported_and_nothing_is_counted() {
        let good = line("10", 60, GPU4, "COMPLETED");
        let bad = [
            ("1|2|3", "field_count"),
            (
                "1|2024-05-01T10:00:00|2024-05-01T11:00:00|60|cpu=1|COMPLETED|x",
                "field_count",
            ),
            (&line("abc", 60, GPU4, "COMPLETED") as &str, "bad_job_id"),
            (&line("12.", 60, GPU4, "COMPLETED"), "bad_job_id"),
            (&line("12_", 60, GPU4, "COMPLETED"), "bad_job_id"),
            (&line("12_[]", 60, GPU4, "COMPLETED"), "bad_job_id"),
            (&line("12+", 60, GPU4, "COMPLETED"), "bad_job_id"),
            (&line(".batch", 60, GPU4, "COMPLETED"), "bad_job_id"),
            (
                "11|2024-05-01|2024-05-01T11:00:00|60|cpu=1|COMPLETED",
                "bad_time",
            ),
            (
                "11|2024-05-01T10:00:00|yesterday|60|cpu=1|COMPLETED",
                "bad_time",
            ),
            (
                &line("11", 0, GPU4, "COMPLETED").replace("|0|", "|1h|"),
                "bad_elapsed",
            ),
            (
                &line("11", 0, GPU4, "COMPLETED").replace("|0|", "|-5|"),
                "bad_elapsed",
            ),
            (
                &line("11", 0, GPU4, "COMPLETED").replace("|0|", "||"),
                "bad_elapsed",
            ),
            (
                &line("11", 60, "cpu=16,gres/gpu:a100", "COMPLETED"),
                "bad_tres",
            ),
            (&line("11", 60, "cpu=16,", "COMPLETED"), "bad_tres"),
            (&line("11", 60, "=4", "COMPLETED"), "bad_tres"),
            (
                &line("11", 60, "gres/gpu:a100=four", "COMPLETED"),
                "bad_tres",
            ),
            (&line("11", 60, "gres/gpu:a100=-1", "COMPLETED"), "bad_tres"),
            (&line("11", 60, "gres/gpu:=1", "COMPLETED"), "bad_tres"),
            (&line("11", 60, "gres/gpu:a 100=1", "COMPLETED"), "bad_tres"),
            (
                &line("11", 60, "gres/gpu=1,gres/gpu=1", "COMPLETED"),
                "bad_tres",
            ),
            (
                &line("11", 60, "gres/gpu=99999999999999999999", "COMPLETED"),
                "bad_tres",
            ),
            (&line("11", 60, GPU4, "DONE"), "bad_state"),
            (&line("11", 60, GPU4, ""), "bad_state"),
            (&line("11", 60, GPU4, "completed"), "bad_state"),
            (&line("11", 60, GPU4, "COMPLETED by 12"), "bad_state"),
            (&line("11", 60, GPU4, "CANCELLED by"), "bad_state"),
            (
                "11|2024-05-01T10:00:00|Unknown|60|cpu=1|COMPLETED",
                "end_unknown",
            ),
        ];
        let mut input = good.clone();
        for (text, _) in &bad {
            input.push('\n');
            input.push_str(text);
        }
        let expected: Vec<(usize, &str)> = bad
            .iter()
            .enumerate()
            .map(|(i, (_, code))| (i + 2, *code))
            .collect();
        assert_eq!(line_errors(&input), expected);
        // A bad step line spoils the batch too.
        let step = format!(
            "{good}\n{}",
            line("10.batch", 60, "gres/gpu:a100", "COMPLETED")
        );
        assert_eq!(line_errors(&step), [(2, "bad_tres")]);
    }

    #[test]
    fn a_job_listed_twice_is_refused() {
        let input = [
            line("5", 60, GPU4, "COMPLETED"),
            line("5.batch", 60, GPU4, "COMPLETED"),
            line("5_1", 60, GPU4, "COMPLETED"),
            line("5", 60, GPU4, "COMPLETED"),
        ]
        .join("\n");
        match parse_sacct(&input) {
            Err(SacctError::Lines(errors)) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].line, 4);
                assert_eq!(
                    errors[0].kind,
                    LineErrorKind::DuplicateJob { first_line: 1 }
                );
                assert_eq!(
                    errors[0].to_string(),
                    "line 4: job allocation also on line 1"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let max = u64::MAX;
        let product = line("1", 2, &format!("gres/gpu:a100={max}"), "COMPLETED");
        assert_eq!(line_errors(&product), [(1, "overflow")]);
        let half = max / 2 + 1;
        let sum = [
            line("1", half, "gres/gpu:a100=1", "COMPLETED"),
            line("2", half, "gres/gpu:a100=1", "COMPLETED"),
        ]
        .join("\n");
        assert_eq!(line_errors(&sum), [(2, "overflow")]);
        let typed = line(
            "1",
            1,
            &format!("gres/gpu:a=1,gres/gpu:b={max}"),
            "COMPLETED",
        );
        assert_eq!(line_errors(&typed), [(1, "overflow")]);
        // The largest total that fits is fine, and its minutes fit an i64.
        let fits = parse_sacct(&line("1", max, "gres/gpu:a100=1", "COMPLETED")).unwrap();
        let total = fits.minutes_by_type["a100"];
        assert_eq!(total, max / 60);
        assert!(i64::try_from(total).is_ok());
    }

    #[test]
    fn huge_inputs_are_refused_before_reading() {
        let one = line("1", 60, GPU4, "COMPLETED");
        assert_eq!(
            parse_with_limits(&one, one.len() - 1, 10),
            Err(SacctError::TooLarge {
                bytes: one.len(),
                max: one.len() - 1
            })
        );
        let three = [1, 2, 3]
            .map(|j| line(&j.to_string(), 60, GPU4, "COMPLETED"))
            .join("\n");
        let refused = parse_with_limits(&three, 1 << 20, 2).unwrap_err();
        assert_eq!(refused, SacctError::TooManyLines { max: 2 });
        assert_eq!(refused.code(), "too_many_lines");
        // A final line feed does not make an extra line.
        let usage = parse_with_limits(&format!("{three}\n"), 1 << 20, 3).unwrap();
        assert_eq!(usage.allocations_counted, 3);
        assert_eq!(
            parse_sacct(&" ".repeat(MAX_INPUT_BYTES + 1))
                .unwrap_err()
                .code(),
            "too_large"
        );
    }

    #[test]
    fn job_ids_follow_slurm_forms() {
        for (id, step) in [
            ("123", false),
            ("123_4", false),
            ("123_[1-10%2]", false),
            ("123_[1,3,5-7]", false),
            ("123+0", false),
            ("123.batch", true),
            ("123.extern", true),
            ("123.interactive", true),
            ("123.0", true),
            ("123_4.batch", true),
            ("123+1.0", true),
            ("123.0+0", true),
        ] {
            assert_eq!(parse_job_id(id), Ok(step), "{id}");
        }
        for bad in [
            "", "x", "12a", "123_4_5", "123+0_1", "123_x", "123..0", "123.", "123.a b",
        ] {
            assert!(parse_job_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_have_stable_codes_and_readable_messages() {
        let err = parse_sacct("1|2|3").unwrap_err();
        assert_eq!(err.code(), "bad_lines");
        assert_eq!(
            err.to_string(),
            "1 bad line(s), first line 1: expected 6 fields separated by '|', found 3"
        );
    }
}
