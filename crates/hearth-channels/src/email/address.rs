//! Email addresses as Hearth uses them: plus addressing carries a token back to
//! the item a customer answers (`support+TOKEN@example.com`).

/// `(address without the +tag, lowercased; the tag as written)`. An address
/// without a tag comes back whole.
pub fn split_plus(address: &str) -> (String, Option<String>) {
    let address = address.trim();
    let Some((local, domain)) = address.rsplit_once('@') else {
        return (address.to_lowercase(), None);
    };
    match local.split_once('+') {
        Some((base, tag)) if !base.is_empty() && !tag.is_empty() => (
            format!("{base}@{domain}").to_lowercase(),
            Some(tag.to_owned()),
        ),
        _ => (address.to_lowercase(), None),
    }
}

/// `support@example.com` with `token` as its plus tag.
pub fn with_plus(address: &str, token: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}+{token}@{domain}"),
        None => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_tags_split_off_and_back_on() {
        assert_eq!(
            split_plus("Support+AbC_12@Example.com"),
            ("support@example.com".into(), Some("AbC_12".into()))
        );
        assert_eq!(
            split_plus("support@example.com"),
            ("support@example.com".into(), None)
        );
        assert_eq!(
            split_plus("+x@example.com"),
            ("+x@example.com".into(), None)
        );
        assert_eq!(
            with_plus("support@example.com", "t1"),
            "support+t1@example.com"
        );
    }
}
