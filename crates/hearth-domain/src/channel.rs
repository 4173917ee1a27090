//! Channels, availability groups and the names each layer uses for them
//! (DESIGN section 5, "Channels, groups and names").

/// The channel an inbound contact arrives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    Email,
    Sms,
    Chat,
    PhoneCall,
    Voicemail,
    FacebookMessage,
    InstagramDirect,
    Whatsapp,
}

/// Availability groups: an agent is available per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Voice,
    Messaging,
    Mail,
    Task,
}

/// The availability switches an agent sees (Voice, Messaging, Mail & Tasks). MAIL
/// and TASK are two groups that one switch turns on and off together (Q20 of
/// `GLADLY-BEHAVIOUR.md`); the API, which names groups, accepts either alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Voice,
    Messaging,
    MailAndTasks,
}

impl Switch {
    /// Every switch, in the order the desktop shows them.
    pub const ALL: [Switch; 3] = [Switch::Voice, Switch::Messaging, Switch::MailAndTasks];

    /// The groups this switch turns on.
    pub fn groups(self) -> &'static [Group] {
        match self {
            Switch::Voice => &[Group::Voice],
            Switch::Messaging => &[Group::Messaging],
            Switch::MailAndTasks => &[Group::Mail, Group::Task],
        }
    }

    /// Whether the switch shows as on for an agent available for `available`: one of
    /// its groups is on.
    pub fn is_on(self, available: &std::collections::BTreeSet<Group>) -> bool {
        self.groups().iter().any(|g| available.contains(g))
    }
}

impl Channel {
    /// Every channel, in wire order.
    pub const ALL: [Channel; 8] = [
        Channel::Email,
        Channel::Sms,
        Channel::Chat,
        Channel::PhoneCall,
        Channel::Voicemail,
        Channel::FacebookMessage,
        Channel::InstagramDirect,
        Channel::Whatsapp,
    ];

    /// The inbound `channel` wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Sms => "SMS",
            Channel::Chat => "CHAT",
            Channel::PhoneCall => "PHONE_CALL",
            Channel::Voicemail => "VOICEMAIL",
            Channel::FacebookMessage => "FACEBOOK_MESSAGE",
            Channel::InstagramDirect => "INSTAGRAM_DIRECT",
            Channel::Whatsapp => "WHATSAPP",
        }
    }

    /// Parses the inbound `channel` wire name.
    pub fn parse(raw: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    /// The name `CONTACT/*` events use.
    pub fn contact_event_name(self) -> &'static str {
        match self {
            Channel::Chat => "CHAT",
            Channel::FacebookMessage => "FB_MESSENGER",
            other => other.as_str(),
        }
    }

    /// The item `content.type` an inbound message on this channel gets.
    pub fn content_type(self) -> &'static str {
        match self {
            Channel::Chat => "CHAT_MESSAGE",
            other => other.as_str(),
        }
    }

    /// The availability group that receives this channel's work.
    pub fn group(self) -> Group {
        match self {
            Channel::PhoneCall => Group::Voice,
            Channel::Chat
            | Channel::Sms
            | Channel::FacebookMessage
            | Channel::InstagramDirect
            | Channel::Whatsapp => Group::Messaging,
            Channel::Email | Channel::Voicemail => Group::Mail,
        }
    }

    /// Live channels hold a session (a call, a chat) that ends explicitly.
    pub fn is_live(self) -> bool {
        matches!(self, Channel::PhoneCall | Channel::Chat)
    }

    /// The customer is identified by a phone number on these channels.
    pub fn identifies_by_phone(self) -> bool {
        matches!(
            self,
            Channel::Sms | Channel::PhoneCall | Channel::Voicemail | Channel::Whatsapp
        )
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Group {
    /// Every group, in tier order (R22).
    pub const ALL: [Group; 4] = [Group::Voice, Group::Messaging, Group::Mail, Group::Task];

    /// The wire name used by availability.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Voice => "VOICE",
            Group::Messaging => "MESSAGING",
            Group::Mail => "MAIL",
            Group::Task => "TASK",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_design_table() {
        let rows = [
            (Channel::PhoneCall, Group::Voice, "PHONE_CALL", "PHONE_CALL"),
            (Channel::Chat, Group::Messaging, "CHAT_MESSAGE", "CHAT"),
            (Channel::Sms, Group::Messaging, "SMS", "SMS"),
            (
                Channel::FacebookMessage,
                Group::Messaging,
                "FACEBOOK_MESSAGE",
                "FB_MESSENGER",
            ),
            (
                Channel::InstagramDirect,
                Group::Messaging,
                "INSTAGRAM_DIRECT",
                "INSTAGRAM_DIRECT",
            ),
            (Channel::Whatsapp, Group::Messaging, "WHATSAPP", "WHATSAPP"),
            (Channel::Email, Group::Mail, "EMAIL", "EMAIL"),
            (Channel::Voicemail, Group::Mail, "VOICEMAIL", "VOICEMAIL"),
        ];
        for (channel, group, content, contact) in rows {
            assert_eq!(channel.group(), group, "{channel}");
            assert_eq!(channel.content_type(), content, "{channel}");
            assert_eq!(channel.contact_event_name(), contact, "{channel}");
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        assert_eq!(Channel::parse("TELEGRAM"), None);
    }
}
