//! Git trailers (`Token: value` lines such as `Co-authored-by:`) read from a commit
//! message exactly as git itself finds them.
//!
//! Sources: git-interpret-trailers(1) (<https://git-scm.com/docs/git-interpret-trailers>),
//! and, where the manual is silent, git's `trailer.c` (`find_end_of_log_message`,
//! `find_trailer_block_start`, `find_separator`, `trailer_info_get`, `unfold_value`) and
//! `commit.c` (`ignored_log_message_bytes`), with git's defaults: separator `:`, comment
//! character `#`, no `trailer.*` configuration, and no `---` patch divider (git reads
//! commit messages with `no_divider`, as `git log --format=%(trailers)` does, because a
//! message may legitimately contain a `---` line).
//!
//! The rules, as git applies them:
//! 1. The end of the message is found by dropping a trailing run of comment (`#`) lines,
//!    empty lines and an old-style `Conflicts:` block, and anything from a scissors line
//!    (`# ------------------------ >8 ------------------------`) on.
//! 2. The first paragraph (the subject, up to the first blank line) can never hold
//!    trailers.
//! 3. Only the **last paragraph** can be the trailer block: scanning up from the end, the
//!    block is the lines after the first blank line above some non-blank line. It counts
//!    if (i) every line in it is a trailer (continuation lines, those starting with
//!    whitespace, belong to the trailer above them), or (ii) it holds at least one
//!    git-generated trailer (`Signed-off-by: ` or `(cherry picked from commit `) and at
//!    least 25% of its lines are trailers ("contains at least one Git-generated or
//!    user-configured trailer and consists of at least 25% trailers", the manual). Rule
//!    (ii) is implemented because it is what git does; it only applies when a
//!    `Signed-off-by` line is there.
//! 4. A trailer line is a token of ASCII letters, digits and `-`, optional spaces or tabs,
//!    then `:`; the line must not start with whitespace. Token and value are trimmed. A
//!    value may be folded over lines that start with whitespace (RFC 822 style); folded
//!    values are unfolded to one line, as `git interpret-trailers --parse` does.
//! 5. Comment lines inside the block are skipped; lines in the block that are not
//!    trailers (under rule ii) are skipped too.
//!
//! Whitespace is git's: space, tab, CR and LF. So CRLF messages parse like LF ones (the
//! CR is trailing whitespace that trimming removes, and a line holding only CR is blank).
//! A line quoted in an earlier paragraph, or a quoted `> Co-authored-by:` line (the `>`
//! makes it a non-trailer), is never a trailer.

/// One trailer: its token and value, trimmed, the value unfolded onto one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The token as written (case preserved), e.g. `Co-authored-by`.
    pub token: String,
    /// The value, e.g. `Alice <alice@example.org>`.
    pub value: String,
}

impl Trailer {
    /// Whether the token is `token`, ignoring ASCII case (git compares tokens with
    /// `strncasecmp`).
    pub fn is(&self, token: &str) -> bool {
        self.token.eq_ignore_ascii_case(token)
    }
}

/// The lines git itself counts as trailers even in a block that is not all trailers.
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];
const COMMENT: u8 = b'#';
const SCISSORS: &[u8] = b"# ------------------------ >8 ------------------------\n";

/// The trailers of a commit message, in order, as `git interpret-trailers --parse
/// --no-divider` lists them (see the module documentation for the rules). Never fails:
/// a message without a trailer block gives an empty list.
pub fn parse(message: &str) -> Vec<Trailer> {
    // A commit object's message ends with a newline, and `git interpret-trailers`
    // completes the last line too (`strbuf_complete_line`); GitHub's API drops it.
    let mut owned;
    let mut buf = message.as_bytes();
    if !buf.is_empty() && !buf.ends_with(b"\n") {
        owned = Vec::with_capacity(buf.len() + 1);
        owned.extend_from_slice(buf);
        owned.push(b'\n');
        buf = &owned;
    }
    let end = buf.len() - ignored_log_message_bytes(buf);
    let start = find_trailer_block_start(&buf[..end]);
    let block = &buf[start..end];

    // trailer_info_get: split keeping terminators; a line starting with whitespace is
    // glued to the trailer before it (only if that one had a separator).
    let mut items: Vec<Vec<u8>> = Vec::new();
    let mut last_is_trailer = false;
    for line in split_inclusive(block) {
        if last_is_trailer && line.first().copied().is_some_and(is_space) {
            if let Some(last) = items.last_mut() {
                last.extend_from_slice(line);
            }
            continue;
        }
        last_is_trailer = find_separator(line).is_some_and(|p| p >= 1);
        items.push(line.to_vec());
    }

    items
        .iter()
        .filter(|item| item.first() != Some(&COMMENT))
        .filter_map(|item| {
            let sep = find_separator(item).filter(|&p| p >= 1)?;
            let token = trim(&item[..sep]);
            let value = unfold(trim(&item[sep + 1..]));
            Some(Trailer {
                token: String::from_utf8_lossy(token).into_owned(),
                value: String::from_utf8_lossy(&value).into_owned(),
            })
        })
        .collect()
}

/// git's `isspace` (its own ctype table): space, `\t`, `\n`, `\r`; not `\v` or `\f`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// `unfold_value`: each newline and the whitespace after it become one space.
fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let c = value[i];
        i += 1;
        if c == b'\n' {
            while i < value.len() && is_space(value[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

/// Lines with their `\n` (the last one may lack it).
fn split_inclusive(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    buf.split_inclusive(|&b| b == b'\n')
}

/// `is_blank_line`: only whitespace up to the end of the line.
fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .take_while(|&&b| b != b'\n')
        .all(|&b| is_space(b))
}

/// `find_separator` with separators `:`: the position of the `:` after a token of
/// alphanumerics and `-`, optionally followed by spaces or tabs; `None` if the line is
/// not shaped so. `Some(0)` when the line starts with `:`.
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// `last_line`: the start of the last line of `buf[..len]` (a final `\n` belongs to it).
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => Some(
            buf[..len - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1),
        ),
    }
}

fn next_line(buf: &[u8], at: usize) -> usize {
    buf[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| at + i + 1)
}

/// `find_trailer_block_start`: where the trailer block starts, or `buf.len()` if none.
fn find_trailer_block_start(buf: &[u8]) -> usize {
    let len = buf.len();
    // The first paragraph is the title and cannot be trailers.
    let mut s = 0;
    while s < len {
        if buf[s] != COMMENT && is_blank_line(&buf[s..]) {
            break;
        }
        s = next_line(buf, s);
    }
    let end_of_title = s;

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let (mut trailer_lines, mut non_trailer_lines, mut possible_continuation_lines) =
        (0usize, 0usize, 0usize);
    let mut l = last_line(buf, len);
    while let Some(bol) = l.filter(|&l| l >= end_of_title) {
        l = last_line(buf, bol);
        let line = &buf[bol..];
        if line[0] == COMMENT {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(line) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return next_line(buf, bol);
            }
            return len;
        }
        only_spaces = false;

        if GIT_GENERATED_PREFIXES.iter().any(|p| line.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }
        if find_separator(line).is_some_and(|p| p >= 1) && !is_space(line[0]) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if is_space(line[0]) {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

/// `wt_status_locate_end`: where a scissors line starts (it and all below are dropped).
fn scissors_at(buf: &[u8]) -> usize {
    if buf.starts_with(SCISSORS) {
        return 0;
    }
    buf.windows(SCISSORS.len() + 1)
        .position(|w| w[0] == b'\n' && &w[1..] == SCISSORS)
        .map_or(buf.len(), |i| i + 1)
}

/// `ignored_log_message_bytes`: how many bytes at the end are not log message (a final
/// run of comment lines, empty lines and an old `Conflicts:` block, or a scissors part).
fn ignored_log_message_bytes(buf: &[u8]) -> usize {
    let len = buf.len();
    let cutoff = scissors_at(buf);
    // `boc` is 0 for "no run"; git shares the quirk that a run starting at byte 0 is
    // then only recorded from its second line, which cannot matter for the trailer block
    // (it would be the title).
    let (mut boc, mut bol, mut in_old_conflicts_block) = (0usize, 0usize, false);
    while bol < cutoff {
        let next = next_line(buf, bol);
        let line = &buf[bol..cutoff];
        if line.first() == Some(&COMMENT) || buf[bol] == b'\n' {
            if boc == 0 {
                boc = bol;
            }
        } else if buf[bol..].starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && buf[bol] == b'\t' {
            // a path in the conflicts block
        } else if boc != 0 {
            boc = 0;
            in_old_conflicts_block = false;
        }
        bol = next;
    }
    if boc != 0 { len - boc } else { len - cutoff }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(message: &str) -> Vec<(String, String)> {
        parse(message)
            .into_iter()
            .map(|t| (t.token, t.value))
            .collect()
    }

    fn p(token: &str, value: &str) -> (String, String) {
        (token.to_owned(), value.to_owned())
    }

    #[test]
    fn the_manuals_example() {
        let msg = "subject\n\nLorem ipsum dolor sit amet, consectetur adipiscing elit.\n\n\
                   Signed-off-by: Alice <alice@example.com>\nSigned-off-by: Bob <bob@example.com>\n";
        assert_eq!(
            pairs(msg),
            vec![
                p("Signed-off-by", "Alice <alice@example.com>"),
                p("Signed-off-by", "Bob <bob@example.com>"),
            ]
        );
    }

    #[test]
    fn the_subject_paragraph_is_never_a_trailer_block() {
        assert!(parse("Co-authored-by: A <a@x.org>").is_empty());
        assert!(parse("Co-authored-by: A <a@x.org>\n").is_empty());
        assert!(parse("Fix: a thing\nCo-authored-by: A <a@x.org>\n").is_empty());
        // A message starting with a blank line has an empty subject.
        assert_eq!(
            pairs("\nCo-authored-by: A <a@x.org>\n"),
            vec![p("Co-authored-by", "A <a@x.org>")]
        );
    }

    #[test]
    fn only_the_last_paragraph_counts() {
        let msg = "subject\n\nCo-authored-by: A <a@x.org>\n\nJust prose.\n";
        assert!(parse(msg).is_empty());
        let msg = "subject\n\nCo-authored-by: A <a@x.org>\n\nCo-authored-by: B <b@x.org>\n";
        assert_eq!(pairs(msg), vec![p("Co-authored-by", "B <b@x.org>")]);
    }

    #[test]
    fn a_paragraph_with_prose_is_not_a_trailer_block() {
        let msg = "subject\n\nAs Bob said\nCo-authored-by: B <b@x.org>\n";
        assert!(parse(msg).is_empty());
        let msg = "subject\n\n> Co-authored-by: B <b@x.org>\n";
        assert!(parse(msg).is_empty());
        let msg = "subject\n\nCo-authored-by: A <a@x.org>\n> Co-authored-by: B <b@x.org>\n";
        assert!(parse(msg).is_empty());
    }

    #[test]
    fn the_25_percent_rule_needs_a_git_generated_trailer() {
        // 1 trailer of 4 lines (25%) with Signed-off-by: a block; its prose is skipped.
        let msg = "subject\n\nSigned-off-by: A <a@x.org>\none\ntwo\nthree\n";
        assert_eq!(pairs(msg), vec![p("Signed-off-by", "A <a@x.org>")]);
        // 2 of 5 (40%): the co-author counts.
        let msg = "subject\n\nsome prose\nCo-authored-by: B <b@x.org>\nmore\nprose\nSigned-off-by: A <a@x.org>\n";
        assert_eq!(
            pairs(msg),
            vec![
                p("Co-authored-by", "B <b@x.org>"),
                p("Signed-off-by", "A <a@x.org>")
            ]
        );
        // 1 of 5 (20%): not a block.
        let msg = "subject\n\nSigned-off-by: A <a@x.org>\none\ntwo\nthree\nfour\n";
        assert!(parse(msg).is_empty());
        // Without a git-generated trailer, one prose line spoils it.
        let msg = "subject\n\nCo-authored-by: B <b@x.org>\nReviewed-by: C <c@x.org>\nprose\n";
        assert!(parse(msg).is_empty());
        // The prefix is case- and space-sensitive.
        let msg = "subject\n\nsigned-off-by: A <a@x.org>\nprose\n";
        assert!(parse(msg).is_empty());
    }

    #[test]
    fn cherry_pick_lines_are_git_generated() {
        let msg = "subject\n\nCo-authored-by: B <b@x.org>\n(cherry picked from commit 0123abc)\n";
        assert_eq!(pairs(msg), vec![p("Co-authored-by", "B <b@x.org>")]);
    }

    #[test]
    fn folded_values_are_unfolded() {
        let msg = "subject\n\nCo-authored-by: A Long\n  Name <a@x.org>\nAcked-by: C\n";
        assert_eq!(
            pairs(msg),
            vec![
                p("Co-authored-by", "A Long Name <a@x.org>"),
                p("Acked-by", "C")
            ]
        );
        // A paragraph starting with an indented line is not a block.
        assert!(parse("subject\n\n  indented\nAcked-by: C\n").is_empty());
    }

    #[test]
    fn crlf_and_trailing_whitespace() {
        let msg = "subject\r\n\r\nbody\r\n\r\nCo-authored-by: A <a@x.org>  \r\nco-AUTHORED-by :\tB <b@x.org>\t\r\n";
        assert_eq!(
            pairs(msg),
            vec![
                p("Co-authored-by", "A <a@x.org>"),
                p("co-AUTHORED-by", "B <b@x.org>")
            ]
        );
        // Blank lines made of spaces or CR still separate paragraphs.
        let msg = "subject\n \t\r\nCo-authored-by: A <a@x.org>\n \n\n";
        assert_eq!(pairs(msg), vec![p("Co-authored-by", "A <a@x.org>")]);
    }

    #[test]
    fn token_shapes() {
        let cases = [
            ("Bug 43: x", false),
            ("Co_authored_by: x", false),
            (": x", false),
            (" Acked-by: x", false),
            ("Ack\u{e9}: x", false),
            ("Acked-by:x", true),
            ("Acked-by\t: x", true),
            ("x:", true),
        ];
        for (line, is_trailer) in cases {
            let msg = format!("subject\n\n{line}\n");
            assert_eq!(!parse(&msg).is_empty(), is_trailer, "{line:?}");
        }
    }

    #[test]
    fn comments_scissors_and_conflicts_are_not_message() {
        let msg = "subject\n\nAcked-by: A\n# Please enter the commit message\n#\n";
        assert_eq!(pairs(msg), vec![p("Acked-by", "A")]);
        let msg = "subject\n\nAcked-by: A\n# comment inside\nReviewed-by: B\n";
        assert_eq!(pairs(msg), vec![p("Acked-by", "A"), p("Reviewed-by", "B")]);
        let msg = "subject\n\nAcked-by: A\n# ------------------------ >8 ------------------------\nprose\n";
        assert_eq!(pairs(msg), vec![p("Acked-by", "A")]);
        let msg = "subject\n\nAcked-by: A\n\nConflicts:\n\tsrc/x.rs\n";
        assert_eq!(pairs(msg), vec![p("Acked-by", "A")]);
        // As the API returns it, without the final newline.
        let msg = "subject\n\nAcked-by: A\nConflicts:";
        assert_eq!(pairs(msg), vec![p("Acked-by", "A")]);
    }

    #[test]
    fn a_patch_divider_is_message_text_in_a_commit() {
        // no_divider: `---` is prose, so the paragraph holding it is not a trailer block.
        let msg = "subject\n\nAcked-by: A\n---\n";
        assert!(parse(msg).is_empty());
    }

    #[test]
    fn empty_and_degenerate_input() {
        for msg in ["", "\n", "\n\n", "#", "# x\n", ":", "\r\n\r\n", "x\n\n\n"] {
            assert!(parse(msg).is_empty(), "{msg:?}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(msg in "(?s).{0,400}") {
            let _ = parse(&msg);
        }

        #[test]
        fn arbitrary_line_soup_never_panics(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just(String::new()),
                    Just("#".to_owned()),
                    Just(" cont".to_owned()),
                    Just("Signed-off-by: S <s@x>".to_owned()),
                    Just("Co-authored-by: A <a@x>".to_owned()),
                    Just("prose".to_owned()),
                    Just("\r".to_owned()),
                ],
                0..20,
            )
        ) {
            let msg = lines.join("\n");
            let got = parse(&msg);
            prop_assert!(got.iter().all(|t| !t.token.is_empty()));
        }
    }
}
