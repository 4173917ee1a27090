//! Authentication: API tokens (Gladly's Basic auth of agent email + token) and
//! passwords, and the token commands of the binary.

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use hearth_domain::config::{Agent, Role};
use hearth_domain::id::AgentId;

use crate::app::{App, read_tx, write_tx};
use crate::clock::{new_id, new_token, token_hash};
use crate::codec::{self, AgentDoc};
use crate::error::AppError;
use crate::unit_of_work::{kind, load_agent};

/// The authenticated agent behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub agent: Agent,
}

impl Caller {
    /// Refuses callers without `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.agent.has_role(role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "the agent lacks the role this endpoint needs",
            ))
        }
    }
}

/// The label prefix of the web desktop's session credentials.
pub const SESSION_LABEL: &str = "web-session";

/// How long a desktop sign-in lasts: a long shift. After that the browser is sent
/// to the login page again.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(12);

/// Hashes a password with Argon2id (PHC string).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

/// A hash of a password nobody has, made once, for attempts on accounts that have
/// none (see [`App::login`]).
fn stand_in_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let random = crate::clock::new_password().unwrap_or_else(|_| "stand-in".to_owned());
        hash_password(&random).unwrap_or_default()
    })
}

impl App {
    /// Gladly's Basic auth: an agent's email and one of its live API tokens (a
    /// desktop session's token is not one: it lives in its cookie and expires with
    /// it). Disabled agents and agents without API_USER are refused alike (401), so
    /// the answer tells an attacker nothing about which part was wrong.
    pub async fn authenticate(&self, email: &str, token: &str) -> Result<Caller, AppError> {
        let hash = token_hash(token);
        let email = email.trim().to_lowercase();
        read_tx!(self, |tx| {
            let Some((agent_id, _, _)) = tx
                .live_token(&hash)
                .await?
                .filter(|(_, label, _)| !label.starts_with(SESSION_LABEL))
            else {
                return Err(AppError::Unauthorized);
            };
            let Some(agent) = load_agent(tx, &agent_id).await? else {
                return Err(AppError::Unauthorized);
            };
            if agent.email.to_lowercase() != email || agent.disabled {
                return Err(AppError::Unauthorized);
            }
            // Right credentials, missing permission: 403, not 401.
            if !agent.has_role(Role::ApiUser) {
                return Err(AppError::Forbidden(
                    "the agent lacks the API_USER role the API needs",
                ));
            }
            Ok(Caller { agent })
        })
    }

    /// Creates a new API token for the agent with this email; the token is returned
    /// once and stored hashed.
    pub async fn create_token(&self, email: &str) -> Result<String, AppError> {
        let key = email.trim().to_lowercase();
        let now = codec::to_ms(self.now());
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = token_hash(&token);
        write_tx!(self, |tx| {
            let Some(row) = tx.resource_by_key(kind::AGENT, &key).await? else {
                return Err(AppError::not_found("agent", email));
            };
            tx.insert_token(&new_id(), &row.id, &hash, "api", now)
                .await?;
            Ok::<_, AppError>(())
        })?;
        Ok(token)
    }

    /// The web desktop's login: an enabled agent's email and password. Returns the
    /// agent and a new session credential `<session id>.<token>`, stored like an API
    /// token (hashed) under the label `web-session:<session id>`. Every failure is
    /// the same 401, whatever was wrong.
    pub async fn login(&self, email: &str, password: &str) -> Result<(Caller, String), AppError> {
        let key = email.trim().to_lowercase();
        let doc = read_tx!(self, |tx| {
            match tx.resource_by_key(kind::AGENT, &key).await? {
                Some(row) => Ok(Some(codec::read::<AgentDoc>(&row.doc)?)),
                None => Ok::<_, AppError>(None),
            }
        })?;
        // An unknown email, or an agent without a password yet, is checked against
        // a stand-in hash: every attempt costs one verification, so the answer's
        // time does not tell which emails belong to agents.
        let hash = doc.as_ref().and_then(|d| d.password_hash.as_deref());
        // Checked on the password threads; a full queue answers Busy before any
        // check is made.
        let matches = match hash {
            Some(hash) => crate::passwords::verify(password, hash).await?,
            None => {
                let _ = crate::passwords::verify(password, stand_in_hash()).await?;
                false
            }
        };
        let Some(doc) = doc else {
            return Err(AppError::Unauthorized);
        };
        let agent = doc.to_domain()?;
        if !matches || agent.disabled {
            return Err(AppError::Unauthorized);
        }
        let session = new_id();
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = token_hash(&token);
        let now = codec::to_ms(self.now());
        let label = format!("{SESSION_LABEL}:{session}");
        let agent_id = agent.id.to_string();
        write_tx!(self, |tx| {
            tx.insert_token(&new_id(), &agent_id, &hash, &label, now)
                .await?;
            Ok::<_, AppError>(())
        })?;
        Ok((Caller { agent }, format!("{session}.{token}")))
    }

    /// The agent behind a live session credential.
    pub async fn session(&self, credential: &str) -> Result<Caller, AppError> {
        let (session, token) = credential.split_once('.').ok_or(AppError::Unauthorized)?;
        let hash = token_hash(token);
        let label = format!("{SESSION_LABEL}:{session}");
        let oldest = codec::to_ms(self.now() - SESSION_LIFETIME);
        read_tx!(self, |tx| {
            // Only a session's own token, under its own label, and only while young:
            // an API token is not a session cookie.
            let Some((agent_id, _, _)) = tx
                .live_token(&hash)
                .await?
                .filter(|(_, l, at)| *l == label && *at > oldest)
            else {
                return Err(AppError::Unauthorized);
            };
            match load_agent(tx, &agent_id).await? {
                Some(agent) if !agent.disabled => Ok(Caller { agent }),
                _ => Err(AppError::Unauthorized),
            }
        })
    }

    /// Ends one session (the others of the agent stay).
    pub async fn logout(&self, caller: &Caller, credential: &str) -> Result<(), AppError> {
        let (session, _) = credential.split_once('.').ok_or(AppError::Unauthorized)?;
        let label = format!("{SESSION_LABEL}:{session}");
        let agent_id = caller.agent.id.to_string();
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            tx.revoke_tokens(&agent_id, &label, now).await?;
            Ok::<_, AppError>(())
        })
    }

    /// The agent with this email, if any.
    pub async fn agent_by_email(&self, email: &str) -> Result<Option<Agent>, AppError> {
        let key = email.trim().to_lowercase();
        read_tx!(self, |tx| {
            match tx.resource_by_key(kind::AGENT, &key).await? {
                Some(row) => Ok(Some(codec::read::<AgentDoc>(&row.doc)?.to_domain()?)),
                None => Ok(None),
            }
        })
    }
}

/// The caller as an agent (role AGENT), for the use cases only agents have.
pub(crate) fn agent_only(caller: &Caller) -> Result<AgentId, AppError> {
    caller.require(Role::Agent)?;
    Ok(caller.agent.id.clone())
}
