//! What every signed-in page shows around its own content: the offers banner,
//! the availability bar with Next, and My Customers, read once per page.

use hearth_app::AppError;
use hearth_app::service::Caller;
use hearth_domain::channel::Switch;

use super::timeline::Profile;
use super::words::{At, at, channel_icon, channel_label, status_words};
use crate::AppState;

/// One line of My Customers, ready to show.
pub(crate) struct Line {
    pub(crate) unseen: bool,
    pub(crate) href: String,
    /// The customer's name, or how they reached us when nameless.
    pub(crate) name: String,
    pub(crate) customer_id: String,
    pub(crate) task: bool,
    pub(crate) channel: &'static str,
    pub(crate) icon: &'static str,
    pub(crate) status: &'static str,
    pub(crate) due: Option<At>,
    /// "Overdue" or "Due soon", with the class that colours it.
    pub(crate) due_state: Option<(&'static str, &'static str)>,
    /// From when it is due soon (the page's script colours the time then).
    pub(crate) soon: Option<At>,
    /// Since when the customer waits for an answer.
    pub(crate) waiting: Option<At>,
    /// The page shows this line's work now.
    pub(crate) current: bool,
}

/// A pending offer, ready to show.
pub(crate) struct OfferLine {
    pub(crate) id: String,
    pub(crate) channel: &'static str,
    pub(crate) icon: &'static str,
    /// Who is calling or writing, when known.
    pub(crate) customer: String,
    pub(crate) expires_at: String,
    /// Seconds left to answer, as the page opens (its script counts down).
    pub(crate) left: i64,
}

/// The availability bar: each switch, Focus, Away and the sentence that sums
/// them up.
pub(crate) struct Bar {
    pub(crate) voice: bool,
    pub(crate) messaging: bool,
    pub(crate) mail: bool,
    pub(crate) focus: bool,
    pub(crate) away: bool,
    /// The reasons an agent may give for Away.
    pub(crate) away_reasons: Vec<String>,
    /// "You are available for Voice and Mail & Tasks", "You are away (Lunch)".
    pub(crate) summary: String,
}

impl Bar {
    fn of(a: &hearth_app::service::Availability, reasons: Vec<String>) -> Bar {
        let voice = Switch::Voice.is_on(&a.available);
        let messaging = Switch::Messaging.is_on(&a.available);
        let mail = Switch::MailAndTasks.is_on(&a.available);
        let on: Vec<&str> = [
            (voice, "Voice"),
            (messaging, "Messaging"),
            (mail, "Mail & Tasks"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name)
        .collect();
        let reason = a.away_reason.clone().unwrap_or_default();
        let summary = if a.away {
            if reason.is_empty() {
                "You are away: nothing is routed to you".to_owned()
            } else {
                format!("You are away ({reason}): nothing is routed to you")
            }
        } else if on.is_empty() {
            "You are unavailable: nothing is routed to you".to_owned()
        } else {
            let list = match on.as_slice() {
                [one] => (*one).to_owned(),
                [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
                [] => String::new(),
            };
            if a.focus {
                format!("You are available for {list}, in Focus")
            } else {
                format!("You are available for {list}")
            }
        };
        Bar {
            voice,
            messaging,
            mail,
            focus: a.focus,
            away: a.away,
            away_reasons: reasons,
            summary,
        }
    }
}

/// Everything around a signed-in page's content.
pub(crate) struct Shell {
    pub(crate) offers: Vec<OfferLine>,
    pub(crate) customers: Vec<Line>,
    pub(crate) bar: Bar,
    /// How many of My Customers have an update the agent has not seen.
    pub(crate) unseen: usize,
    /// The caller takes work (has the AGENT role): the availability bar and My
    /// Customers are shown.
    pub(crate) agent: bool,
}

/// How the desktop names a customer (see [`Profile`]); a customer that cannot be
/// read (erased meanwhile) is "Unknown customer".
pub(super) async fn customer_name(state: &AppState, id: &str) -> String {
    match state.app.customer(id).await {
        Ok(customer) => Profile::of(&customer).name,
        Err(_) => "Unknown customer".to_owned(),
    }
}

impl Shell {
    /// Reads the caller's offers, availability and My Customers; `current` is the
    /// conversation or task the page shows, if any.
    pub(crate) async fn load(
        state: &AppState,
        caller: &Caller,
        current: &str,
    ) -> Result<Shell, AppError> {
        // Someone without the AGENT role (an administrator only) takes no work.
        if !caller.agent.has_role(hearth_domain::config::Role::Agent) {
            return Ok(Shell {
                offers: Vec::new(),
                customers: Vec::new(),
                bar: Bar::of(&Default::default(), Vec::new()),
                unseen: 0,
                agent: false,
            });
        }
        let availability = state.app.availability(caller).await?;
        let reasons = state.app.away_reasons().await?;
        let customers = state.app.my_customers(caller).await?;
        let offers = state.app.offers(caller).await?;
        let mut offer_lines = Vec::with_capacity(offers.len());
        for o in offers {
            let customer = match &o.conversation_id {
                Some(id) => match state.app.conversation(id).await {
                    Ok(c) => customer_name(state, c.customer_id.as_str()).await,
                    Err(_) => String::new(),
                },
                None => String::new(),
            };
            let code = o.channel.as_deref().unwrap_or(&o.kind);
            let left = time::OffsetDateTime::parse(
                &o.expires_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map_or(0, |t| (t - state.app.now()).whole_seconds().max(0));
            offer_lines.push(OfferLine {
                left,
                id: o.id,
                channel: channel_label(code),
                icon: channel_icon(code),
                customer,
                expires_at: o.expires_at,
            });
        }
        let now = state.app.now();
        let mut lines = Vec::with_capacity(customers.len());
        for c in customers {
            let name = customer_name(state, &c.customer_id).await;
            let task = c.kind != "CONVERSATION";
            let code = if task {
                "TASK"
            } else {
                c.channel.unwrap_or("")
            };
            lines.push(Line {
                unseen: c.unseen,
                href: if task {
                    format!("/ui/tasks/{}", c.id)
                } else {
                    format!("/ui/conversations/{}", c.id)
                },
                current: c.id == current,
                name,
                customer_id: c.customer_id,
                task,
                channel: channel_label(code),
                icon: channel_icon(code),
                status: status_words(c.status),
                due_state: super::words::due_badge(c.due_at, c.due_soon_at, now),
                soon: c.due_soon_at.map(at),
                due: c.due_at.map(at),
                waiting: c.waiting_since.map(at),
            });
        }
        Ok(Shell {
            unseen: lines.iter().filter(|l| l.unseen).count(),
            offers: offer_lines,
            customers: lines,
            bar: Bar::of(&availability, reasons),
            agent: true,
        })
    }
}
