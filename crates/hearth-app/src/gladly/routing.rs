//! Routing as the agent and supervisor endpoints show it: offers (`GET /offers`)
//! and routing decisions (`GET /conversations/{id}/routing`).

use serde::Serialize;

use crate::codec::{DecisionDoc, OfferDoc};

/// One routing decision with its candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionWire {
    pub id: String,
    pub at: String,
    pub input: String,
    pub outcome: String,
    pub rule: String,
    pub winner_agent_id: Option<String>,
    pub candidates: Vec<CandidateWire>,
}

/// One agent routing weighed, with why it could or could not take the work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateWire {
    pub agent_id: String,
    pub eligible: bool,
    pub reasons: Vec<String>,
    pub score: i64,
}

impl From<&DecisionDoc> for DecisionWire {
    fn from(d: &DecisionDoc) -> Self {
        DecisionWire {
            id: d.id.clone(),
            at: d.at.clone(),
            input: d.input.clone(),
            outcome: d.outcome.clone(),
            rule: d.rule.clone(),
            winner_agent_id: d.winner_agent_id.clone(),
            candidates: d
                .candidates
                .iter()
                .map(|c| CandidateWire {
                    agent_id: c.agent_id.clone(),
                    eligible: c.eligible,
                    reasons: c.reasons.clone(),
                    score: c.score,
                })
                .collect(),
        }
    }
}

/// A pending offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferWire {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    pub contact_id: Option<String>,
    pub channel: Option<String>,
    pub offered_at: String,
    pub expires_at: String,
}

impl From<&OfferDoc> for OfferWire {
    fn from(o: &OfferDoc) -> Self {
        OfferWire {
            id: o.id.clone(),
            kind: o.kind.clone(),
            conversation_id: o.conversation_id.clone(),
            task_id: o.task_id.clone(),
            contact_id: o.contact_id.clone(),
            channel: o.channel.clone(),
            offered_at: o.offered_at.clone(),
            expires_at: o.expires_at.clone(),
        }
    }
}
