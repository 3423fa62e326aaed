//! What an attribute exposes: the word its messages use, and the rule that
//! a fn is exposed by one attribute only.

use syn::Attribute;

use crate::ctxt::Ctxt;

/// The item kind of one of this crate's attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Tool, Kind::Resource, Kind::Prompt];

    /// The attribute's name.
    fn ident(self) -> &'static str {
        match self {
            Kind::Tool => "mcp_tool",
            Kind::Resource => "mcp_resource",
            Kind::Prompt => "mcp_prompt",
        }
    }

    /// The attribute, as messages quote it: `#[mcp_tool]`.
    pub(crate) fn attr(self) -> String {
        format!("#[{}]", self.ident())
    }

    /// What it exposes: "tool", "resource", "prompt".
    pub(crate) fn noun(self) -> &'static str {
        &self.ident()["mcp_".len()..]
    }

    /// The fn it goes on: a (route) handler, or a prompt's plain function.
    pub(crate) fn function(self) -> &'static str {
        match self {
            Kind::Tool | Kind::Resource => "handler",
            Kind::Prompt => "function",
        }
    }

    /// "tool handler", "prompt function".
    pub(crate) fn handler(self) -> String {
        format!("{} {}", self.noun(), self.function())
    }
}

/// Reports another of this crate's attributes among `attrs` (those written
/// below the one expanding): one fn is one tool, resource or prompt, and
/// the expansions would each rename or register it. Returns whether one
/// was found; the other attribute still expands, as written.
pub(crate) fn exposed_twice(kind: Kind, attrs: &[Attribute], cx: &mut Ctxt) -> bool {
    let other = attrs.iter().find_map(|attr| {
        let name = attr.path().segments.last()?.ident.to_string();
        Some((attr, Kind::ALL.into_iter().find(|k| k.ident() == name)?))
    });
    let Some((attr, other)) = other else {
        return false;
    };
    let message = if other == kind {
        format!("`{}` is written twice", kind.attr())
    } else {
        format!(
            "`{}` and `{}` on one fn: it is a {} or a {}, not both",
            kind.attr(),
            other.attr(),
            kind.noun(),
            other.noun()
        )
    };
    cx.error(
        attr,
        message,
        "expose it once: keep one of the two attributes",
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn words() {
        assert_eq!(
            Kind::ALL.map(|k| (k.ident(), k.noun())),
            [
                ("mcp_tool", "tool"),
                ("mcp_resource", "resource"),
                ("mcp_prompt", "prompt")
            ]
        );
    }

    #[test]
    fn one_attribute_per_fn() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = "x"]),
            parse_quote!(#[mcp_runtime::mcp_tool]),
            parse_quote!(#[get("/x")]),
        ];
        assert!(exposed_twice(Kind::Resource, &attrs, &mut cx));
        assert!(!exposed_twice(Kind::Resource, &attrs[2..], &mut cx));
        assert!(exposed_twice(Kind::Tool, &attrs, &mut cx));
        let errors = cx.messages();
        assert_eq!(
            errors,
            [
                "`#[mcp_resource]` and `#[mcp_tool]` on one fn: it is a resource or a tool, not both\n\
                 = help: expose it once: keep one of the two attributes",
                "`#[mcp_tool]` is written twice\n= help: expose it once: keep one of the two attributes",
            ]
        );
    }
}
