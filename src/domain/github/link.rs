//! The `Link` response header (RFC 8288 §3) as GitHub sends it for pagination:
//! `<https://api.github.com/repositories/1/issues?page=2>; rel="next", <…>; rel="last"`.
//!
//! GitHub Docs, "Using pagination in the REST API"
//! (<https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api>),
//! and "Best practices for using the REST API" ("you should not try to manually construct
//! pagination queries. Instead, you should use the link headers"): the `next`, `prev`,
//! `first` and `last` URLs are returned verbatim, to be requested as given.
//!
//! Why not the `parse_link_header` crate: it deletes every space, quote and angle bracket
//! before splitting on `,` and `;`, so `rel="next last"` becomes the relation `nextlast`,
//! a `,` or `;` inside a quoted parameter or a URL splits the link, and one parameter
//! without `=` fails the whole header. The grammar is small, so it is written out here:
//!
//! ```text
//! Link           = #link-value                      ; RFC 8288 §3, list rule RFC 9110 §5.6.1
//! link-value     = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//! link-param     = token BWS [ "=" BWS ( token / quoted-string ) ]
//! relation-types = relation-type / DQUOTE relation-type *( 1*SP relation-type ) DQUOTE
//! ```
//!
//! Rules applied: parameter names and relation types compare without regard to ASCII case
//! (RFC 8288 §2.1.1, §3); only the first `rel` of a link-value counts (§3.3: later ones
//! MUST be ignored); empty list elements are allowed (RFC 9110 §5.6.1); a link-value
//! without `rel` is ignored; when several link-values carry the same relation the first
//! wins. `previous` is accepted as the registered synonym of `prev`. A header that breaks
//! the grammar yields nothing (see [`try_parse`] to tell that apart from "no next page").

use url::Url;

/// The pagination links of one response: each target URI exactly as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `rel="next"`: the next page; `None` on the last page.
    pub next: Option<String>,
    /// `rel="prev"` (or `previous`): the previous page.
    pub prev: Option<String>,
    /// `rel="first"`: the first page.
    pub first: Option<String>,
    /// `rel="last"`: the last page, when GitHub could compute it.
    pub last: Option<String>,
}

/// Where a `Link` header broke RFC 8288's grammar (byte offset into the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkHeaderError {
    /// A link-value did not start with `<`.
    #[error("expected '<' at byte {0}")]
    ExpectedUri(usize),
    /// The `<` had no matching `>`, or the URI held whitespace, controls or `<`.
    #[error("bad URI reference at byte {0}")]
    BadUri(usize),
    /// A parameter was not `token [= token / quoted-string]`.
    #[error("bad parameter at byte {0}")]
    BadParam(usize),
    /// A quoted string was not closed.
    #[error("unterminated quoted string at byte {0}")]
    Unterminated(usize),
    /// Something other than `;` or `,` followed a link-value or parameter.
    #[error("unexpected character at byte {0}")]
    Unexpected(usize),
}

/// The pagination links of a `Link` header value; garbage (anything [`try_parse`]
/// refuses) gives no links. Never panics.
pub fn parse(header: &str) -> Links {
    try_parse(header).unwrap_or_default()
}

/// Like [`parse`], but says why a header that breaks the grammar was refused, so that a
/// sync can fail loudly instead of taking a garbled header for "no next page".
pub fn try_parse(header: &str) -> Result<Links, LinkHeaderError> {
    let mut p = Parser {
        s: header,
        b: header.as_bytes(),
        i: 0,
    };
    let mut links = Links::default();
    loop {
        // Empty list elements and the whitespace around them.
        while p.peek().is_some_and(|c| c == b',' || is_ows(c)) {
            p.i += 1;
        }
        if p.peek().is_none() {
            return Ok(links);
        }
        let (uri, rels) = p.link_value()?;
        for rel in rels.split([' ', '\t']).filter(|r| !r.is_empty()) {
            let slot = if rel.eq_ignore_ascii_case("next") {
                &mut links.next
            } else if rel.eq_ignore_ascii_case("prev") || rel.eq_ignore_ascii_case("previous") {
                &mut links.prev
            } else if rel.eq_ignore_ascii_case("first") {
                &mut links.first
            } else if rel.eq_ignore_ascii_case("last") {
                &mut links.last
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(uri.to_owned());
            }
        }
        p.skip_ows();
        match p.peek() {
            None => return Ok(links),
            Some(b',') => p.i += 1,
            Some(_) => return Err(LinkHeaderError::Unexpected(p.i)),
        }
    }
}

/// Whether `link` is on the same origin (scheme, host, port; RFC 6454) as `api_base`.
/// A client must check this before sending its token to a URL taken from a response:
/// GitHub's links always point back at the API they came from.
pub fn is_same_origin(link: &str, api_base: &str) -> bool {
    match (Url::parse(link), Url::parse(api_base)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.origin().is_tuple(),
        _ => false,
    }
}

fn is_ows(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.i += 1;
        }
    }

    /// `"<" URI-Reference ">" *( OWS ";" OWS link-param )` → (URI, first rel's value, or
    /// "" without one). Slices are taken next to ASCII delimiters, so on char boundaries.
    fn link_value(&mut self) -> Result<(&'a str, String), LinkHeaderError> {
        if self.peek() != Some(b'<') {
            return Err(LinkHeaderError::ExpectedUri(self.i));
        }
        let start = self.i + 1;
        let len = self.b[start..]
            .iter()
            .position(|&c| c == b'>')
            .ok_or(LinkHeaderError::BadUri(start))?;
        let uri = &self.s[start..start + len];
        if uri.is_empty()
            || uri
                .bytes()
                .any(|c| c <= b' ' || c == 0x7f || c == b'<' || c == b'"')
        {
            return Err(LinkHeaderError::BadUri(start));
        }
        self.i = start + len + 1;

        let mut rel: Option<String> = None;
        loop {
            let before = self.i;
            self.skip_ows();
            if self.peek() != Some(b';') {
                self.i = before;
                break;
            }
            self.i += 1;
            self.skip_ows();
            let (name, value) = self.param()?;
            if rel.is_none() && name.eq_ignore_ascii_case("rel") {
                rel = Some(value.unwrap_or_default());
            }
        }
        Ok((uri, rel.unwrap_or_default()))
    }

    /// `token BWS [ "=" BWS ( token / quoted-string ) ]`.
    fn param(&mut self) -> Result<(&'a str, Option<String>), LinkHeaderError> {
        let name = self.token().ok_or(LinkHeaderError::BadParam(self.i))?;
        let before = self.i;
        self.skip_ows();
        if self.peek() != Some(b'=') {
            self.i = before;
            return Ok((name, None));
        }
        self.i += 1;
        self.skip_ows();
        if self.peek() == Some(b'"') {
            return Ok((name, Some(self.quoted_string()?)));
        }
        let value = self.token().ok_or(LinkHeaderError::BadParam(self.i))?;
        Ok((name, Some(value.to_owned())))
    }

    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    /// RFC 9110 §5.6.4: `DQUOTE *( qdtext / quoted-pair ) DQUOTE`, unescaped.
    fn quoted_string(&mut self) -> Result<String, LinkHeaderError> {
        let open = self.i;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(LinkHeaderError::Unterminated(open)),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    let c = *self
                        .b
                        .get(self.i + 1)
                        .ok_or(LinkHeaderError::Unterminated(open))?;
                    out.push(c);
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOCS_EXAMPLE: &str = r#"<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=4>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first""#;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn githubs_documented_header() {
        assert_eq!(
            parse(DOCS_EXAMPLE),
            Links {
                next: s("https://api.github.com/repositories/1300192/issues?page=4"),
                prev: s("https://api.github.com/repositories/1300192/issues?page=2"),
                first: s("https://api.github.com/repositories/1300192/issues?page=1"),
                last: s("https://api.github.com/repositories/1300192/issues?page=515"),
            }
        );
    }

    #[test]
    fn urls_are_verbatim_with_their_query() {
        let h = r#"<https://api.github.com/repositories/1300192/issues?per_page=2&page=2>; rel="next", <https://api.github.com/repositories/1300192/issues?per_page=2&page=7715>; rel="last""#;
        let links = parse(h);
        assert_eq!(
            links.next.as_deref(),
            Some("https://api.github.com/repositories/1300192/issues?per_page=2&page=2")
        );
        assert_eq!(links.prev, None);
        assert_eq!(links.first, None);
        // Cursor pagination, commas and semicolons inside the URI, percent-encoding.
        let h = r#"<https://api.github.com/repos/o/r/commits?per_page=100&after=Y3Vyc29yOnYyOpK5MjAyNC0wMS0wMVQwMDowMDowMCswMDowMM4A%3D%3D&labels=a,b;c>; rel="next""#;
        assert_eq!(
            parse(h).next.as_deref(),
            Some(
                "https://api.github.com/repos/o/r/commits?per_page=100&after=Y3Vyc29yOnYyOpK5MjAyNC0wMS0wMVQwMDowMDowMCswMDowMM4A%3D%3D&labels=a,b;c"
            )
        );
    }

    #[test]
    fn several_rels_params_whitespace_and_case() {
        let h = "  ,<https://x.test/a?page=9>\t;  title=\"Next; last, really\" ; REL = \"Next  LAST\" ; rel=\"prev\",, \
                 <https://x.test/a?page=1> ; rel=first ; anchor=\"#x\" ,";
        let links = parse(h);
        assert_eq!(links.next.as_deref(), Some("https://x.test/a?page=9"));
        assert_eq!(links.last.as_deref(), Some("https://x.test/a?page=9"));
        assert_eq!(
            links.prev, None,
            "only the first rel of a link-value counts"
        );
        assert_eq!(links.first.as_deref(), Some("https://x.test/a?page=1"));
    }

    #[test]
    fn previous_is_prev_and_the_first_link_of_a_relation_wins() {
        let h = r#"<https://x.test/1>; rel="previous", <https://x.test/2>; rel="prev", <https://x.test/3>; rel="next", <https://x.test/4>; rel="next""#;
        let links = parse(h);
        assert_eq!(links.prev.as_deref(), Some("https://x.test/1"));
        assert_eq!(links.next.as_deref(), Some("https://x.test/3"));
    }

    #[test]
    fn other_relations_and_rel_less_links_are_ignored() {
        let h = r#"<https://x.test/a>; rel="alternate", <https://x.test/b>; type="text/html", <https://x.test/c>; rel, <https://x.test/d>; rel="nextpage""#;
        assert_eq!(try_parse(h), Ok(Links::default()));
    }

    #[test]
    fn escapes_in_quoted_strings() {
        let h =
            r#"<https://x.test/a>; title="a \"quoted\" \\ title", <https://x.test/b>; rel="\next""#;
        assert_eq!(parse(h).next.as_deref(), Some("https://x.test/b"));
    }

    #[test]
    fn empty_header_has_no_links() {
        assert_eq!(try_parse(""), Ok(Links::default()));
        assert_eq!(try_parse(" , ,\t"), Ok(Links::default()));
    }

    #[test]
    fn garbage_gives_none_and_says_why() {
        let cases = [
            (
                "https://x.test/a; rel=\"next\"",
                LinkHeaderError::ExpectedUri(0),
            ),
            (
                "<https://x.test/a; rel=\"next\"",
                LinkHeaderError::BadUri(1),
            ),
            ("<>; rel=\"next\"", LinkHeaderError::BadUri(1)),
            (
                "<https://x.test/a b>; rel=\"next\"",
                LinkHeaderError::BadUri(1),
            ),
            (
                "<https://x.test/a>; rel=\"next",
                LinkHeaderError::Unterminated(24),
            ),
            ("<https://x.test/a>; =next", LinkHeaderError::BadParam(20)),
            ("<https://x.test/a>; rel=", LinkHeaderError::BadParam(24)),
            (
                "<https://x.test/a> rel=\"next\"",
                LinkHeaderError::Unexpected(19),
            ),
            (
                "<https://x.test/a>; rel=next <https://x.test/b>",
                LinkHeaderError::Unexpected(29),
            ),
            (
                "<https://x.test/a>; rel=\"next\"; \u{e9}=1",
                LinkHeaderError::BadParam(32),
            ),
        ];
        for (h, err) in cases {
            assert_eq!(try_parse(h), Err(err), "{h}");
            assert_eq!(parse(h), Links::default(), "{h}");
        }
    }

    #[test]
    fn same_origin_guard() {
        let base = "https://api.github.com";
        assert!(is_same_origin(
            "https://api.github.com/repositories/1/issues?page=2",
            base
        ));
        assert!(is_same_origin(
            "https://API.github.com:443/x",
            "https://api.github.com/"
        ));
        for other in [
            "http://api.github.com/x",
            "https://api.github.com.evil.test/x",
            "https://evil.test/?https://api.github.com",
            "https://api.github.com:444/x",
            "/repositories/1/issues?page=2",
            "data:text/plain,x",
            "",
        ] {
            assert!(!is_same_origin(other, base), "{other}");
        }
        assert!(is_same_origin(
            "http://127.0.0.1:8081/api/v3/x",
            "http://127.0.0.1:8081/api/v3"
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(h in "(?s).{0,200}") {
            let _ = parse(&h);
        }

        #[test]
        fn link_shaped_soup_never_panics(h in r#"[<>;,="\\ \ta-z:/?&é]{0,80}"#) {
            let _ = parse(&h);
        }

        #[test]
        fn any_url_round_trips_verbatim(
            path in "[a-zA-Z0-9/._~%!$&'()*+,;=:@-]{0,60}",
            query in "[a-zA-Z0-9/._~%!$&'()*+,;=:@?-]{0,60}",
            rel_case in prop::sample::select(vec!["next", "NEXT", "Next"]),
            quoted in any::<bool>(),
        ) {
            let url = format!("https://api.github.com/{path}?{query}");
            let rel = if quoted { format!("\"{rel_case}\"") } else { rel_case.to_owned() };
            let h = format!("<{url}>; rel={rel}, <https://api.github.com/last>; rel=\"last\"");
            let links = parse(&h);
            prop_assert_eq!(links.next, Some(url));
            prop_assert_eq!(links.last.as_deref(), Some("https://api.github.com/last"));
        }
    }
}
