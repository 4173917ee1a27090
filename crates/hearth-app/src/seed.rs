//! First start: the organization Hearth creates on an empty database (the demo data
//! of DESIGN section 8, or only the admin with `--no-demo`), and the start-up token
//! printed on every start.

use hearth_domain::channel::Channel;
use hearth_domain::config::{
    Agent, EntryPoint, Inbox, InboxRouting, MessagingCapacity, OrgSettings, Role, Topic,
};
use hearth_domain::id::{AgentId, EntryPointId, InboxId, TopicId};
use hearth_domain::{DomainError, Duration};

use crate::app::{App, write_tx};
use crate::clock::{new_id, new_password, new_token, token_hash};
use crate::codec::{self, AgentDoc, CapacityDto, EntryPointDoc, InboxDoc, SettingsDoc, TopicDoc};
use crate::error::AppError;
use crate::ports::{ResourceRow, StoreTx};
use crate::service::credentials::hash_password;
use crate::unit_of_work::{SETTINGS_ID, kind};

/// The admin every new organization gets.
pub const ADMIN_EMAIL: &str = "admin@example.com";

/// A login created on first start, with its one-time password.
#[derive(Debug, Clone)]
pub struct Login {
    pub email: String,
    pub password: String,
    pub roles: Vec<Role>,
}

/// What a start created: the logins (first start only) and a fresh admin token.
#[derive(Debug, Clone)]
pub struct StartInfo {
    /// Empty unless this start created the organization, or an earlier start
    /// created it and stopped before its logins were shown (then they have new
    /// passwords).
    pub created: Vec<Login>,
    /// A token for the admin; the previous start-up token of the same instance is
    /// revoked.
    pub admin_token: Option<String>,
}

/// The marker of a first start whose logins have not been shown yet: a resource
/// holding the emails, removed by [`App::first_start_shown`].
const FIRST_START: &str = "first_start";
const FIRST_START_ID: &str = "pending";

/// The label of an instance's start-up token.
fn startup_label(instance: &str) -> String {
    if instance.is_empty() {
        "startup".to_owned()
    } else {
        format!("startup:{instance}")
    }
}

fn agent_doc(agent: &Agent, password_hash: Option<String>) -> AgentDoc {
    AgentDoc {
        id: agent.id.to_string(),
        name: agent.name.clone(),
        email_address: agent.email.clone(),
        roles: agent.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        inbox_ids: agent.inbox_ids.iter().map(ToString::to_string).collect(),
        messaging_capacity: CapacityDto {
            standard: agent.messaging_capacity.standard,
            maximum: agent.messaging_capacity.maximum,
        },
        disabled: agent.disabled,
        password_hash,
    }
}

/// Stores an agent under its lower-case email (unique among agents).
async fn put_agent(
    tx: &mut dyn StoreTx,
    agent: &Agent,
    password_hash: &str,
    at: i64,
) -> Result<(), AppError> {
    let doc = serde_json::to_string(&agent_doc(agent, Some(password_hash.to_owned())))?;
    put(
        tx,
        kind::AGENT,
        agent.id.as_str(),
        Some(agent.email.to_lowercase()),
        doc,
        at,
    )
    .await
}

/// Stores a new password hash in an agent's row; returns the agent's document.
async fn set_password_hash(
    tx: &mut dyn StoreTx,
    row: &ResourceRow,
    hash: &str,
    at: i64,
) -> Result<AgentDoc, AppError> {
    let mut doc: AgentDoc = serde_json::from_str(&row.doc)?;
    doc.password_hash = Some(hash.to_owned());
    let mut updated = row.clone();
    updated.doc = serde_json::to_string(&doc)?;
    updated.updated_at = at;
    tx.put_resource(&updated).await?;
    Ok(doc)
}

async fn put(
    tx: &mut dyn StoreTx,
    kind: &str,
    id: &str,
    key: Option<String>,
    doc: String,
    at: i64,
) -> Result<(), AppError> {
    tx.put_resource(&ResourceRow {
        kind: kind.to_owned(),
        id: id.to_owned(),
        unique_key: key,
        doc,
        created_at: at,
        updated_at: at,
        version: 1,
    })
    .await
    .map_err(AppError::from)
}

impl App {
    /// Creates the organization on an empty database and mints the start-up token.
    /// An organization that exists is left as it is.
    pub async fn start(&self, demo: bool) -> Result<StartInfo, AppError> {
        self.start_as(demo, "").await
    }

    /// [`App::start`] for the instance named `instance` (the binary uses its host
    /// and address): its start-up token replaces only that instance's previous
    /// one, so a second instance does not revoke the token the first printed. Until
    /// [`App::first_start_shown`] is called, every start gives the first start's
    /// logins new passwords and returns them again: a start that stopped between
    /// creating them and printing them loses nothing.
    pub async fn start_as(&self, demo: bool, instance: &str) -> Result<StartInfo, AppError> {
        let now = codec::to_ms(self.now());
        let label = startup_label(instance);
        // Logins created earlier but never shown get new passwords, hashed here,
        // outside the transaction.
        let unshown: Vec<String> = crate::app::read_tx!(self, |tx| {
            match tx.resource(FIRST_START, FIRST_START_ID).await? {
                Some(row) => Ok::<_, AppError>(serde_json::from_str::<Vec<String>>(&row.doc)?),
                None => Ok(Vec::new()),
            }
        })?;
        let mut renewed = Vec::new();
        for email in unshown {
            let password =
                new_password().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
            let hash = hash_password(&password)?;
            renewed.push((email, password, hash));
        }
        // Hash outside the transaction: Argon2 is deliberately slow.
        let mut plans: Vec<(Agent, String, String)> = Vec::new();
        let support = InboxId::from_trusted(new_id());
        let people: &[(&str, &str, &[Role])] = if demo {
            &[
                (
                    "Admin",
                    ADMIN_EMAIL,
                    &[Role::Admin, Role::Supervisor, Role::Agent, Role::ApiUser],
                ),
                ("Alice", "alice@example.com", &[Role::Agent, Role::ApiUser]),
                ("Bob", "bob@example.com", &[Role::Agent, Role::ApiUser]),
            ]
        } else {
            &[(
                "Admin",
                ADMIN_EMAIL,
                &[Role::Admin, Role::Supervisor, Role::Agent, Role::ApiUser],
            )]
        };
        let initialized =
            self.agent_by_email(ADMIN_EMAIL).await?.is_some() || self.any_agent().await?;
        if !initialized {
            for (name, email, roles) in people {
                let password = new_password()
                    .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
                let hash = hash_password(&password)?;
                let agent = Agent {
                    id: AgentId::from_trusted(new_id()),
                    name: (*name).to_owned(),
                    email: (*email).to_owned(),
                    roles: roles.to_vec(),
                    inbox_ids: if demo {
                        vec![support.clone()]
                    } else {
                        Vec::new()
                    },
                    messaging_capacity: MessagingCapacity::new(2, 3)?,
                    disabled: false,
                };
                plans.push((agent, password, hash));
            }
        }
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = token_hash(&token);
        let created = write_tx!(self, |tx| {
            let mut created = Vec::new();
            let fresh = tx.resources(kind::AGENT).await?.is_empty();
            if fresh {
                put(
                    tx,
                    kind::SETTINGS,
                    SETTINGS_ID,
                    None,
                    serde_json::to_string(&SettingsDoc::of(&OrgSettings::default()))?,
                    now,
                )
                .await?;
                if demo {
                    seed_demo_config(tx, &support, now).await?;
                }
                for (agent, password, hash) in &plans {
                    put_agent(tx, agent, hash, now).await?;
                    created.push(Login {
                        email: agent.email.clone(),
                        password: password.clone(),
                        roles: agent.roles.clone(),
                    });
                }
                let emails: Vec<&str> = plans.iter().map(|(a, _, _)| a.email.as_str()).collect();
                put(
                    tx,
                    FIRST_START,
                    FIRST_START_ID,
                    None,
                    serde_json::to_string(&emails)?,
                    now,
                )
                .await?;
                // Routing knows every inbox and agent from the start, so a decision
                // lists every member of an inbox as a candidate.
                let inputs = crate::route::translate::configuration_inputs(tx).await?;
                self.route(tx, inputs).await?;
            } else if tx.resource(FIRST_START, FIRST_START_ID).await?.is_some() {
                for (email, password, hash) in &renewed {
                    let Some(row) = tx
                        .resource_by_key(kind::AGENT, &email.to_lowercase())
                        .await?
                    else {
                        continue;
                    };
                    let doc = set_password_hash(tx, &row, hash, now).await?;
                    created.push(Login {
                        email: doc.email_address.clone(),
                        password: password.clone(),
                        roles: doc.to_domain()?.roles,
                    });
                }
            }
            let admin = match tx.resource_by_key(kind::AGENT, ADMIN_EMAIL).await? {
                Some(row) => Some(serde_json::from_str::<AgentDoc>(&row.doc)?),
                None => None,
            };
            let minted = match admin {
                Some(admin) if !admin.disabled => {
                    tx.revoke_tokens(&admin.id, &label, now).await?;
                    tx.insert_token(&new_id(), &admin.id, &hash, &label, now)
                        .await?;
                    true
                }
                _ => false,
            };
            Ok::<_, AppError>((created, minted))
        })?;
        self.reindex_answers_if_stale().await?;
        Ok(StartInfo {
            created: created.0,
            admin_token: created.1.then_some(token),
        })
    }

    /// The first start's logins have been shown (printed and flushed): later starts
    /// leave their passwords alone.
    pub async fn first_start_shown(&self) -> Result<(), AppError> {
        write_tx!(self, |tx| {
            if tx.resource(FIRST_START, FIRST_START_ID).await?.is_some() {
                tx.delete_resource(FIRST_START, FIRST_START_ID).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    async fn any_agent(&self) -> Result<bool, AppError> {
        crate::app::read_tx!(self, |tx| Ok::<_, AppError>(
            !tx.resources(kind::AGENT).await?.is_empty()
        ))
    }

    /// Sets a new random password for an agent and returns it.
    pub async fn reset_password(&self, email: &str) -> Result<String, AppError> {
        let password =
            new_password().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = hash_password(&password)?;
        let key = email.trim().to_lowercase();
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let row = tx
                .resource_by_key(kind::AGENT, &key)
                .await?
                .ok_or_else(|| AppError::not_found("agent", email))?;
            set_password_hash(tx, &row, &hash, now).await?;
            Ok::<_, AppError>(())
        })?;
        Ok(password)
    }

    /// Creates an admin agent (no inbox) and returns its one-time password.
    pub async fn create_admin(&self, email: &str, name: &str) -> Result<String, AppError> {
        hearth_domain::customer::EmailAddress::parse("email", email)?;
        let password =
            new_password().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let hash = hash_password(&password)?;
        let agent = Agent {
            id: AgentId::from_trusted(new_id()),
            name: name.to_owned(),
            email: email.trim().to_owned(),
            roles: vec![Role::Admin, Role::Supervisor, Role::Agent, Role::ApiUser],
            inbox_ids: Vec::new(),
            messaging_capacity: MessagingCapacity::new(2, 3)?,
            disabled: false,
        };
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            match put_agent(tx, &agent, &hash, now).await {
                Err(AppError::Taken { .. }) => {
                    return Err(
                        DomainError::invalid("email", "an agent with this email exists").into(),
                    );
                }
                other => other?,
            }
            self.route(tx, vec![crate::route::translate::agent_input(&agent)])
                .await
                .map(|_| ())
        })?;
        Ok(password)
    }
}

async fn seed_demo_config(
    tx: &mut dyn StoreTx,
    support: &InboxId,
    now: i64,
) -> Result<(), AppError> {
    let inbox = Inbox {
        id: support.clone(),
        name: "Support".into(),
        sla: Duration::hours(1),
        business_hours_id: None,
        routing: InboxRouting::default(),
        disabled: false,
        warn_before: hearth_domain::config::DEFAULT_WARN_BEFORE,
    };
    put(
        tx,
        kind::INBOX,
        inbox.id.as_str(),
        None,
        serde_json::to_string(&InboxDoc::of(&inbox))?,
        now,
    )
    .await?;
    let entries = [
        (Channel::Email, "support@example.com"),
        (Channel::Sms, "+12065550100"),
        (Channel::PhoneCall, "+12065550100"),
        (Channel::Voicemail, "+12065550100"),
        (Channel::Whatsapp, "+12065550100"),
        (Channel::Chat, "chat"),
        (Channel::FacebookMessage, "support"),
        (Channel::InstagramDirect, "support"),
    ];
    for (channel, address) in entries {
        let entry = EntryPoint {
            id: EntryPointId::from_trusted(new_id()),
            channel,
            address: address.into(),
            inbox_id: support.clone(),
            sla: None,
            business_hours_id: None,
        };
        let doc = serde_json::to_string(&EntryPointDoc::of(&entry))?;
        put(
            tx,
            kind::ENTRY_POINT,
            entry.id.as_str(),
            Some(EntryPointDoc::key(channel, address)),
            doc,
            now,
        )
        .await?;
    }
    for name in [
        "Billing",
        "Shipping",
        "Returns",
        "Technical issue",
        "Feedback",
    ] {
        let topic = Topic {
            id: TopicId::from_trusted(new_id()),
            name: name.into(),
            disabled: false,
            parent_id: None,
        };
        put(
            tx,
            kind::TOPIC,
            topic.id.as_str(),
            Some(name.to_lowercase()),
            serde_json::to_string(&TopicDoc::of(&topic))?,
            now,
        )
        .await?;
    }
    Ok(())
}
