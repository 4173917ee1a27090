//! `POST /reports` (`GLADLY-API.md` 2.11): CSV reports over the event log. Hearth
//! has `ConversationTimestampsReport` (every conversation event with the assignment
//! around it, the columns tap-gladly reads) and `WorkSessionsReportV3` (one row per
//! agent's stretch of work on one contact, also served as
//! `POST /reports/work-session-events`), in UTC.

use hearth_domain::{DomainError, Timestamp};

use crate::app::{App, read_tx};
use crate::codec::{self, AgentDoc, EventBody, EventPayload, InboxDoc, TopicDoc, to_ms};
use crate::error::AppError;
use crate::gladly::reports::{Names, conversation_timestamps_row};
use crate::unit_of_work::kind;

/// The columns of `ConversationTimestampsReport`.
pub const CONVERSATION_TIMESTAMPS_COLUMNS: [&str; 21] = [
    "Timezone Filter",
    "Timestamp",
    "Event Type",
    "Conversation ID",
    "Customer ID",
    "Initiator Type",
    "Initiator ID",
    "Initiator Agent Name",
    "Assigned Inbox ID",
    "Assigned Inbox Name",
    "Assigned Agent ID",
    "Assigned Agent Name",
    "Topic ID",
    "Topic Name",
    "Newly Assigned Inbox ID",
    "Newly Assigned Inbox Name",
    "Newly Assigned Agent ID",
    "Newly Assigned Agent Name",
    "Assignment Update Reason",
    "Merged Customer ID",
    "Merged Conversation ID",
];

/// A report request, shape-checked.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub metric_set: String,
    /// First day (inclusive) and last day (inclusive), `YYYY-MM-DD`, or minute times.
    pub start: Timestamp,
    pub end: Timestamp,
    pub timezone: String,
}

/// One CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl App {
    /// Runs a report; returns the CSV text and a file name.
    pub async fn report(&self, req: &ReportRequest) -> Result<(String, String), AppError> {
        if !["ConversationTimestampsReport", WORK_SESSIONS].contains(&req.metric_set.as_str()) {
            return Err(DomainError::invalid(
                "metricSet",
                format!(
                    "'{}' is not a report Hearth has (ConversationTimestampsReport, {WORK_SESSIONS})",
                    req.metric_set
                ),
            )
            .into());
        }
        if req.timezone != "UTC" {
            return Err(DomainError::invalid("timezone", "only UTC is supported").into());
        }
        if req.end <= req.start {
            return Err(DomainError::invalid("endAt", "must not be before startAt").into());
        }
        let file = format!(
            "{}-{}-{}.csv",
            req.metric_set,
            codec::fmt_ts(req.start).get(..10).unwrap_or(""),
            codec::fmt_ts(req.end).get(..10).unwrap_or("")
        );
        if req.metric_set == WORK_SESSIONS {
            return Ok((self.work_sessions(req.start, req.end).await?, file));
        }
        let (agents, inboxes, topics) = read_tx!(self, |tx| {
            let agents: std::collections::BTreeMap<String, String> = tx
                .resources(kind::AGENT)
                .await?
                .iter()
                .map(|r| codec::read::<AgentDoc>(&r.doc).map(|a| (a.id, a.name)))
                .collect::<Result<_, _>>()?;
            let inboxes: std::collections::BTreeMap<String, String> = tx
                .resources(kind::INBOX)
                .await?
                .iter()
                .map(|r| codec::read::<InboxDoc>(&r.doc).map(|i| (i.id, i.name)))
                .collect::<Result<_, _>>()?;
            let topics: std::collections::BTreeMap<String, String> = tx
                .resources(kind::TOPIC)
                .await?
                .iter()
                .map(|r| codec::read::<TopicDoc>(&r.doc).map(|t| (t.id, t.name)))
                .collect::<Result<_, _>>()?;
            Ok::<_, AppError>((agents, inboxes, topics))
        })?;
        let names = Names {
            agents,
            inboxes,
            topics,
        };
        let mut csv = CONVERSATION_TIMESTAMPS_COLUMNS.join(",");
        csv.push('\n');
        let mut after = 0i64;
        loop {
            let page = read_tx!(self, |tx| Ok::<_, AppError>(
                tx.events_in_range(to_ms(req.start), to_ms(req.end), after, 1000)
                    .await?
            ))?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for stored in &page {
                let Some(row) = conversation_timestamps_row(&stored.event, &req.timezone, &names)?
                else {
                    continue;
                };
                csv.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
        }
        Ok((csv, file))
    }

    /// `WorkSessionsReportV3`: for every contact that started in `[start, end)`, one
    /// row per agent who held it, from assignment to the contact's end or the next
    /// assignment. Sessions still running at `end` have no end and status ACTIVE.
    async fn work_sessions(&self, start: Timestamp, end: Timestamp) -> Result<String, AppError> {
        let mut fold = WorkSessions::default();
        let mut after = 0i64;
        loop {
            let page = read_tx!(self, |tx| Ok::<_, AppError>(
                tx.events_in_range(to_ms(start), to_ms(end), after, 1000)
                    .await?
            ))?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for stored in &page {
                if stored.event.aggregate_type != "conversation" {
                    continue;
                }
                if codec::is_tombstone(&stored.event.payload)? {
                    continue; // an erased customer's conversation
                }
                let p = codec::read::<EventPayload>(&stored.event.payload)?;
                fold.apply(&stored.event.aggregate_id, stored.event.at, &p);
            }
        }
        Ok(fold.csv())
    }
}

/// The metric set of the work-session report.
pub const WORK_SESSIONS: &str = "WorkSessionsReportV3";

/// The columns of the work-session report (Gladly's work-session events).
pub const WORK_SESSION_COLUMNS: [&str; 19] = [
    "id",
    "contact_session_id",
    "contact_session_created_at",
    "customer_id",
    "conversation_id",
    "inbox_id",
    "channel",
    "direction",
    "agent_accepted_at",
    "contact_session_routed_at",
    "agent_id",
    "sla_fulfilled_at",
    "contact_session_ended_at",
    "status",
    "within_sla",
    "work_session_handle_time_sec",
    "work_session_after_contact_time_sec",
    "work_session_unknown_time_sec",
    "accepted_inbox_id",
];

#[derive(Debug, Clone)]
struct ContactSession {
    created_at: i64,
    customer_id: String,
    conversation_id: String,
    inbox_id: String,
    channel: String,
    direction: String,
    due_at: Option<i64>,
    fulfilled_at: Option<i64>,
    ended: Option<(i64, String)>,
    /// The agent holding it now, since when, from which inbox.
    holder: Option<(String, i64, String)>,
}

#[derive(Debug, Clone)]
struct WorkSession {
    contact_id: String,
    agent_id: String,
    accepted_at: i64,
    inbox_id: String,
    /// When and how the agent's stretch ended.
    ended: Option<(i64, String)>,
}

#[derive(Debug, Default)]
struct WorkSessions {
    contacts: std::collections::BTreeMap<String, ContactSession>,
    sessions: Vec<WorkSession>,
}

impl WorkSessions {
    fn open(&mut self, contact_id: &str) {
        let Some(c) = self.contacts.get(contact_id) else {
            return;
        };
        if let Some((agent, since, inbox)) = &c.holder {
            self.sessions.push(WorkSession {
                contact_id: contact_id.to_owned(),
                agent_id: agent.clone(),
                accepted_at: *since,
                inbox_id: inbox.clone(),
                ended: None,
            });
        }
    }

    /// Ends the running session of `contact_id`, if any.
    fn close(&mut self, contact_id: &str, at: i64, status: &str) {
        if let Some(s) = self
            .sessions
            .iter_mut()
            .rev()
            .find(|s| s.contact_id == contact_id && s.ended.is_none())
        {
            s.ended = Some((at, status.to_owned()));
        }
    }

    /// Hands every live contact of `conversation` to `agent` (or to nobody).
    fn reassign(
        &mut self,
        conversation: &str,
        contact: Option<&str>,
        at: i64,
        inbox: &str,
        agent: Option<&str>,
    ) {
        let live: Vec<String> = self
            .contacts
            .iter()
            .filter(|(id, c)| {
                c.conversation_id == conversation
                    && c.ended.is_none()
                    && contact.is_none_or(|only| only == id.as_str())
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in live {
            let same = self.contacts[&id].holder.as_ref().map(|h| h.0.as_str()) == agent;
            if same {
                continue;
            }
            self.close(&id, at, "TRANSFERRED");
            if let Some(c) = self.contacts.get_mut(&id) {
                c.inbox_id = inbox.to_owned();
                c.holder = agent.map(|a| (a.to_owned(), at, inbox.to_owned()));
            }
            self.open(&id);
        }
    }

    fn apply(&mut self, conversation: &str, at: i64, p: &EventPayload) {
        let ctx = p.ctx.as_ref();
        match &p.body {
            EventBody::ContactStarted {
                contact_id,
                channel,
                direction,
                due_at,
                ..
            } => {
                let Some(ctx) = ctx else { return };
                self.contacts.insert(
                    contact_id.clone(),
                    ContactSession {
                        created_at: at,
                        customer_id: ctx.customer_id.clone(),
                        conversation_id: conversation.to_owned(),
                        inbox_id: ctx.inbox_id.clone(),
                        channel: channel.clone(),
                        direction: direction.clone(),
                        due_at: due_at.map(to_ms),
                        fulfilled_at: None,
                        ended: None,
                        holder: ctx.agent_id.clone().map(|a| (a, at, ctx.inbox_id.clone())),
                    },
                );
                self.open(contact_id);
            }
            EventBody::AssigneeUpdated {
                inbox_id, agent_id, ..
            } => self.reassign(conversation, None, at, inbox_id, agent_id.as_deref()),
            EventBody::ContactTransferred {
                contact_id,
                inbox_id,
                agent_id,
                ..
            } => self.reassign(
                conversation,
                Some(contact_id),
                at,
                inbox_id,
                agent_id.as_deref(),
            ),
            EventBody::ContactFulfilled { contact_id, .. } => {
                if let Some(c) = self.contacts.get_mut(contact_id) {
                    c.fulfilled_at.get_or_insert(at);
                }
            }
            EventBody::ContactEnded {
                contact_id, status, ..
            } => {
                self.close(contact_id, at, "ENDED");
                if let Some(c) = self.contacts.get_mut(contact_id) {
                    c.ended = Some((at, status.clone()));
                }
            }
            _ => {}
        }
    }

    fn csv(&self) -> String {
        let ts = |ms: i64| codec::fmt_ts(codec::from_ms(ms));
        let mut csv = WORK_SESSION_COLUMNS.join(",");
        csv.push('\n');
        for (n, s) in self.sessions.iter().enumerate() {
            let c = &self.contacts[&s.contact_id];
            let within_sla = match (c.due_at, c.fulfilled_at) {
                (Some(due), Some(done)) => (done <= due).to_string(),
                _ => String::new(),
            };
            let row = [
                format!("{}-{}", s.contact_id, n + 1),
                s.contact_id.clone(),
                ts(c.created_at),
                c.customer_id.clone(),
                c.conversation_id.clone(),
                c.inbox_id.clone(),
                c.channel.clone(),
                c.direction.clone(),
                ts(s.accepted_at),
                ts(s.accepted_at),
                s.agent_id.clone(),
                c.fulfilled_at.map(ts).unwrap_or_default(),
                c.ended.as_ref().map(|e| ts(e.0)).unwrap_or_default(),
                s.ended
                    .as_ref()
                    .map_or_else(|| "ACTIVE".to_owned(), |e| e.1.clone()),
                within_sla,
                s.ended
                    .as_ref()
                    .map(|e| ((e.0 - s.accepted_at) / 1000).to_string())
                    .unwrap_or_default(),
                String::new(),
                String::new(),
                s.inbox_id.clone(),
            ];
            csv.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
            csv.push('\n');
        }
        csv
    }
}
