//! `hearth rebuild --verify`: folds the event log from the start and compares what
//! it yields with the stored projections (conversations, their contacts and items,
//! customers). Any difference is a bug: projections must be a pure function of the
//! log.

use std::collections::BTreeMap;

use hearth_domain::conversation::{Conversation, evolve};
use hearth_domain::item::{Initiator, InitiatorType};

use crate::app::{App, read_tx};
use crate::codec::{self, ConversationDoc, CustomerDoc, ItemDoc};
use crate::error::AppError;
use crate::unit_of_work::conversation_row;

/// Events read per page.
const PAGE: i64 = 1000;

/// What a verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    pub conversations: u64,
    pub items: u64,
    pub customers: u64,
    pub tasks: u64,
    /// One line per projection that differs from the fold.
    pub differences: Vec<String>,
}

#[derive(serde::Deserialize)]
struct CustomerPayload {
    customer: CustomerDoc,
}

#[derive(serde::Deserialize)]
struct TaskPayload {
    task: crate::codec::TaskDoc,
}

impl App {
    /// Refolds the whole log and reports every projection that differs.
    pub async fn verify_projections(&self) -> Result<VerifyReport, AppError> {
        let mut report = VerifyReport::default();
        let mut folded: BTreeMap<String, Option<Conversation>> = BTreeMap::new();
        let mut items: BTreeMap<String, BTreeMap<String, ItemDoc>> = BTreeMap::new();
        let mut customers: BTreeMap<String, CustomerDoc> = BTreeMap::new();
        let mut tasks: BTreeMap<String, crate::codec::TaskDoc> = BTreeMap::new();
        let mut erased: std::collections::BTreeSet<(String, String)> =
            std::collections::BTreeSet::new();
        let mut after = 0i64;
        loop {
            let page = read_tx!(self, |tx| tx
                .events_page(after, PAGE)
                .await
                .map_err(AppError::from))?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for stored in &page {
                report.events += 1;
                let e = &stored.event;
                // An erased customer's events keep only a tombstone: nothing of them
                // must remain in the projections, which the checks below would show.
                if e.payload.contains("\"tombstone\":true") {
                    erased.insert((e.aggregate_type.clone(), e.aggregate_id.clone()));
                    continue;
                }
                match e.aggregate_type.as_str() {
                    "conversation" => {
                        let initiator = Initiator {
                            kind: e
                                .initiator_type
                                .as_deref()
                                .and_then(InitiatorType::parse)
                                .unwrap_or(InitiatorType::System),
                            id: e.initiator_id.clone(),
                        };
                        let event =
                            codec::decode_event(e.at, initiator, &e.payload).map_err(|err| {
                                AppError::internal(format!("event {} does not decode: {err}", e.id))
                            })?;
                        if let Some(item) = event.kind.item() {
                            items
                                .entry(e.aggregate_id.clone())
                                .or_default()
                                .insert(item.id.to_string(), ItemDoc::of(item));
                        }
                        let slot = folded.entry(e.aggregate_id.clone()).or_default();
                        *slot = evolve(slot.take(), &event);
                    }
                    "customer" => {
                        let payload: CustomerPayload = serde_json::from_str(&e.payload)?;
                        customers.insert(e.aggregate_id.clone(), payload.customer);
                    }
                    "task" => {
                        let payload: TaskPayload = serde_json::from_str(&e.payload)?;
                        tasks.insert(e.aggregate_id.clone(), payload.task);
                    }
                    _ => {}
                }
            }
        }

        for (kind, id) in &erased {
            folded.remove(id);
            items.remove(id);
            customers.remove(id);
            tasks.remove(id);
            let left = read_tx!(self, |tx| Ok::<_, AppError>(match kind.as_str() {
                "conversation" => tx.conversation(id).await?.is_some(),
                "customer" => tx.customer(id).await?.is_some(),
                "task" => tx.task(id).await?.is_some(),
                _ => false,
            }))?;
            if left {
                report.differences.push(format!(
                    "{kind} {id}: erased in the log but still projected"
                ));
            }
        }
        for (id, state) in &folded {
            report.conversations += 1;
            let Some(state) = state else {
                report.differences.push(format!(
                    "conversation {id}: its events do not start with CONVERSATION/CREATED"
                ));
                continue;
            };
            let (want_row, want_contacts) = conversation_row(state)?;
            let (row, contacts, stored_items) = read_tx!(self, |tx| {
                let row = tx.conversation(id).await?;
                let contacts = tx.contacts_of(id).await?;
                let stored_items = tx.items(id, i64::MAX).await?;
                Ok::<_, AppError>((row, contacts, stored_items))
            })?;
            let Some(row) = row else {
                report.differences.push(format!(
                    "conversation {id}: in the log but not in the projection"
                ));
                continue;
            };
            let stored_doc: ConversationDoc = serde_json::from_str(&row.doc)?;
            if stored_doc != ConversationDoc::of(state) {
                report
                    .differences
                    .push(format!("conversation {id}: document differs from the fold"));
            }
            let mut row_cols = row.clone();
            row_cols.doc = want_row.doc.clone();
            if row_cols != want_row {
                report.differences.push(format!(
                    "conversation {id}: columns differ (stored {row_cols:?}, folded {want_row:?})"
                ));
            }
            if contacts != want_contacts {
                report.differences.push(format!(
                    "conversation {id}: contact rows differ from the fold"
                ));
            }
            let want_items = items.remove(id).unwrap_or_default();
            report.items += want_items.len() as u64;
            let mut got: BTreeMap<String, ItemDoc> = BTreeMap::new();
            for r in &stored_items {
                got.insert(r.id.clone(), serde_json::from_str(&r.doc)?);
            }
            if got != want_items {
                report.differences.push(format!(
                    "conversation {id}: items differ ({} stored, {} in the log)",
                    got.len(),
                    want_items.len()
                ));
            }
        }

        // Projections the log does not explain.
        let mut cursor = String::new();
        loop {
            let page = read_tx!(self, |tx| tx
                .conversations_page(&cursor, PAGE)
                .await
                .map_err(AppError::from))?;
            let Some(last) = page.last() else { break };
            cursor = last.id.clone();
            for row in page {
                if !folded.contains_key(&row.id) {
                    report.differences.push(format!(
                        "conversation {}: in the projection but not in the log",
                        row.id
                    ));
                }
            }
        }

        for (id, want) in &customers {
            report.customers += 1;
            let row = read_tx!(self, |tx| tx.customer(id).await.map_err(AppError::from))?;
            match row {
                None => report.differences.push(format!(
                    "customer {id}: in the log but not in the projection"
                )),
                Some(row) => {
                    let got: CustomerDoc = serde_json::from_str(&row.doc)?;
                    if &got != want {
                        report
                            .differences
                            .push(format!("customer {id}: document differs from the log"));
                    }
                }
            }
        }
        for (id, want) in &tasks {
            report.tasks += 1;
            let row = read_tx!(self, |tx| tx.task(id).await.map_err(AppError::from))?;
            match row {
                None => report
                    .differences
                    .push(format!("task {id}: in the log but not in the projection")),
                Some(row) => {
                    let got: crate::codec::TaskDoc = serde_json::from_str(&row.doc)?;
                    if &got != want {
                        report
                            .differences
                            .push(format!("task {id}: document differs from the log"));
                    }
                }
            }
        }
        Ok(report)
    }
}
