//! What Hearth writes to a customer: the reply to a message on its channel (with
//! its addresses and subject), and the agent's own first email or SMS (R54). The
//! edge (API, desktop) and the use cases ask here; none of them decides these rules
//! again.

use crate::DomainError;
use crate::channel::Channel;
use crate::conversation::message_channel;
use crate::customer::{Customer, PhoneType};
use crate::item::ItemContent;

/// The channel a reply to a customer message goes out on by default: the message's
/// own, and email for a call or a voicemail.
pub fn reply_channel(replied: &ItemContent) -> Option<Channel> {
    match message_channel(replied)? {
        Channel::PhoneCall | Channel::Voicemail => Some(Channel::Email),
        other => Some(other),
    }
}

/// The subject of a reply to an email with `original`: "Re: " before it, once.
pub fn reply_subject(original: &str) -> String {
    if original.to_lowercase().starts_with("re:") {
        original.to_owned()
    } else {
        format!("Re: {original}")
    }
}

/// The subject of an email that answers a voicemail, unless the agent wrote one.
pub const VOICEMAIL_REPLY_SUBJECT: &str = "Your voicemail";

/// Where `customer` is reached on `channel`: the first email address, or a mobile
/// number (any number when none is marked mobile).
pub fn customer_address(customer: &Customer, channel: Channel) -> Option<String> {
    match channel {
        Channel::Email => customer
            .emails
            .first()
            .map(|e| e.address.original().to_owned()),
        _ => customer
            .phones
            .iter()
            .find(|p| p.phone_type == PhoneType::Mobile)
            .or(customer.phones.first())
            .map(|p| p.number.e164().to_owned()),
    }
}

/// What an email or SMS reply is built from besides the replied message.
#[derive(Debug, Clone)]
pub struct ReplyText {
    pub body: String,
    /// The agent's subject; by default [`reply_subject`] of the replied email's.
    pub subject: Option<String>,
    /// The agent's Cc of an email reply; by default [`reply_cc`] of the replied
    /// email's.
    pub cc: Option<Vec<String>>,
}

/// Most addresses in an agent's Cc.
pub const MAX_CC: usize = 50;

/// The Cc an email reply gets unless the agent says otherwise: everyone else the
/// customer wrote to. Empty for anything but an email.
pub fn reply_cc(replied: &ItemContent) -> Vec<String> {
    match replied {
        ItemContent::Email { from, to, cc, .. } => reply_all(from, to, cc),
        _ => Vec::new(),
    }
}

/// Who else an email reply goes to: everyone the customer wrote to besides the
/// entry point (`to[0]`, which the reply comes from) and everyone in Cc, without
/// the customer and without repeats, in the order written.
fn reply_all(customer: &str, to: &[String], cc: &[String]) -> Vec<String> {
    let ours = to.first().map(|a| a.to_lowercase());
    let mut out: Vec<String> = Vec::new();
    for address in to.iter().skip(1).chain(cc) {
        let lower = address.to_lowercase();
        if lower == customer.to_lowercase()
            || Some(&lower) == ours.as_ref()
            || out.iter().any(|o| o.to_lowercase() == lower)
        {
            continue;
        }
        out.push(address.clone());
    }
    out
}

/// The content of an email or SMS reply to `replied`: back to the sender from the
/// address it was written to, or, for a voicemail, from `company` (the entry point
/// of the contact) to the customer's address on `channel`.
pub fn email_or_sms_reply(
    replied: &ItemContent,
    channel: Channel,
    text: ReplyText,
    company: String,
    customer: Option<&Customer>,
) -> Result<ItemContent, DomainError> {
    let ReplyText { body, subject, cc } = text;
    let agent_cc = match cc {
        Some(list) => {
            if list.len() > MAX_CC {
                return Err(DomainError::too_long(
                    "content.cc",
                    format!("at most {MAX_CC} addresses"),
                ));
            }
            let mut checked: Vec<String> = Vec::with_capacity(list.len());
            for address in &list {
                let parsed = crate::customer::EmailAddress::parse("content.cc", address)?;
                if !checked
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(parsed.original()))
                {
                    checked.push(parsed.original().to_owned());
                }
            }
            Some(checked)
        }
        None => None,
    };
    Ok(match (channel, replied) {
        (
            Channel::Email,
            ItemContent::Email {
                from,
                to,
                cc,
                subject: original,
                ..
            },
        ) => ItemContent::Email {
            from: to.first().cloned().unwrap_or(company),
            to: vec![from.clone()],
            cc: agent_cc.clone().unwrap_or_else(|| reply_all(from, to, cc)),
            bcc: Vec::new(),
            subject: subject.unwrap_or_else(|| reply_subject(original)),
            content: body,
            html: None,
            attachments: Vec::new(),
        },
        // Never an email to nobody: a phone-only customer is answered by SMS.
        (Channel::Email, ItemContent::Voicemail { .. }) => ItemContent::Email {
            from: company,
            to: vec![
                customer
                    .and_then(|c| customer_address(c, Channel::Email))
                    .ok_or(DomainError::NotReplyable(
                        "the customer has no email address; answer by SMS",
                    ))?,
            ],
            cc: agent_cc.unwrap_or_default(),
            bcc: Vec::new(),
            subject: subject.unwrap_or_else(|| VOICEMAIL_REPLY_SUBJECT.to_owned()),
            content: body,
            html: None,
            attachments: Vec::new(),
        },
        (Channel::Sms, ItemContent::Sms { from, to, .. }) => ItemContent::Sms {
            from: to.clone(),
            to: from.clone(),
            content: body,
            attachments: Vec::new(),
        },
        (Channel::Sms, ItemContent::Voicemail { .. }) => ItemContent::Sms {
            from: company,
            to: customer
                .and_then(|c| customer_address(c, Channel::Sms))
                .ok_or(DomainError::NotReplyable(
                    "the customer has no phone number for an SMS",
                ))?,
            content: body,
            attachments: Vec::new(),
        },
        (Channel::Email | Channel::Sms, _) => {
            let replied = message_channel(replied).map_or("this", Channel::as_str);
            return Err(DomainError::invalid(
                "content.type",
                format!("a {channel} reply cannot answer a {replied} message"),
            ));
        }
        (other, _) => {
            return Err(DomainError::invalid(
                "content.type",
                format!("a {other} reply is not an email or an SMS"),
            ));
        }
    })
}

/// R54: the agent's own first message to the customer, by email (with a subject)
/// or SMS, from the company's address `from`.
pub fn first_message(
    channel: Channel,
    from: String,
    customer: &Customer,
    subject: &str,
    body: &str,
) -> Result<ItemContent, DomainError> {
    let subject = subject.trim();
    if channel == Channel::Email && subject.is_empty() {
        return Err(DomainError::blank(
            "content.subject",
            "an email needs a subject",
        ));
    }
    let to =
        customer_address(customer, channel).ok_or(DomainError::NotReplyable(match channel {
            Channel::Email => "the customer has no email address",
            _ => "the customer has no phone number",
        }))?;
    Ok(match channel {
        Channel::Email => ItemContent::Email {
            from,
            to: vec![to],
            cc: Vec::new(),
            bcc: Vec::new(),
            subject: subject.to_owned(),
            content: body.to_owned(),
            html: None,
            attachments: Vec::new(),
        },
        Channel::Sms => ItemContent::Sms {
            from,
            to,
            content: body.to_owned(),
            attachments: Vec::new(),
        },
        other => {
            return Err(DomainError::invalid(
                "content.type",
                format!("a new message is an EMAIL or an SMS, not '{other}'"),
            ));
        }
    })
}

/// The channel of the agent's own first message, from its type as written.
pub fn first_message_channel(kind: &str) -> Result<Channel, DomainError> {
    match kind {
        "EMAIL" => Ok(Channel::Email),
        "SMS" => Ok(Channel::Sms),
        other => Err(DomainError::invalid(
            "content.type",
            format!("a new message is an EMAIL or an SMS, not '{other}'"),
        )),
    }
}
