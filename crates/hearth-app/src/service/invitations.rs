//! Invitations: an administrator invites an agent by a one-time link instead of
//! choosing their password; the agent opens the link and sets it. Only the link's
//! hash is stored, it works once, and it expires after a week.

use serde::{Deserialize, Serialize};

use hearth_domain::DomainError;
use hearth_domain::config::Role;

use super::credentials::{Caller, hash_password};
use crate::app::{App, read_tx, write_tx};
use crate::clock::{new_token, token_hash};
use crate::codec::{self, AgentDoc};
use crate::error::AppError;
use crate::ports::ResourceRow;
use crate::unit_of_work::kind;

/// Where invitations are kept, by the hash of their token.
const INVITATION: &str = "invitation";
/// How long a link works.
pub const INVITATION_LIFETIME: time::Duration = time::Duration::days(7);
/// The shortest password an invited agent may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvitationDoc {
    agent_id: String,
    expires_at: i64,
}

/// Who an open invitation is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub agent_name: String,
    pub email: String,
}

impl App {
    /// A new one-time link token for the agent (an administrator's act). Earlier
    /// links of the agent keep working until used or expired.
    pub async fn invite_agent(&self, caller: &Caller, agent_id: &str) -> Result<String, AppError> {
        caller.require(Role::Admin)?;
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let now = self.now();
        let doc = InvitationDoc {
            agent_id: agent_id.to_owned(),
            expires_at: codec::to_ms(now + INVITATION_LIFETIME),
        };
        write_tx!(self, |tx| {
            if tx.resource(kind::AGENT, agent_id).await?.is_none() {
                return Err(AppError::not_found("agent", agent_id));
            }
            tx.put_resource(&ResourceRow {
                kind: INVITATION.to_owned(),
                id: token_hash(&token),
                unique_key: None,
                doc: codec::write(&doc)?,
                created_at: codec::to_ms(now),
                updated_at: codec::to_ms(now),
                version: 1,
            })
            .await?;
            Ok::<_, AppError>(())
        })?;
        Ok(token)
    }

    /// The agent an open invitation is for; a used, expired or unknown token is
    /// not found.
    pub async fn invitation(&self, token: &str) -> Result<Invitation, AppError> {
        let now = codec::to_ms(self.now());
        read_tx!(self, |tx| {
            let (agent, _) = open_invitation(tx, token, now).await?;
            Ok::<_, AppError>(Invitation {
                agent_name: agent.name,
                email: agent.email_address,
            })
        })
    }

    /// Sets the invited agent's password and uses the invitation up; returns the
    /// agent's email address, to sign in with.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<String, AppError> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(DomainError::invalid(
                "password",
                format!("choose at least {MIN_PASSWORD_CHARS} characters"),
            )
            .into());
        }
        if password.chars().count() > 1000 {
            return Err(DomainError::invalid("password", "at most 1000 characters").into());
        }
        let hash = hash_password(password)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let (mut agent, mut row) = open_invitation(tx, token, now).await?;
            agent.password_hash = Some(hash.clone());
            row.doc = codec::write(&agent)?;
            row.updated_at = now;
            tx.put_resource(&row).await?;
            tx.delete_resource(INVITATION, &token_hash(token)).await?;
            Ok::<_, AppError>(agent.email_address.clone())
        })
    }
}

/// The agent of an open invitation and its stored row.
async fn open_invitation(
    tx: &mut dyn crate::ports::StoreTx,
    token: &str,
    now: i64,
) -> Result<(AgentDoc, ResourceRow), AppError> {
    let missing = || AppError::not_found("invitation", "this link");
    let row = tx
        .resource(INVITATION, &token_hash(token))
        .await?
        .ok_or_else(missing)?;
    let doc: InvitationDoc = codec::read(&row.doc)?;
    if doc.expires_at <= now {
        return Err(missing());
    }
    let agent_row = tx
        .resource(kind::AGENT, &doc.agent_id)
        .await?
        .ok_or_else(missing)?;
    let agent: AgentDoc = codec::read(&agent_row.doc)?;
    if agent.disabled {
        return Err(missing());
    }
    Ok((agent, agent_row))
}
