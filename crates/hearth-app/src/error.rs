//! The application error: a domain refusal, a missing or conflicting resource, an
//! unavailable store, or an internal failure (logged once at the edge).

use hearth_domain::DomainError;

use crate::ports::StoreError;

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A business rule refused the command; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The named resource does not exist.
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: String },
    /// A unique value is held by another resource.
    #[error("{attr} is already taken")]
    Taken {
        attr: String,
        holder_kind: &'static str,
        holder_id: String,
    },
    /// `If-Match` named a version that is no longer current.
    #[error("the resource changed since that version")]
    VersionOutdated,
    /// The caller is not allowed to do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The credentials are missing or wrong.
    #[error("unauthorized")]
    Unauthorized,
    /// A concurrent writer changed what this write read; the use case retries.
    #[error("a concurrent write changed the data")]
    Contention,
    /// The store cannot be reached; retry later.
    #[error("the database is unavailable")]
    Unavailable,
    /// Too much of a bounded kind of work is already waiting (password checks);
    /// retry in a moment.
    #[error("too many requests of this kind are waiting; retry in a moment")]
    Busy,
    /// Anything else; the detail and its causes are for the log, not for the
    /// client.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// An error and every cause under it, outermost first, joined by ": " (what a
/// log line or a delivery record needs: many errors' own text omits the cause).
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => AppError::Unavailable,
            // An unnamed key: a race lost to a concurrent writer; try again.
            StoreError::Conflict { key, .. } if key.is_empty() => AppError::Contention,
            StoreError::Conflict { key, holder } => AppError::Taken {
                attr: key,
                holder_kind: "resource",
                holder_id: holder,
            },
            StoreError::VersionConflict => AppError::Contention,
            StoreError::Other(msg) => AppError::internal(format!("store: {msg}")),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::internal_from("a stored or wire document does not decode", e)
    }
}

impl AppError {
    /// Whether the input was refused (and would be again): a rule, a missing or
    /// taken resource. Contention, an unavailable store and internal failures are
    /// worth a retry; these are not.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            AppError::Domain(_)
                | AppError::NotFound { .. }
                | AppError::Taken { .. }
                | AppError::VersionOutdated
                | AppError::Forbidden(_)
                | AppError::Unauthorized
        )
    }

    /// An internal failure described by `context` alone.
    pub fn internal(context: impl Into<String>) -> Self {
        AppError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// An internal failure caused by `source`.
    pub fn internal_from(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        AppError::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The error and every cause under it, outermost first, joined by ": ".
    pub fn chain(&self) -> String {
        with_causes(self)
    }

    /// A missing resource.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        AppError::NotFound {
            kind,
            id: id.into(),
        }
    }
}
