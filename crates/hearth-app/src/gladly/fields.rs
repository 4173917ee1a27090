//! The one field kit for Gladly request bodies: typed reads of a JSON object's
//! fields, each failing with a [`DomainError`] that names the field's path (`attr`)
//! and a stable code. `null` counts as absent everywhere, as Gladly's API does.

use hearth_domain::DomainError;
use hearth_domain::error::InvalidCode;
use serde_json::{Map, Value};

/// `attr.key`, or `key` at the top of the body.
pub fn path(attr: &str, key: &str) -> String {
    if attr.is_empty() {
        key.to_owned()
    } else {
        format!("{attr}.{key}")
    }
}

/// Typed field access on a JSON object; `attr` is the object's own path ("" for
/// the body).
pub trait Fields {
    /// An optional string.
    fn opt_str(&self, attr: &str, key: &str) -> Result<Option<String>, DomainError>;
    /// A required, non-blank string.
    fn req_str(&self, attr: &str, key: &str) -> Result<String, DomainError>;
    /// An optional string, trimmed, at most `max` characters; with `required`, it must
    /// be there and not blank.
    fn text(
        &self,
        attr: &str,
        key: &str,
        required: bool,
        max: usize,
    ) -> Result<Option<String>, DomainError>;
    /// An optional object.
    fn opt_obj(&self, attr: &str, key: &str) -> Result<Option<&Map<String, Value>>, DomainError>;
    /// An optional boolean.
    fn opt_bool(&self, attr: &str, key: &str) -> Result<Option<bool>, DomainError>;
    /// An optional integer.
    fn opt_int(&self, attr: &str, key: &str) -> Result<Option<i64>, DomainError>;
    /// An array of strings; absent is empty.
    fn str_list(&self, attr: &str, key: &str) -> Result<Vec<String>, DomainError>;
    /// Whether the key is present with a non-null value.
    fn has(&self, key: &str) -> bool;
}

impl Fields for Map<String, Value> {
    fn opt_str(&self, attr: &str, key: &str) -> Result<Option<String>, DomainError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(DomainError::invalid(path(attr, key), "must be a string")),
        }
    }

    fn req_str(&self, attr: &str, key: &str) -> Result<String, DomainError> {
        match self.opt_str(attr, key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(DomainError::blank(path(attr, key), "is required")),
        }
    }

    fn text(
        &self,
        attr: &str,
        key: &str,
        required: bool,
        max: usize,
    ) -> Result<Option<String>, DomainError> {
        let at = path(attr, key);
        match self.get(key) {
            None | Some(Value::Null) if required => Err(DomainError::blank(at, "is required")),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if required && s.trim().is_empty() => {
                Err(DomainError::blank(at, "must not be blank"))
            }
            Some(Value::String(s)) if s.chars().count() > max => Err(DomainError::too_long(
                at,
                format!("must be at most {max} characters"),
            )),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(DomainError::invalid(at, "must be a string")),
        }
    }

    fn opt_obj(&self, attr: &str, key: &str) -> Result<Option<&Map<String, Value>>, DomainError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(DomainError::invalid(path(attr, key), "must be an object")),
        }
    }

    fn opt_bool(&self, attr: &str, key: &str) -> Result<Option<bool>, DomainError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(DomainError::invalid(path(attr, key), "must be a boolean")),
        }
    }

    fn opt_int(&self, attr: &str, key: &str) -> Result<Option<i64>, DomainError> {
        let not_a_number = || DomainError::Invalid {
            attr: path(attr, key),
            code: InvalidCode::NotANumber,
            detail: "must be an integer".into(),
        };
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(not_a_number),
            Some(_) => Err(not_a_number()),
        }
    }

    fn str_list(&self, attr: &str, key: &str) -> Result<Vec<String>, DomainError> {
        let wrong = || DomainError::invalid(path(attr, key), "must be an array of strings");
        match self.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(values)) => values
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
                .collect(),
            Some(_) => Err(wrong()),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_null())
    }
}

/// Fields shown on every resource, which a client may send back unchanged.
pub const READ_ONLY: [&str; 3] = ["id", "createdAt", "updatedAt"];

/// Refuses a key of the object at `attr` that is neither one of `fields` nor a
/// read-only one, so that a misspelt field is named, not dropped unnoticed.
pub fn only_fields(m: &Map<String, Value>, attr: &str, fields: &[&str]) -> Result<(), DomainError> {
    match m
        .keys()
        .find(|k| !fields.contains(&k.as_str()) && !READ_ONLY.contains(&k.as_str()))
    {
        Some(unknown) => Err(DomainError::invalid(
            path(attr, unknown),
            format!("is not a field here; the fields are {}", fields.join(", ")),
        )),
        None => Ok(()),
    }
}
