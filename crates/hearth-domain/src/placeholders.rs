//! Placeholders in answers: `{{customer.firstName}}`, `{{agent.firstName}}`,
//! `{{customer.customAttributes.plan}}`. An agent inserting an answer gets the
//! ones Hearth knows filled in; the others stay as written and are named, so the
//! desktop can point at them and nobody sends a raw `{{...}}`.

use crate::error::DomainError;

/// The placeholders Hearth fills in, besides `customer.customAttributes.KEY`.
pub const KNOWN: &[&str] = &[
    "customer.firstName",
    "customer.lastName",
    "customer.name",
    "customer.email",
    "customer.phone",
    "agent.firstName",
    "agent.name",
    "agent.email",
];

const CUSTOM: &str = "customer.customAttributes.";

/// Refuses a text (`attr` for the error) with a placeholder Hearth can never fill:
/// a misspelt one would reach every customer raw.
pub fn check(attr: &str, text: &str) -> Result<(), DomainError> {
    let mut rest = text;
    while let Some((_, name, raw, after)) = next(rest) {
        let custom = name
            .strip_prefix(CUSTOM)
            .is_some_and(|key| !key.is_empty() && !key.contains('.'));
        if !custom && !KNOWN.contains(&name) {
            return Err(DomainError::invalid(
                attr,
                format!(
                    "{raw} is no placeholder Hearth fills in; use one of {}, or {{{{customer.customAttributes.KEY}}}}",
                    KNOWN
                        .iter()
                        .map(|k| format!("{{{{{k}}}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        rest = after;
    }
    Ok(())
}

/// A text with what could be filled in filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub text: String,
    /// The placeholders left, as written (`{{customer.firstName}}`), in order.
    pub unfilled: Vec<String>,
}

/// Replaces each `{{name}}` whose `value` is known (and not blank).
pub fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> Filled {
    let mut out = String::with_capacity(text.len());
    let mut unfilled = Vec::new();
    let mut rest = text;
    while let Some((before, name, raw, after)) = next(rest) {
        out.push_str(before);
        match value(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => out.push_str(&v),
            None => {
                out.push_str(raw);
                if !unfilled.iter().any(|u| u == raw) {
                    unfilled.push(raw.to_owned());
                }
            }
        }
        rest = after;
    }
    out.push_str(rest);
    Filled {
        text: out,
        unfilled,
    }
}

/// The placeholders still in `text`, as written.
pub fn unfilled(text: &str) -> Vec<String> {
    fill(text, |_| None).unfilled
}

/// The next placeholder of `text`: what comes before it, its trimmed name, the
/// placeholder as written, and what follows. A name is letters, digits, `_` and
/// `.`: other text in braces is not a placeholder.
fn next(text: &str) -> Option<(&str, &str, &str, &str)> {
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| i + from) {
        let after = &text[open + 2..];
        let close = after.find("}}")?;
        let name = after[..close].trim();
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            let end = open + 2 + close + 2;
            return Some((&text[..open], name, &text[open..end], &text[end..]));
        }
        from = open + 2;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn known_placeholders_are_filled_and_the_rest_named() {
        let filled = fill(
            "Hi {{ customer.firstName }}, I am {{agent.firstName}}. Your plan: {{customer.customAttributes.plan}}; {{ agent.firstName }}.",
            |name| match name {
                "customer.firstName" => Some("Jane".into()),
                "agent.firstName" => Some("Alice".into()),
                "customer.customAttributes.plan" => Some("  ".into()),
                _ => None,
            },
        );
        assert_eq!(
            filled.text,
            "Hi Jane, I am Alice. Your plan: {{customer.customAttributes.plan}}; Alice."
        );
        assert_eq!(filled.unfilled, ["{{customer.customAttributes.plan}}"]);
    }

    #[test]
    fn only_placeholders_hearth_fills_are_accepted() {
        assert!(
            check(
                "bodyHtml",
                "Hi {{customer.firstName}}, {{ agent.name }} {{customer.customAttributes.plan}}"
            )
            .is_ok()
        );
        for bad in [
            "{{customer.frstName}}",
            "{{order.id}}",
            "{{customer.customAttributes.}}",
        ] {
            let e = check("bodyHtml", bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn braces_that_are_no_placeholder_are_text() {
        let text = "Use {{ }} or {{a b}} or {{x}";
        assert_eq!(fill(text, |_| Some("!".into())).text, text);
        assert!(unfilled(text).is_empty());
        assert_eq!(unfilled("{{a}} {{ b.c }} {{a}}"), ["{{a}}", "{{ b.c }}"]);
    }
}
