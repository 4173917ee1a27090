//! Topics: the labels agents put on conversations (R7); names are unique, a parent
//! must be another existing topic.

use hearth_domain::DomainError;
use hearth_domain::config::Topic;
use hearth_domain::id::TopicId;

use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, TopicDoc};
use crate::error::AppError;
use crate::ports::{ResourceRow, StoreError, StoreTx};
use crate::unit_of_work::{kind, load_topics};

/// A topic created (`POST /topics`) or changed (`PATCH /topics/{id}`); a field left
/// out keeps its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicChange {
    /// The client's id for a new topic.
    pub id: Option<TopicId>,
    pub name: Option<String>,
    pub disabled: Option<bool>,
    /// `Some(None)`: no parent any more.
    pub parent_id: Option<Option<String>>,
}

async fn load_topic(tx: &mut dyn StoreTx, id: &str) -> Result<Option<Topic>, AppError> {
    match tx.resource(kind::TOPIC, id).await? {
        Some(row) => Ok(Some(codec::read::<TopicDoc>(&row.doc)?.to_domain())),
        None => Ok(None),
    }
}

impl App {
    /// All topics, including disabled ones.
    pub async fn topics(&self) -> Result<Vec<Topic>, AppError> {
        read_tx!(self, |tx| load_topics(tx).await)
    }

    /// One topic.
    pub async fn topic(&self, id: &str) -> Result<Topic, AppError> {
        read_tx!(self, |tx| load_topic(tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("topic", id)))
    }

    /// Creates (`existing` is `None`) or changes a topic; names are unique (409
    /// `taken` with the holder), a parent must exist and not be the topic itself.
    pub async fn save_topic(
        &self,
        existing: Option<&str>,
        change: TopicChange,
    ) -> Result<Topic, AppError> {
        let id = match (existing, &change.id) {
            (Some(id), _) => id.to_owned(),
            (None, Some(id)) => id.to_string(),
            (None, None) => new_id(),
        };
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let current = match existing {
                Some(id) => Some(
                    load_topic(tx, id)
                        .await?
                        .ok_or_else(|| AppError::not_found("topic", id))?,
                ),
                None => {
                    if tx.resource(kind::TOPIC, &id).await?.is_some() {
                        return Err(AppError::Taken {
                            attr: "id".into(),
                            holder_kind: "topic",
                            holder_id: id.clone(),
                        });
                    }
                    None
                }
            };
            let name = change
                .name
                .clone()
                .or_else(|| current.as_ref().map(|c| c.name.clone()))
                .unwrap_or_default();
            let disabled = change
                .disabled
                .unwrap_or_else(|| current.as_ref().is_some_and(|c| c.disabled));
            let parent_id = match &change.parent_id {
                Some(Some(p)) => {
                    if p == &id || tx.resource(kind::TOPIC, p).await?.is_none() {
                        return Err(DomainError::invalid(
                            "parentId",
                            format!("{p} is not another existing topic"),
                        )
                        .into());
                    }
                    Some(TopicId::from_trusted(p.clone()))
                }
                Some(None) => None,
                None => current.as_ref().and_then(|c| c.parent_id.clone()),
            };
            let topic = Topic {
                id: TopicId::from_trusted(id.clone()),
                name: name.clone(),
                disabled,
                parent_id,
            };
            let row = ResourceRow {
                kind: kind::TOPIC.into(),
                id: id.clone(),
                unique_key: Some(name.to_lowercase()),
                doc: codec::write(&TopicDoc::of(&topic))?,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            match tx.put_resource(&row).await {
                Err(StoreError::Conflict { holder, .. }) => {
                    return Err(AppError::Taken {
                        attr: "name".into(),
                        holder_kind: "topic",
                        holder_id: holder,
                    });
                }
                other => other?,
            }
            Ok(topic)
        })
    }
}
