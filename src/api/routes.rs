//! Which paths and methods exist, derived from the OpenAPI document, so that a request
//! for a known path with the wrong method gets 405 with `Allow` instead of 404.

use utoipa::openapi::OpenApi;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let item = serde_json::to_value(item).unwrap_or_default();
                let allowed = METHODS
                    .iter()
                    .filter(|m| item.get(**m).is_some())
                    .map(|m| m.to_uppercase())
                    .collect();
                (parse_template(path), allowed)
            })
            .collect();
        RouteTable { routes }
    }

    /// The methods allowed on `path`, or `None` when no documented route matches it.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut methods: Vec<&str> = Vec::new();
        for (template, allowed) in &self.routes {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(seg, part)| match seg {
                    Segment::Literal(lit) => lit == part,
                    Segment::Param => !part.is_empty(),
                });
            if matches {
                methods.extend(allowed.iter().map(String::as_str));
            }
        }
        if methods.is_empty() {
            return None;
        }
        methods.sort_unstable();
        methods.dedup();
        Some(methods.join(", "))
    }
}

fn parse_template(path: &str) -> Vec<Segment> {
    path.trim_end_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_allowed_methods_for_templates() {
        let table = RouteTable::from_openapi(&crate::api::openapi());
        assert_eq!(
            table.allowed("/api/v1/projects").as_deref(),
            Some("GET, POST")
        );
        assert_eq!(
            table.allowed("/api/v1/projects/llama").as_deref(),
            Some("GET, PATCH")
        );
        assert_eq!(table.allowed("/healthz").as_deref(), Some("GET"));
        assert_eq!(table.allowed("/api/v1/nothing"), None);
        assert_eq!(table.allowed("/api/v1/projects/a/b"), None);
    }
}
