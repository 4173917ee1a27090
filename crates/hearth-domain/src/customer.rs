//! Customer profiles: identity, email and phone normalisation, and the rules that
//! make an email address or a mobile number point at exactly one profile.

use std::collections::{BTreeMap, BTreeSet};

use crate::channel::Channel;
use crate::id::CustomerId;
use crate::{DomainError, Timestamp};

/// A syntactically valid email address, kept as given and in normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    original: String,
    normalized: String,
}

impl EmailAddress {
    /// Parses an address. The check is syntactic: one `@`, a non-empty local part of at
    /// most 64 characters, a dotted domain of letters, digits and hyphens, no spaces,
    /// at most 254 characters in all. The normalised form is lower case.
    pub fn parse(attr: &str, raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(DomainError::blank(attr, "email address must not be empty"));
        }
        let bad =
            || DomainError::invalid(attr, format!("'{trimmed}' is not a valid email address"));
        if trimmed.len() > 254 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = trimmed.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || local.contains(['<', '>', ',', ';'])
        {
            return Err(bad());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(bad());
        }
        Ok(EmailAddress {
            original: trimmed.to_owned(),
            normalized: trimmed.to_lowercase(),
        })
    }

    /// The address as the customer wrote it.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The lower-case form used for look-ups and uniqueness.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// A phone number in E.164 form (`+` and 8-15 digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    original: String,
    e164: String,
}

/// Country calling codes for the region codes Hearth knows. A ten-digit national
/// number without `+` gets the prefix of its region (default US).
const REGION_PREFIXES: &[(&str, &str)] = &[
    ("US", "1"),
    ("CA", "1"),
    ("PR", "1"),
    ("GB", "44"),
    ("IE", "353"),
    ("DE", "49"),
    ("FR", "33"),
    ("ES", "34"),
    ("IT", "39"),
    ("NL", "31"),
    ("BE", "32"),
    ("CH", "41"),
    ("AT", "43"),
    ("SE", "46"),
    ("NO", "47"),
    ("DK", "45"),
    ("FI", "358"),
    ("PL", "48"),
    ("PT", "351"),
    ("AU", "61"),
    ("NZ", "64"),
    ("IN", "91"),
    ("JP", "81"),
    ("MX", "52"),
    ("BR", "55"),
];

impl PhoneNumber {
    /// Parses a number. Normalisation is syntactic only: spaces, `-`, `.`, `(` and `)`
    /// are stripped; `+` with 8-15 digits is E.164 as it stands; exactly ten digits
    /// without `+` get the calling code of `region` (default `US`, `+1`). Whether the
    /// number exists in its numbering plan is not checked.
    pub fn parse(attr: &str, raw: &str, region: Option<&str>) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(DomainError::blank(attr, "phone number must not be empty"));
        }
        let compact: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\t'))
            .collect();
        let bad = || DomainError::invalid(attr, format!("'{trimmed}' is not a valid phone number"));
        let e164 = if let Some(digits) = compact.strip_prefix('+') {
            if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            compact.clone()
        } else {
            if compact.len() != 10 || !compact.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let region = region.unwrap_or("US").to_ascii_uppercase();
            let prefix = REGION_PREFIXES
                .iter()
                .find(|(code, _)| *code == region)
                .map(|(_, p)| *p)
                .ok_or_else(|| {
                    DomainError::invalid("regionCode", format!("unknown region code '{region}'"))
                })?;
            format!("+{prefix}{compact}")
        };
        Ok(PhoneNumber {
            original: trimmed.to_owned(),
            e164,
        })
    }

    /// The number as written.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The E.164 form.
    pub fn e164(&self) -> &str {
        &self.e164
    }
}

/// Kind of a phone; only MOBILE numbers are unique across profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneType {
    Home,
    Mobile,
    Office,
    Other,
}

impl PhoneType {
    /// Wire name; `None` for OTHER (Gladly leaves `type` out).
    pub fn as_wire(self) -> Option<&'static str> {
        match self {
            PhoneType::Home => Some("HOME"),
            PhoneType::Mobile => Some("MOBILE"),
            PhoneType::Office => Some("OFFICE"),
            PhoneType::Other => None,
        }
    }
    /// Parses the wire name; absent means OTHER.
    pub fn parse(raw: Option<&str>) -> Result<Self, DomainError> {
        match raw {
            None => Ok(PhoneType::Other),
            Some("HOME") => Ok(PhoneType::Home),
            Some("MOBILE") => Ok(PhoneType::Mobile),
            Some("OFFICE") => Ok(PhoneType::Office),
            Some("OTHER") => Ok(PhoneType::Other),
            Some(other) => Err(DomainError::invalid(
                "phones.type",
                format!("unknown phone type '{other}'"),
            )),
        }
    }
}

/// One email of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerEmail {
    pub address: EmailAddress,
    pub primary: bool,
}

/// One phone of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerPhone {
    pub number: PhoneNumber,
    pub extension: Option<String>,
    pub region_code: Option<String>,
    pub primary: bool,
    pub sms_preference: Option<String>,
    pub phone_type: PhoneType,
}

/// A customer profile. Email addresses and mobile numbers identify it uniquely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub name: Option<String>,
    pub image: Option<String>,
    pub address: Option<String>,
    pub emails: Vec<CustomerEmail>,
    pub phones: Vec<CustomerPhone>,
    pub external_customer_id: Option<String>,
    pub custom_attributes: BTreeMap<String, String>,
    /// Opaque identities that are neither email nor phone (chat visitor ids, social
    /// user ids), as `(kind, value)`.
    pub identities: Vec<(IdentityKind, String)>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How an inbound sender is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdentityKind {
    Email,
    MobilePhone,
    ChatVisitor,
    Facebook,
    Instagram,
}

impl IdentityKind {
    /// Stable storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Email => "EMAIL",
            IdentityKind::MobilePhone => "MOBILE_PHONE",
            IdentityKind::ChatVisitor => "CHAT_VISITOR",
            IdentityKind::Facebook => "FACEBOOK",
            IdentityKind::Instagram => "INSTAGRAM",
        }
    }
    /// Parses the storage name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Email,
            Self::MobilePhone,
            Self::ChatVisitor,
            Self::Facebook,
            Self::Instagram,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

impl Customer {
    /// Every `(kind, normalised value)` pair that must point at this profile alone:
    /// its emails, its mobile numbers and its opaque identities.
    pub fn unique_keys(&self) -> Vec<(IdentityKind, String)> {
        let mut keys: Vec<(IdentityKind, String)> = self
            .emails
            .iter()
            .map(|e| (IdentityKind::Email, e.address.normalized().to_owned()))
            .collect();
        keys.extend(
            self.phones
                .iter()
                .filter(|p| p.phone_type == PhoneType::Mobile)
                .map(|p| (IdentityKind::MobilePhone, p.number.e164().to_owned())),
        );
        keys.extend(self.identities.iter().cloned());
        keys.sort();
        keys.dedup();
        keys
    }

    /// The words a search box finds this customer by (see [`search_key`]): the
    /// whole name and each of its words, lower-cased; every email address; every
    /// phone number's digits, also without its first one to three digits (so a
    /// national number finds an international one); and the other identities.
    pub fn search_terms(&self) -> BTreeSet<String> {
        let mut terms = BTreeSet::new();
        if let Some(name) = &self.name {
            let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
            if !words.is_empty() {
                terms.insert(words.join(" "));
                terms.extend(words);
            }
        }
        for email in &self.emails {
            terms.insert(email.address.normalized().to_lowercase());
        }
        for phone in &self.phones {
            let digits: String = phone
                .number
                .e164()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            for skip in 0..=3 {
                if digits.len() >= skip + 6 {
                    terms.insert(digits[skip..].to_owned());
                }
            }
        }
        for (_, value) in &self.identities {
            terms.insert(value.to_lowercase());
        }
        terms.retain(|t| !t.is_empty() && t.len() <= MAX_SEARCH_TERM_BYTES);
        terms
    }

    /// Checks the profile on its own: names and lists within their limits, and no
    /// email or mobile number listed twice.
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(name) = &self.name
            && name.chars().count() > 1000
        {
            return Err(DomainError::too_long(
                "name",
                "name must be at most 1000 characters",
            ));
        }
        let mut emails: Vec<&str> = self.emails.iter().map(|e| e.address.normalized()).collect();
        emails.sort_unstable();
        if emails.windows(2).any(|w| w[0] == w[1]) {
            return Err(DomainError::invalid(
                "emails",
                "an email address is listed twice",
            ));
        }
        let mut mobiles: Vec<&str> = self
            .phones
            .iter()
            .filter(|p| p.phone_type == PhoneType::Mobile)
            .map(|p| p.number.e164())
            .collect();
        mobiles.sort_unstable();
        if mobiles.windows(2).any(|w| w[0] == w[1]) {
            return Err(DomainError::invalid(
                "phones",
                "a mobile number is listed twice",
            ));
        }
        Ok(())
    }
}

/// The longest search term kept, in bytes; longer ones are not indexed.
pub const MAX_SEARCH_TERM_BYTES: usize = 200;

/// How the sender is recognised on a channel.
pub fn identity_of(channel: Channel, address: &str) -> Result<(IdentityKind, String), DomainError> {
    let attr = "from.address";
    if address.trim().is_empty() {
        return Err(DomainError::blank(attr, "the sender's address is required"));
    }
    if address.len() > 320 {
        return Err(DomainError::too_long(
            attr,
            "the sender's address is too long",
        ));
    }
    Ok(match channel {
        Channel::Email => (
            IdentityKind::Email,
            EmailAddress::parse(attr, address)?.normalized().to_owned(),
        ),
        c if c.identifies_by_phone() => (
            IdentityKind::MobilePhone,
            PhoneNumber::parse(attr, address, None)?.e164().to_owned(),
        ),
        Channel::Chat => match EmailAddress::parse(attr, address) {
            Ok(email) => (IdentityKind::Email, email.normalized().to_owned()),
            Err(_) => (IdentityKind::ChatVisitor, address.trim().to_owned()),
        },
        Channel::FacebookMessage => (IdentityKind::Facebook, address.trim().to_owned()),
        _ => (IdentityKind::Instagram, address.trim().to_owned()),
    })
}

/// A new customer known by one identity: the sender of a first message, or a
/// customer named by email or mobile number that is not known yet.
pub fn new_customer(
    id: CustomerId,
    name: Option<String>,
    kind: IdentityKind,
    value: &str,
    raw: &str,
    now: Timestamp,
) -> Result<Customer, DomainError> {
    let mut customer = Customer {
        id,
        name: name.filter(|n| !n.trim().is_empty()),
        image: None,
        address: None,
        emails: Vec::new(),
        phones: Vec::new(),
        external_customer_id: None,
        custom_attributes: BTreeMap::new(),
        identities: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    match kind {
        IdentityKind::Email => customer.emails.push(CustomerEmail {
            address: EmailAddress::parse("from.address", raw)?,
            primary: true,
        }),
        IdentityKind::MobilePhone => customer.phones.push(CustomerPhone {
            number: PhoneNumber::parse("from.address", raw, None)?,
            extension: None,
            region_code: None,
            primary: true,
            sms_preference: None,
            phone_type: PhoneType::Mobile,
        }),
        other => customer.identities.push((other, value.to_owned())),
    }
    customer.validate()?;
    Ok(customer)
}

/// What a search box query is matched against [`Customer::search_terms`] as a
/// prefix: a query made only of phone characters (digits, spaces, `+`, `-`, `.`,
/// parentheses) becomes its digits; anything else is lower-cased with its
/// whitespace collapsed. `None` when nothing is left to search for.
pub fn search_key(query: &str) -> Option<String> {
    let phone_like = query
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.' | '(' | ')'));
    let key = if phone_like {
        query
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    } else {
        query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(key).filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_normalisation_is_syntactic() {
        let ok = [
            ("+1 (206) 555-0100", None, "+12065550100"),
            ("206.555.0100", None, "+12065550100"),
            ("2065550100", Some("GB"), "+442065550100"),
            ("+4930123456", None, "+4930123456"),
            ("+12345678", None, "+12345678"),
        ];
        for (raw, region, want) in ok {
            assert_eq!(
                PhoneNumber::parse("p", raw, region).map(|p| p.e164().to_owned()),
                Ok(want.to_owned()),
                "{raw}"
            );
        }
        for raw in [
            "+1234567",
            "+1234567890123456",
            "555-0100",
            "12065550100",
            "+1206555010x",
            "abc",
        ] {
            assert!(
                PhoneNumber::parse("p", raw, None).is_err(),
                "{raw} must be refused"
            );
        }
        assert!(matches!(
            PhoneNumber::parse("p", "2065550100", Some("ZZ")),
            Err(DomainError::Invalid { ref attr, .. }) if attr == "regionCode"
        ));
    }

    #[test]
    fn a_customer_is_found_by_name_words_email_and_phone_digits() -> Result<(), DomainError> {
        let number = PhoneNumber::parse("p", "+1 206 555 0100", None)?;
        let customer = Customer {
            id: CustomerId::from_trusted("c1"),
            name: Some("  Jane   van Doe ".into()),
            image: None,
            address: None,
            emails: vec![CustomerEmail {
                address: EmailAddress::parse("e", "Jane@Example.com")?,
                primary: true,
            }],
            phones: vec![CustomerPhone {
                number,
                extension: None,
                region_code: None,
                primary: true,
                sms_preference: None,
                phone_type: PhoneType::Home,
            }],
            external_customer_id: None,
            custom_attributes: BTreeMap::new(),
            identities: vec![(IdentityKind::ChatVisitor, "Visitor-9".into())],
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let terms: Vec<String> = customer.search_terms().into_iter().collect();
        assert_eq!(
            terms,
            [
                "065550100",
                "2065550100",
                "65550100",
                "jane",
                "jane van doe",
                "jane@example.com",
                "doe",
                "van",
                "visitor-9",
                "12065550100",
            ]
            .iter()
            .map(|t| t.to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        assert_eq!(search_key(" (206) 555-01 ").as_deref(), Some("20655501"));
        assert_eq!(search_key("+1 206").as_deref(), Some("1206"));
        assert_eq!(search_key("  Jane   VAN ").as_deref(), Some("jane van"));
        assert_eq!(search_key("jane@EX").as_deref(), Some("jane@ex"));
        assert_eq!(search_key(" - ( ) "), None);
        assert_eq!(search_key("   "), None);
        Ok(())
    }

    #[test]
    fn email_parsing_keeps_original_and_lowercases() {
        let e = EmailAddress::parse("e", " Jane.Doe@Example.COM ").map_err(|e| e.to_string());
        let e = e.as_ref().map(|e| (e.original(), e.normalized()));
        assert_eq!(e, Ok(("Jane.Doe@Example.COM", "jane.doe@example.com")));
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "a@b@c.com",
            "a@-x.com",
        ] {
            assert!(
                EmailAddress::parse("e", bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }
}
