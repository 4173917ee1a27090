//! Administration (`/api/v1/admin/...`, role ADMIN): agents and their API tokens,
//! inboxes with routing settings, teams, entry points, business hours (stored only)
//! and the organization settings.
//!
//! A PATCH is the stored resource with the body's fields laid over it, validated as
//! a whole; every write that routing cares about (an agent's inboxes, capacity or
//! `disabled`, an inbox's routing settings) is also a routing input. Versions back
//! `ETag`/`If-Match`.

use hearth_domain::channel::Channel;
use hearth_domain::config::{Agent, Inbox, Role, Team};
use hearth_domain::conversation::{AssignReason, Command};
use hearth_domain::customer::EmailAddress;
use hearth_domain::id::validate_id;
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_domain::{DomainError, Timestamp};
use hearth_routing::Input;

use super::credentials::Caller;
use super::credentials::hash_password;
use crate::app::{App, read_tx, write_tx};
use crate::clock::{new_id, new_token, token_hash};
use crate::codec::{
    self, AgentDoc, BusinessHoursDoc, EntryPointDoc, InboxDoc, RuleDoc, SettingsDoc, TeamDoc,
};
use crate::error::AppError;
use crate::ports::{ResourceRow, StoreTx};
use crate::unit_of_work::{
    SETTINGS_ID, conversation_of_row, kind, load_agents, load_inboxes, load_settings,
};

/// The administered collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminKind {
    Agents,
    Inboxes,
    Teams,
    EntryPoints,
    BusinessHours,
    Rules,
    Audiences,
}

impl AdminKind {
    /// Parses the path segment.
    pub fn parse(segment: &str) -> Option<AdminKind> {
        Some(match segment {
            "agents" => AdminKind::Agents,
            "inboxes" => AdminKind::Inboxes,
            "teams" => AdminKind::Teams,
            "entry-points" => AdminKind::EntryPoints,
            "business-hours" => AdminKind::BusinessHours,
            "rules" => AdminKind::Rules,
            "audiences" => AdminKind::Audiences,
            _ => return None,
        })
    }

    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            AdminKind::Agents => "agents",
            AdminKind::Inboxes => "inboxes",
            AdminKind::Teams => "teams",
            AdminKind::EntryPoints => "entry-points",
            AdminKind::BusinessHours => "business-hours",
            AdminKind::Rules => "rules",
            AdminKind::Audiences => "audiences",
        }
    }

    fn store_kind(self) -> &'static str {
        match self {
            AdminKind::Agents => kind::AGENT,
            AdminKind::Inboxes => kind::INBOX,
            AdminKind::Teams => kind::TEAM,
            AdminKind::EntryPoints => kind::ENTRY_POINT,
            AdminKind::BusinessHours => "business_hours",
            AdminKind::Rules => kind::RULE,
            AdminKind::Audiences => super::answers::AUDIENCE,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            AdminKind::Agents => "agent",
            AdminKind::Inboxes => "inbox",
            AdminKind::Teams => "team",
            AdminKind::EntryPoints => "entry point",
            AdminKind::BusinessHours => "business hours",
            AdminKind::Rules => "rule",
            AdminKind::Audiences => "audience",
        }
    }
}

/// A resource as stored, with its version (for `ETag`) and times.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminResource {
    pub id: String,
    /// The stored document.
    pub doc: String,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A resource's new state, read from a request.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminDraft {
    /// An agent; `password`, when given, replaces the stored one.
    Agent {
        doc: AgentDoc,
        password: Option<String>,
    },
    Inbox(InboxDoc),
    Team(TeamDoc),
    EntryPoint(EntryPointDoc),
    BusinessHours(BusinessHoursDoc),
    /// An audience answers are written for.
    Audience(crate::codec::AudienceDoc),
    /// A rule; `position` is `None` when the body left it out (the rule goes last).
    Rule {
        doc: RuleDoc,
        position: Option<i64>,
    },
}

/// Reads a resource's new state given its id and, for an update, its current one.
/// Called inside the write transaction, again when it is retried.
pub type DraftReader<'a> =
    &'a (dyn Fn(&str, Option<&AdminResource>) -> Result<AdminDraft, AppError> + Send + Sync);

/// Reads the new organization settings given the current ones.
pub type SettingsReader<'a> =
    &'a (dyn Fn(&AdminResource) -> Result<SettingsDoc, AppError> + Send + Sync);

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn admin_only(caller: &Caller) -> Result<(), AppError> {
    caller.require(Role::Admin)
}

fn resource_of(row: &ResourceRow) -> AdminResource {
    AdminResource {
        id: row.id.clone(),
        doc: row.doc.clone(),
        version: row.version,
        created_at: codec::from_ms(row.created_at),
        updated_at: codec::from_ms(row.updated_at),
    }
}

/// The stored settings, or the defaults (version 0) before an admin changed them.
async fn current_settings(tx: &mut dyn StoreTx, now: Timestamp) -> Result<AdminResource, AppError> {
    match tx.resource(kind::SETTINGS, SETTINGS_ID).await? {
        Some(row) => {
            // Read and written again, so that fields added since it was stored
            // show with their defaults.
            let settings: SettingsDoc = codec::read(&row.doc)?;
            Ok(AdminResource {
                doc: codec::write(&settings)?,
                ..resource_of(&row)
            })
        }
        None => Ok(AdminResource {
            id: SETTINGS_ID.to_owned(),
            doc: codec::write(&SettingsDoc::of(&load_settings(tx).await?))?,
            version: 0,
            created_at: now,
            updated_at: now,
        }),
    }
}

async fn must_exist(
    tx: &mut dyn StoreTx,
    store_kind: &str,
    attr: &str,
    id: &str,
) -> Result<(), AppError> {
    if tx.resource(store_kind, id).await?.is_none() {
        return Err(DomainError::invalid(attr, format!("{id} does not exist")).into());
    }
    Ok(())
}

/// Re-arms the timers these stored rule documents (saved, replaced or deleted)
/// bear on: every open conversation's for a CONVERSATION_DUE rule, every open
/// task's for a TASK_DUE rule.
async fn rearm_for_rules(tx: &mut dyn StoreTx, docs: &[&str]) -> Result<(), AppError> {
    use hearth_domain::rules::TriggerKind;
    let mut triggers = Vec::new();
    for doc in docs {
        triggers.push(codec::read::<RuleDoc>(doc)?.trigger);
    }
    let names = |t: TriggerKind| triggers.iter().any(|x| x == t.as_str());
    if names(TriggerKind::ConversationDue) {
        crate::schedule::rearm_due_timers(tx).await?;
    }
    if names(TriggerKind::TaskDue) {
        crate::schedule::rearm_task_timers(tx).await?;
    }
    Ok(())
}

/// A rule shows why it last stopped (`lastError`); other resources as stored.
async fn with_status(
    tx: &mut dyn StoreTx,
    kind: AdminKind,
    mut resource: AdminResource,
) -> Result<AdminResource, AppError> {
    if kind == AdminKind::Rules
        && let Some(error) = tx.resource(super::rules::RULE_ERROR, &resource.id).await?
    {
        resource.doc = codec::with_last_error(&resource.doc, Some(&error.doc))?;
    }
    Ok(resource)
}

/// The resource as stored after a write (with its new version and times).
async fn read_back(
    tx: &mut dyn StoreTx,
    store_kind: &str,
    id: &str,
) -> Result<AdminResource, AppError> {
    let row = tx
        .resource(store_kind, id)
        .await?
        .ok_or_else(|| AppError::internal(format!("{store_kind} {id} vanished after a write")))?;
    Ok(resource_of(&row))
}

/// A checked document ready to store: its text, its unique key, what routing must
/// learn, and whether it disables an agent.
struct Validated {
    doc: String,
    key: Option<String>,
    routing: Option<Input>,
    disables: bool,
}

impl App {
    /// Every agent (`GET /agents`).
    pub async fn directory_agents(&self) -> Result<Vec<Agent>, AppError> {
        read_tx!(self, |tx| load_agents(tx).await)
    }

    /// Every inbox (`GET /inboxes`).
    pub async fn directory_inboxes(&self) -> Result<Vec<Inbox>, AppError> {
        read_tx!(self, |tx| load_inboxes(tx).await)
    }

    /// Every team (`GET /teams`).
    pub async fn directory_teams(&self) -> Result<Vec<Team>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::TEAM)
            .await?
            .iter()
            .map(|r| Ok(codec::read::<TeamDoc>(&r.doc)?.to_domain()))
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// Checks a draft against what is stored (the inboxes, agents and business
    /// hours it names exist), hashes a new password (else keeps `old_hash`), and
    /// makes the document to store.
    async fn validate(
        &self,
        tx: &mut dyn StoreTx,
        kind: AdminKind,
        id: &str,
        draft: AdminDraft,
        old_hash: Option<String>,
    ) -> Result<Validated, AppError> {
        let validated = match (kind, draft) {
            (AdminKind::Agents, AdminDraft::Agent { mut doc, password }) => {
                for inbox in &doc.inbox_ids {
                    must_exist(tx, kind::INBOX, "inboxIds", inbox).await?;
                }
                doc.id = id.to_owned();
                doc.password_hash = match password {
                    Some(p) => Some(hash_password(&p)?),
                    None => old_hash,
                };
                let key = EmailAddress::parse("emailAddress", &doc.email_address)?
                    .normalized()
                    .to_owned();
                Validated {
                    doc: codec::write(&doc)?,
                    key: Some(key),
                    routing: Some(crate::route::translate::agent_input(&doc.to_domain()?)),
                    disables: doc.disabled,
                }
            }
            (AdminKind::Inboxes, AdminDraft::Inbox(mut doc)) => {
                if let Some(bh) = &doc.business_hours_id {
                    must_exist(tx, "business_hours", "businessHoursId", bh).await?;
                }
                doc.id = id.to_owned();
                Validated {
                    doc: codec::write(&doc)?,
                    key: None,
                    routing: Some(Input::InboxConfigured {
                        inbox: hearth_domain::id::InboxId::from_trusted(&doc.id),
                        policy: crate::route::translate::inbox_policy(&doc)?,
                    }),
                    disables: false,
                }
            }
            (AdminKind::Teams, AdminDraft::Team(mut doc)) => {
                for agent in &doc.agent_ids {
                    must_exist(tx, kind::AGENT, "agentIds", agent).await?;
                }
                doc.id = id.to_owned();
                Validated {
                    doc: codec::write(&doc)?,
                    key: None,
                    routing: None,
                    disables: false,
                }
            }
            (AdminKind::EntryPoints, AdminDraft::EntryPoint(mut doc)) => {
                must_exist(tx, kind::INBOX, "inboxId", &doc.inbox_id).await?;
                if let Some(bh) = &doc.business_hours_id {
                    must_exist(tx, "business_hours", "businessHoursId", bh).await?;
                }
                doc.id = id.to_owned();
                // A write-only password left out keeps the one stored.
                if let Some(imap) = doc.imap.as_mut()
                    && imap.password.is_none()
                    && let Some(row) = tx.resource(kind::ENTRY_POINT, id).await?
                {
                    let stored: EntryPointDoc = codec::read(&row.doc)?;
                    imap.password = stored.imap.and_then(|i| i.password);
                }
                let channel = Channel::parse(&doc.channel).ok_or_else(|| {
                    DomainError::invalid("channel", format!("unknown channel '{}'", doc.channel))
                })?;
                Validated {
                    key: Some(EntryPointDoc::key(channel, &doc.address)),
                    doc: codec::write(&doc)?,
                    routing: None,
                    disables: false,
                }
            }
            (AdminKind::Rules, AdminDraft::Rule { mut doc, position }) => {
                doc.id = id.to_owned();
                let rule = doc.rule()?;
                for (store_kind, attr, named) in super::rules::named_references(&rule) {
                    must_exist(tx, store_kind, &attr, &named).await?;
                }
                doc.position = match position {
                    Some(p) => p,
                    None => {
                        let mut last = 0;
                        for row in tx.resources(kind::RULE).await? {
                            if row.id != id {
                                last = last.max(codec::read::<RuleDoc>(&row.doc)?.position);
                            }
                        }
                        last + 1
                    }
                };
                Validated {
                    doc: codec::write(&doc)?,
                    key: None,
                    routing: None,
                    disables: false,
                }
            }
            (AdminKind::Audiences, AdminDraft::Audience(mut doc)) => {
                doc.id = id.to_owned();
                Validated {
                    doc: codec::write(&doc)?,
                    key: None,
                    routing: None,
                    disables: false,
                }
            }
            (AdminKind::BusinessHours, AdminDraft::BusinessHours(mut doc)) => {
                doc.id = id.to_owned();
                Validated {
                    doc: codec::write(&doc)?,
                    key: None,
                    routing: None,
                    disables: false,
                }
            }
            (kind, _) => {
                return Err(AppError::internal(format!(
                    "a draft of another kind was given for {}",
                    kind.segment()
                )));
            }
        };
        Ok(validated)
    }

    /// Tells routing about an agent or inbox that changed.
    async fn reconfigure(&self, tx: &mut dyn StoreTx, v: &Validated) -> Result<(), AppError> {
        match &v.routing {
            Some(input) => self.route(tx, vec![input.clone()]).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// A disabled agent loses its tokens, and its open work goes back to routing
    /// with reason USER_DEACTIVATION.
    async fn deactivate(&self, tx: &mut dyn StoreTx, agent_id: &str) -> Result<(), AppError> {
        tx.revoke_all_tokens(agent_id, codec::to_ms(self.now()))
            .await?;
        for row in tx.open_conversations_of_agent(agent_id).await? {
            let conv = conversation_of_row(&row)?;
            let command = Command::Assign {
                initiator: Initiator {
                    kind: InitiatorType::System,
                    id: None,
                },
                inbox_id: conv.inbox_id.clone(),
                agent_id: None,
                reason: AssignReason::UserDeactivation,
                inbox_sla: hearth_domain::calendar::Sla::around_the_clock(
                    hearth_domain::Duration::ZERO,
                ),
            };
            self.run(tx, &conv, vec![command]).await?;
        }
        Ok(())
    }

    /// Every resource of a collection, oldest first.
    pub async fn admin_list(
        &self,
        caller: &Caller,
        kind: AdminKind,
    ) -> Result<Vec<AdminResource>, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| {
            let mut out = Vec::new();
            for row in tx.resources(kind.store_kind()).await? {
                out.push(with_status(tx, kind, resource_of(&row)).await?);
            }
            Ok::<_, AppError>(out)
        })
    }

    /// One resource.
    pub async fn admin_get(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: &str,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| {
            let row = tx
                .resource(kind.store_kind(), id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.noun(), id))?;
            with_status(tx, kind, resource_of(&row)).await
        })
    }

    /// Creates a resource (a client may bring its own id).
    pub async fn admin_create(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: Option<String>,
        read: DraftReader<'_>,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        let id = match id {
            Some(id) => {
                validate_id("id", &id)?;
                id
            }
            None => new_id(),
        };
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if tx.resource(kind.store_kind(), &id).await?.is_some() {
                return Err(AppError::Taken {
                    attr: "id".into(),
                    holder_kind: kind.noun(),
                    holder_id: id.clone(),
                });
            }
            let draft = read(&id, None)?;
            let v = self.validate(tx, kind, &id, draft, None).await?;
            let row = ResourceRow {
                kind: kind.store_kind().into(),
                id: id.clone(),
                unique_key: v.key.clone(),
                doc: v.doc.clone(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            self.put(tx, kind, &row).await?;
            self.reconfigure(tx, &v).await?;
            if kind == AdminKind::Rules {
                rearm_for_rules(tx, &[&v.doc]).await?;
            }
            let saved = read_back(tx, kind.store_kind(), &id).await?;
            with_status(tx, kind, saved).await
        })
    }

    async fn put(
        &self,
        tx: &mut dyn StoreTx,
        kind: AdminKind,
        row: &ResourceRow,
    ) -> Result<(), AppError> {
        match tx.put_resource(row).await {
            Err(crate::ports::StoreError::Conflict { holder, .. }) => {
                let attr = if kind == AdminKind::Agents {
                    "emailAddress"
                } else {
                    "address"
                };
                Err(AppError::Taken {
                    attr: attr.into(),
                    holder_kind: kind.noun(),
                    holder_id: holder,
                })
            }
            other => other.map_err(AppError::from),
        }
    }

    /// Updates a resource with the given fields; `if_match` guards against a stale
    /// version (412 `version_outdated`).
    pub async fn admin_update(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: &str,
        read: DraftReader<'_>,
        if_match: Option<i64>,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx
                .resource(kind.store_kind(), id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.noun(), id))?;
            if if_match.is_some_and(|v| v != row.version) {
                return Err(AppError::VersionOutdated);
            }
            let (old_hash, was_disabled) = if kind == AdminKind::Agents {
                let before: AgentDoc = codec::read(&row.doc)?;
                (before.password_hash, before.disabled)
            } else {
                (None, false)
            };
            let draft = read(id, Some(&resource_of(&row)))?;
            let v = self.validate(tx, kind, id, draft, old_hash).await?;
            let updated = ResourceRow {
                unique_key: v.key.clone(),
                doc: v.doc.clone(),
                updated_at: now,
                ..row.clone()
            };
            self.put(tx, kind, &updated).await?;
            self.reconfigure(tx, &v).await?;
            if kind == AdminKind::Rules {
                // A rule whose trigger, conditions or actions changed starts with a
                // clean slate; moving or switching it keeps its last failure.
                let (old, new) = (
                    codec::read::<RuleDoc>(&row.doc)?,
                    codec::read::<RuleDoc>(&v.doc)?,
                );
                if (
                    &old.trigger,
                    old.offset_seconds,
                    &old.conditions,
                    &old.actions,
                ) != (
                    &new.trigger,
                    new.offset_seconds,
                    &new.conditions,
                    &new.actions,
                ) {
                    tx.delete_resource(super::rules::RULE_ERROR, id).await?;
                }
                rearm_for_rules(tx, &[&row.doc, &v.doc]).await?;
            }
            if kind == AdminKind::Inboxes {
                // Its warning time may have changed.
                crate::schedule::rearm_due_timers(tx).await?;
            }
            if kind == AdminKind::Agents && !was_disabled && v.disables {
                self.deactivate(tx, id).await?;
            }
            let saved = read_back(tx, kind.store_kind(), id).await?;
            with_status(tx, kind, saved).await
        })
    }

    /// Deletes a resource that nothing depends on.
    pub async fn admin_delete(
        &self,
        caller: &Caller,
        kind: AdminKind,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        admin_only(caller)?;
        write_tx!(self, |tx| {
            let row = tx
                .resource(kind.store_kind(), id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.noun(), id))?;
            if if_match.is_some_and(|v| v != row.version) {
                return Err(AppError::VersionOutdated);
            }
            let in_use = |what: &str| -> AppError {
                DomainError::InUse(format!("the {} is still used by {what}", kind.noun())).into()
            };
            if kind != AdminKind::Rules
                && super::rules::named_by_a_rule(tx, kind.store_kind(), id).await?
            {
                return Err(in_use("rules; change or delete them first"));
            }
            match kind {
                AdminKind::Agents => {
                    if id == caller.agent.id.as_str() {
                        return Err(DomainError::InUse("you cannot delete yourself".into()).into());
                    }
                    if !tx.open_conversations_of_agent(id).await?.is_empty() {
                        return Err(in_use("open conversations; disable the agent first"));
                    }
                    tx.revoke_all_tokens(id, codec::to_ms(self.now())).await?;
                    let mut gone: AgentDoc = codec::read(&row.doc)?;
                    gone.disabled = true;
                    gone.inbox_ids.clear();
                    self.route(
                        tx,
                        vec![crate::route::translate::agent_input(&gone.to_domain()?)],
                    )
                    .await?;
                }
                AdminKind::Inboxes => {
                    for ep in tx.resources(kind::ENTRY_POINT).await? {
                        if codec::read::<EntryPointDoc>(&ep.doc)?.inbox_id == id {
                            return Err(in_use("entry points"));
                        }
                    }
                    for agent in tx.resources(kind::AGENT).await? {
                        if codec::read::<AgentDoc>(&agent.doc)?
                            .inbox_ids
                            .iter()
                            .any(|i| i == id)
                        {
                            return Err(in_use("agents"));
                        }
                    }
                }
                AdminKind::BusinessHours => {
                    for inbox in tx.resources(kind::INBOX).await? {
                        if codec::read::<InboxDoc>(&inbox.doc)?
                            .business_hours_id
                            .as_deref()
                            == Some(id)
                        {
                            return Err(in_use("inboxes"));
                        }
                    }
                    for ep in tx.resources(kind::ENTRY_POINT).await? {
                        if codec::read::<EntryPointDoc>(&ep.doc)?
                            .business_hours_id
                            .as_deref()
                            == Some(id)
                        {
                            return Err(in_use("entry points"));
                        }
                    }
                }
                AdminKind::Rules => {
                    tx.delete_resource(super::rules::RULE_ERROR, id).await?;
                }
                AdminKind::Audiences => {
                    for answer in tx.resources("answer").await? {
                        if codec::read::<crate::codec::AnswerDoc>(&answer.doc)?
                            .audience_ids
                            .iter()
                            .any(|a| a == id)
                        {
                            return Err(in_use("answers"));
                        }
                    }
                }
                AdminKind::Teams | AdminKind::EntryPoints => {}
            }
            tx.delete_resource(kind.store_kind(), id).await?;
            if kind == AdminKind::Rules {
                rearm_for_rules(tx, &[&row.doc]).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    /// The organization settings with their version.
    pub async fn admin_settings(&self, caller: &Caller) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| current_settings(tx, self.now()).await)
    }

    /// Changes organization settings.
    pub async fn admin_update_settings(
        &self,
        caller: &Caller,
        read: SettingsReader<'_>,
        if_match: Option<i64>,
    ) -> Result<AdminResource, AppError> {
        admin_only(caller)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx.resource(kind::SETTINGS, SETTINGS_ID).await?;
            if let (Some(v), Some(row)) = (if_match, &row)
                && v != row.version
            {
                return Err(AppError::VersionOutdated);
            }
            let current = current_settings(tx, self.now()).await?;
            let doc = read(&current)?;
            let created_at = row.as_ref().map_or(now, |r| r.created_at);
            let updated = ResourceRow {
                kind: kind::SETTINGS.into(),
                id: SETTINGS_ID.into(),
                unique_key: None,
                doc: codec::write(&doc)?,
                created_at,
                updated_at: now,
                version: 1,
            };
            tx.put_resource(&updated).await?;
            read_back(tx, kind::SETTINGS, SETTINGS_ID).await
        })
    }

    /// Creates an API token for an agent; the token is returned once.
    pub async fn admin_create_token(
        &self,
        caller: &Caller,
        agent_id: &str,
    ) -> Result<(String, String), AppError> {
        admin_only(caller)?;
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = token_hash(&token);
        let token_id = new_id();
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx
                .resource(kind::AGENT, agent_id)
                .await?
                .ok_or_else(|| AppError::not_found("agent", agent_id))?;
            if codec::read::<AgentDoc>(&row.doc)?.disabled {
                return Err(DomainError::InUse("a disabled agent gets no tokens".into()).into());
            }
            tx.insert_token(&token_id, agent_id, &hash, "api", now)
                .await?;
            Ok::<_, AppError>(())
        })?;
        Ok((token_id, token))
    }

    /// An agent's tokens, without secrets.
    pub async fn admin_tokens(
        &self,
        caller: &Caller,
        agent_id: &str,
    ) -> Result<Vec<TokenInfo>, AppError> {
        admin_only(caller)?;
        read_tx!(self, |tx| {
            if tx.resource(kind::AGENT, agent_id).await?.is_none() {
                return Err(AppError::not_found("agent", agent_id));
            }
            Ok(tx
                .tokens_of(agent_id)
                .await?
                .into_iter()
                .map(|(id, label, created_at, revoked_at)| TokenInfo {
                    id,
                    label,
                    created_at,
                    revoked_at,
                })
                .collect())
        })
    }

    /// Revokes one token of an agent.
    pub async fn admin_revoke_token(
        &self,
        caller: &Caller,
        agent_id: &str,
        token_id: &str,
    ) -> Result<(), AppError> {
        admin_only(caller)?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if tx.revoke_token(agent_id, token_id, now).await? {
                Ok(())
            } else {
                Err(AppError::not_found("api token", token_id))
            }
        })
    }
}
