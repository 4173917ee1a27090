//! Redaction (`POST /conversation-items/{id}/redact`, `GLADLY-API.md` 2.4): an
//! item's content is wiped for good while the item, its times and who redacted it
//! stay on the timeline. Everything that kept a copy loses it in the same
//! transaction: the item row, the outbox row that sent it, the raw message it was
//! read from, its files, the stored events that carried it and the export files
//! that list it. The redaction is an event of its own, `CONVERSATION/ITEM_REDACTED`
//! (a Hearth addition), which reaches webhooks and `/events`.

use hearth_domain::DomainError;
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType};

use super::credentials::Caller;
use crate::app::{App, write_tx};
use crate::clock::new_id;
use crate::codec::{self, ItemDoc};
use crate::error::AppError;
use crate::ports::{EventRow, stored};
use crate::unit_of_work::item_of_row;

/// The event a redaction writes.
pub const ITEM_REDACTED: &str = "CONVERSATION/ITEM_REDACTED";
/// Its aggregate type: the item.
pub const ITEM_EVENTS: &str = "item";

/// What `CONVERSATION/ITEM_REDACTED` says.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Redacted<'a> {
    customer_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<&'a str>,
    conversation_item_id: &'a str,
}

impl App {
    /// Wipes an item's content (see the module). A message still waiting in the
    /// outbox is refused: it would go out after all. Redacting twice changes
    /// nothing and writes no second event.
    pub async fn redact_item(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<ConversationItem, AppError> {
        let by = Initiator::new(InitiatorType::Agent, caller.agent.id.as_str());
        let now = self.now();
        write_tx!(self, |tx| {
            let row = tx
                .item(id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation item", id))?;
            let item = item_of_row(&row)?;
            if item.redaction.is_some() {
                return Ok::<_, AppError>(item);
            }
            if tx
                .outbox_for_item(id)
                .await?
                .iter()
                .any(|o| o.status == "PENDING")
            {
                return Err(DomainError::StillSending.into());
            }
            let redacted = item.redacted(by.clone(), now)?;
            let doc = ItemDoc::of(&redacted);
            tx.redact_item(id, &codec::write(&doc)?).await?;
            if let Some(conversation) = &redacted.conversation_id {
                for stored_event in tx
                    .events_of(stored::CONVERSATION_EVENTS, conversation.as_str())
                    .await?
                {
                    if let Some(payload) =
                        codec::with_item_replaced(&stored_event.event.payload, &doc)?
                    {
                        tx.replace_event_payload(&stored_event.event.id, &payload)
                            .await?;
                    }
                }
            }
            let line = crate::gladly::exports::item_line(&redacted)?;
            for (job, filename, content) in tx.export_files_mentioning(id).await? {
                let kept =
                    crate::gladly::exports::with_item_replaced(&filename, &content, id, &line)?;
                if kept != content {
                    tx.put_export_file(&job, &filename, &kept).await?;
                }
            }
            tx.append_events(&[EventRow {
                id: new_id(),
                at: codec::to_ms(now),
                event_type: ITEM_REDACTED.into(),
                aggregate_type: ITEM_EVENTS.into(),
                aggregate_id: id.to_owned(),
                initiator_type: Some(by.kind.as_str().to_owned()),
                initiator_id: by.id.clone(),
                payload: codec::content_payload(&Redacted {
                    customer_id: redacted.customer_id.as_str(),
                    conversation_id: redacted.conversation_id.as_ref().map(|c| c.as_str()),
                    conversation_item_id: id,
                })?,
            }])
            .await?;
            Ok(redacted)
        })
    }
}
