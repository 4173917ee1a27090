//! Routing records as stored: decision documents and pending offers.

use serde::{Deserialize, Serialize};

/// A routing decision as stored for "why was it routed so" (`routing_decision.doc`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionDoc {
    pub id: String,
    pub at: String,
    pub input: String,
    pub outcome: String,
    pub rule: String,
    pub winner_agent_id: Option<String>,
    pub candidates: Vec<CandidateDoc>,
}

/// One candidate of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateDoc {
    pub agent_id: String,
    pub eligible: bool,
    pub reasons: Vec<String>,
    pub score: i64,
}

/// A pending offer as stored (`offer.doc`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferDoc {
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
