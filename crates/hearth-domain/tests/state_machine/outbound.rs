//! What Hearth writes to a customer: reply channels, addresses and subjects, and
//! the agent's own first message (R54).

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::customer::{Customer, IdentityKind, new_customer};
use hearth_domain::id::CustomerId;
use hearth_domain::item::{ItemContent, Recording};
use hearth_domain::outbound::{
    ReplyText, email_or_sms_reply, first_message, first_message_channel, reply_channel,
    reply_subject,
};

fn at() -> hearth_domain::Timestamp {
    hearth_domain::Timestamp::UNIX_EPOCH
}

fn customer_by(kind: IdentityKind, raw: &str) -> Customer {
    new_customer(CustomerId::from_trusted("c1"), None, kind, raw, raw, at()).unwrap()
}

fn voicemail() -> ItemContent {
    ItemContent::Voicemail {
        started_at: at(),
        recording: Recording::default(),
    }
}

fn email(subject: &str) -> ItemContent {
    ItemContent::Email {
        from: "jane@example.com".into(),
        to: vec!["support@example.com".into()],
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: subject.into(),
        content: "hi".into(),
        html: None,
        attachments: Vec::new(),
    }
}

fn text(body: &str) -> ReplyText {
    ReplyText {
        body: body.into(),
        subject: None,
        cc: None,
    }
}

#[test]
fn a_call_or_voicemail_is_answered_by_email_and_the_rest_on_their_own_channel() {
    assert_eq!(reply_channel(&voicemail()), Some(Channel::Email));
    assert_eq!(reply_channel(&email("x")), Some(Channel::Email));
    let sms = ItemContent::Sms {
        from: "+12065550142".into(),
        to: "+12065550100".into(),
        content: "hi".into(),
        attachments: Vec::new(),
    };
    assert_eq!(reply_channel(&sms), Some(Channel::Sms));
    let note = ItemContent::ConversationNote {
        body: "x".into(),
        attachments: Vec::new(),
    };
    assert_eq!(reply_channel(&note), None);
}

#[test]
fn an_email_reply_goes_back_to_the_sender_with_re_once() {
    assert_eq!(reply_subject("Order"), "Re: Order");
    assert_eq!(reply_subject("RE: Order"), "RE: Order");
    let reply = email_or_sms_reply(
        &email("Order"),
        Channel::Email,
        text("ok"),
        String::new(),
        None,
    )
    .unwrap();
    let ItemContent::Email {
        from, to, subject, ..
    } = reply
    else {
        panic!("not an email: {reply:?}")
    };
    assert_eq!(
        (from.as_str(), to, subject.as_str()),
        (
            "support@example.com",
            vec!["jane@example.com".to_owned()],
            "Re: Order"
        )
    );
}

#[test]
fn an_email_reply_keeps_everyone_else_the_customer_wrote_to() {
    let written = ItemContent::Email {
        from: "jane@example.com".into(),
        to: vec!["support@example.com".into(), "sam@example.com".into()],
        cc: vec![
            "Jane@Example.com".into(),
            "kim@example.com".into(),
            "SAM@example.com".into(),
            "support@example.com".into(),
        ],
        bcc: Vec::new(),
        subject: "Order".into(),
        content: "hi".into(),
        html: None,
        attachments: Vec::new(),
    };
    let reply =
        email_or_sms_reply(&written, Channel::Email, text("ok"), String::new(), None).unwrap();
    let ItemContent::Email { cc, .. } = reply else {
        panic!("not an email: {reply:?}")
    };
    assert_eq!(cc, ["sam@example.com", "kim@example.com"]);
}

#[test]
fn a_voicemail_is_answered_to_the_customers_address_or_refused() {
    let phone_only = customer_by(IdentityKind::MobilePhone, "+12065550142");
    let sms = email_or_sms_reply(
        &voicemail(),
        Channel::Sms,
        text("call you back"),
        "+12065550100".into(),
        Some(&phone_only),
    )
    .unwrap();
    assert!(
        matches!(&sms, ItemContent::Sms { to, from, .. } if to == "+12065550142" && from == "+12065550100"),
        "{sms:?}"
    );
    let mail_only = customer_by(IdentityKind::Email, "jane@example.com");
    assert_eq!(
        email_or_sms_reply(
            &voicemail(),
            Channel::Sms,
            text("x"),
            String::new(),
            Some(&mail_only)
        ),
        Err(DomainError::NotReplyable(
            "the customer has no phone number for an SMS"
        ))
    );
    // Never an email to nobody (a phone-only customer's voicemail).
    assert_eq!(
        email_or_sms_reply(
            &voicemail(),
            Channel::Email,
            text("x"),
            "support@example.com".into(),
            Some(&phone_only)
        ),
        Err(DomainError::NotReplyable(
            "the customer has no email address; answer by SMS"
        ))
    );
    let mismatch = email_or_sms_reply(&email("x"), Channel::Sms, text("x"), String::new(), None);
    assert!(
        matches!(&mismatch, Err(DomainError::Invalid { attr, .. }) if attr == "content.type"),
        "{mismatch:?}"
    );
}

#[test]
fn a_first_message_is_an_email_with_a_subject_or_an_sms() {
    let jane = customer_by(IdentityKind::Email, "jane@example.com");
    assert!(matches!(
        first_message(
            Channel::Email,
            "support@example.com".into(),
            &jane,
            " ",
            "hi"
        ),
        Err(DomainError::Invalid { .. })
    ));
    assert_eq!(
        first_message(Channel::Sms, "+12065550100".into(), &jane, "", "hi"),
        Err(DomainError::NotReplyable(
            "the customer has no phone number"
        ))
    );
    assert!(first_message_channel("CHAT_MESSAGE").is_err());
    assert_eq!(first_message_channel("SMS"), Ok(Channel::Sms));
}
