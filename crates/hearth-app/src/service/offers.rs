//! Offers an agent accepts or declines (R31-R35), and their missed timeouts.

use hearth_domain::conversation::Conversation;
use hearth_routing::{Input, OfferId};

use super::credentials::{Caller, agent_only};
use crate::app::{App, read_tx, write_tx};
use crate::codec;
use crate::error::AppError;
use crate::route::OfferDoc;
use crate::unit_of_work::load_conversation;

impl App {
    /// The agent's pending offers.
    pub async fn offers(&self, caller: &Caller) -> Result<Vec<OfferDoc>, AppError> {
        let agent = agent_only(caller)?;
        read_tx!(self, |tx| {
            let rows = tx.offers_for_agent(agent.as_str()).await?;
            rows.iter()
                .map(|r| codec::read::<OfferDoc>(&r.doc).map_err(AppError::from))
                .collect()
        })
    }

    /// Accepts or declines one of the agent's offers; accepting returns the
    /// conversation now assigned to the agent.
    pub async fn answer_offer(
        &self,
        caller: &Caller,
        offer_id: &str,
        accept: bool,
    ) -> Result<Option<Conversation>, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let mine = tx
                .offers_for_agent(agent.as_str())
                .await?
                .into_iter()
                .find(|o| o.id == offer_id);
            let Some(row) = mine else {
                return Err(AppError::not_found("offer", offer_id));
            };
            let offer = OfferId(row.id.clone());
            let input = if accept {
                Input::OfferAccepted { offer }
            } else {
                Input::OfferDeclined { offer }
            };
            self.route(tx, vec![input]).await?;
            if !accept {
                return Ok(None);
            }
            let doc: OfferDoc = codec::read(&row.doc)?;
            match doc.conversation_id {
                Some(id) => Ok(load_conversation(tx, &id).await?),
                None => Ok(None),
            }
        })
    }
}
