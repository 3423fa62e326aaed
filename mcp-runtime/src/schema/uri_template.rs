//! Resource URI templates (RFC 6570, the subset resources need): `{var}`
//! simple expansions, and a trailing `{?a,b}` form-style query. A template
//! is matched against a URI to find the values of its variables.

use std::fmt;

use percent_encoding::percent_decode_str;
use regex_lite::Regex;

/// Why a resource's URI template cannot be used.
#[derive(Debug)]
pub(crate) struct UriTemplateError {
    template: String,
    flaw: Flaw,
}

#[derive(Debug)]
enum Flaw {
    Unmatched,
    Unclosed,
    QueryNotLast,
    Twice(String),
    Operator(char),
    Name(String),
    Pattern(regex_lite::Error),
}

impl UriTemplateError {
    fn new(template: &str, flaw: Flaw) -> Self {
        UriTemplateError {
            template: template.to_owned(),
            flaw,
        }
    }
}

impl fmt::Display for UriTemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let template = &self.template;
        match &self.flaw {
            Flaw::Unmatched => write!(f, "the URI template `{template}` has an unmatched `}}`"),
            Flaw::Unclosed => write!(f, "the URI template `{template}` has an unclosed `{{`"),
            Flaw::QueryNotLast => write!(
                f,
                "in the URI template `{template}`, the `{{?…}}` query expansion must come last"
            ),
            Flaw::Twice(name) => write!(f, "the URI template `{template}` names `{name}` twice"),
            Flaw::Operator(op) => write!(
                f,
                "the URI template `{template}` uses the `{op}` operator; resource templates \
                 support `{{name}}` and a final `{{?name,…}}`"
            ),
            Flaw::Name(name) => write!(
                f,
                "the URI template `{template}` has an invalid variable name `{name}` (letters, \
                 digits and `_`)"
            ),
            Flaw::Pattern(e) => write!(f, "the URI template `{template}` cannot be matched: {e}"),
        }
    }
}

/// A parsed URI template.
#[derive(Debug)]
pub(crate) struct UriTemplate {
    /// The variables of `{var}` expansions, in order.
    pub path_vars: Vec<String>,
    /// The variables of the trailing `{?…}` expansion.
    pub query_vars: Vec<String>,
    /// Literal characters: the more, the more specific a template is.
    pub literal_len: usize,
    matcher: Regex,
}

impl UriTemplate {
    pub(crate) fn parse(template: &str) -> Result<UriTemplate, UriTemplateError> {
        let mut pattern = String::from("^");
        let mut path_vars: Vec<String> = Vec::new();
        let mut query_vars = Vec::new();
        let mut literal_len = 0;
        let mut rest = template;
        while let Some(start) = rest.find(['{', '}']) {
            if rest[start..].starts_with('}') {
                return Err(UriTemplateError::new(template, Flaw::Unmatched));
            }
            if !query_vars.is_empty() {
                return Err(UriTemplateError::new(template, Flaw::QueryNotLast));
            }
            let literal = &rest[..start];
            pattern.push_str(&regex_lite::escape(literal));
            literal_len += literal.len();
            let end = rest[start..]
                .find('}')
                .map(|i| start + i)
                .ok_or_else(|| UriTemplateError::new(template, Flaw::Unclosed))?;
            let inner = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if let Some(list) = inner.strip_prefix('?') {
                for name in list.split(',') {
                    check_name(template, name)?;
                    if path_vars.iter().chain(&query_vars).any(|v| v == name) {
                        return Err(UriTemplateError::new(template, Flaw::Twice(name.into())));
                    }
                    query_vars.push(name.to_owned());
                }
                continue;
            }
            if let Some(op) = inner.chars().next().filter(|c| "+#./;&=,!@|".contains(*c)) {
                return Err(UriTemplateError::new(template, Flaw::Operator(op)));
            }
            check_name(template, inner)?;
            if path_vars.iter().any(|v| v == inner) {
                return Err(UriTemplateError::new(template, Flaw::Twice(inner.into())));
            }
            path_vars.push(inner.to_owned());
            pattern.push_str("([^/?#]+)");
        }
        pattern.push_str(&regex_lite::escape(rest));
        literal_len += rest.len();
        if !query_vars.is_empty() {
            pattern.push_str(r"(?:\?([^#]*))?");
        }
        pattern.push('$');
        // Every part is escaped or a fixed group: the pattern always compiles.
        let matcher =
            Regex::new(&pattern).map_err(|e| UriTemplateError::new(template, Flaw::Pattern(e)))?;
        Ok(UriTemplate {
            path_vars,
            query_vars,
            literal_len,
            matcher,
        })
    }

    /// Whether the template has no variables: a plain URI.
    pub(crate) fn is_static(&self) -> bool {
        self.path_vars.is_empty() && self.query_vars.is_empty()
    }

    /// The values of the variables in `uri` (percent-decoded), or `None`
    /// when the URI does not fit the template. Query parameters the
    /// template does not name make the URI not fit.
    pub(crate) fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let captures = self.matcher.captures(uri)?;
        let mut values = Vec::with_capacity(self.path_vars.len() + self.query_vars.len());
        for (i, name) in self.path_vars.iter().enumerate() {
            let raw = captures.get(i + 1)?.as_str();
            values.push((
                name.clone(),
                percent_decode_str(raw).decode_utf8().ok()?.into_owned(),
            ));
        }
        if let Some(query) = captures.get(self.path_vars.len() + 1) {
            for (name, value) in form_urlencoded(query.as_str())? {
                if !self.query_vars.contains(&name) || values.iter().any(|(n, _)| *n == name) {
                    return None;
                }
                values.push((name, value));
            }
        }
        Some(values)
    }
}

/// `a=1&b=x%20y` as pairs, decoded; `None` if a part is not UTF-8.
fn form_urlencoded(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .ok()
                    .map(|c| c.into_owned())
            };
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// RFC 6570 variable names: letters, digits, `_`, and `.` between them.
fn check_name(template: &str, name: &str) -> Result<(), UriTemplateError> {
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if valid {
        Ok(())
    } else {
        Err(UriTemplateError::new(template, Flaw::Name(name.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(template).unwrap().matches(uri)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn simple_variables_match_one_segment_each() {
        assert_eq!(
            values("items://{id}", "items://42"),
            Some(pairs(&[("id", "42")]))
        );
        assert_eq!(
            values("test://template/{id}/data", "test://template/123/data"),
            Some(pairs(&[("id", "123")]))
        );
        assert_eq!(
            values("repo://{owner}/{name}", "repo://a%20b/c"),
            Some(pairs(&[("owner", "a b"), ("name", "c")]))
        );
        assert_eq!(values("items://{id}", "items://1/2"), None);
        assert_eq!(values("items://{id}", "items://"), None);
        assert_eq!(values("items://{id}", "other://1"), None);
        // Regex characters in literals are literal.
        assert_eq!(values("a.b://{x}", "aXb://1"), None);
    }

    #[test]
    fn query_expansions_are_optional_and_named() {
        let t = "items://search{?q,limit}";
        assert_eq!(values(t, "items://search"), Some(vec![]));
        assert_eq!(
            values(t, "items://search?q=red+hat&limit=5"),
            Some(pairs(&[("q", "red hat"), ("limit", "5")]))
        );
        assert_eq!(values(t, "items://search?other=1"), None);
        assert_eq!(values(t, "items://search?q=1&q=2"), None);
    }

    #[test]
    fn static_uris_match_themselves_only() {
        let t = UriTemplate::parse("test://static-text").unwrap();
        assert!(t.is_static());
        assert_eq!(t.matches("test://static-text"), Some(vec![]));
        assert_eq!(t.matches("test://static-text2"), None);
    }

    #[test]
    fn malformed_templates_are_explained() {
        for (template, expected) in [
            ("items://{id", "unclosed"),
            ("items://id}", "unmatched"),
            ("items://{}", "invalid variable name ``"),
            ("items://{a-b}", "invalid variable name `a-b`"),
            ("items://{+path}", "`+` operator"),
            ("items://{id}/{id}", "twice"),
            ("items://{?q}/{id}", "must come last"),
            ("items://{id}{?id}", "twice"),
        ] {
            let e = UriTemplate::parse(template).unwrap_err();
            assert!(e.to_string().contains(expected), "{template}: {e}");
        }
    }
}
