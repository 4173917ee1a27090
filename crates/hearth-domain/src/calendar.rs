//! Business hours: when a team is open, and SLA time counted only while it is.
//!
//! A [`Calendar`] has a time zone (an IANA name; its daylight-saving rules come
//! from `jiff`'s bundled database), opening periods per weekday in local time
//! (several a day; one whose end is not after its start runs past midnight into the
//! next day), holidays (closed all day) and one-off days with hours of their own.
//! [`Calendar::add_open_time`] is the due-date arithmetic: start at an instant, let
//! the SLA run only inside open hours, and say when it is used up. A contact that
//! arrives while closed starts its clock at the next opening.
//!
//! Local times are turned into instants with the usual reading of a day that
//! changes its clock: a time that does not exist (the hour skipped in spring) is
//! read as the moment after the gap, a time that exists twice (the hour repeated in
//! autumn) as its first occurrence. So a Sunday open 00:00-24:00 is 23 hours long
//! on the day clocks go forward and 25 hours on the day they go back.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

use crate::{DomainError, Duration, Timestamp};

/// Minutes in a day; a period may end at 24:00.
const DAY: u16 = 24 * 60;

/// How far ahead an SLA may reach before the calendar is called broken (a
/// calendar with holidays covering years, say).
const HORIZON_DAYS: i32 = 3 * 366;

/// An opening period of one day, in minutes after local midnight: `start` before
/// `end`, `end` at most 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: u16,
    end: u16,
}

/// A weekly opening period as configured: a weekday, and the local times it opens
/// and closes (`end` not after `start`: it closes the next day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub day: Weekday,
    pub start: u16,
    pub end: u16,
}

/// When a team is open; see the module's documentation.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    /// Per weekday (Monday first), the periods that start that day, each cut at
    /// midnight: the part after midnight is in `carried` of the next weekday.
    own: [Vec<Span>; 7],
    /// Per weekday, the parts of the previous day's periods that run past midnight.
    carried: [Vec<Span>; 7],
    holidays: BTreeSet<Date>,
    /// Days with hours of their own (an empty list: closed), replacing the
    /// weekday's periods that start that day.
    special: BTreeMap<Date, Vec<Span>>,
}

fn index(day: Weekday) -> usize {
    usize::from(day.to_monday_zero_offset().unsigned_abs())
}

/// `minutes` as `HH:MM`, for messages.
fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Splits a configured period at midnight: the part on its own day and the part
/// carried into the next one.
fn split(start: u16, end: u16, attr: &str) -> Result<(Span, Option<Span>), DomainError> {
    if start >= DAY || end > DAY {
        return Err(DomainError::invalid(
            attr,
            format!("{}-{} is not a time of day", hhmm(start), hhmm(end)),
        ));
    }
    if end > start {
        return Ok((Span { start, end }, None));
    }
    // Through midnight (22:00-06:00); 00:00 as the end is midnight itself.
    let carried = (end > 0).then_some(Span { start: 0, end });
    Ok((Span { start, end: DAY }, carried))
}

/// Refuses overlapping spans in one day's list (sorted here).
fn check_overlaps(spans: &mut [Span], attr: &str, what: &str) -> Result<(), DomainError> {
    spans.sort();
    for pair in spans.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(DomainError::invalid(
                attr,
                format!(
                    "{what}: {}-{} overlaps {}-{}",
                    hhmm(pair[0].start),
                    hhmm(pair[0].end),
                    hhmm(pair[1].start),
                    hhmm(pair[1].end)
                ),
            ));
        }
    }
    Ok(())
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "MONDAY",
        Weekday::Tuesday => "TUESDAY",
        Weekday::Wednesday => "WEDNESDAY",
        Weekday::Thursday => "THURSDAY",
        Weekday::Friday => "FRIDAY",
        Weekday::Saturday => "SATURDAY",
        Weekday::Sunday => "SUNDAY",
    }
}

/// A domain instant as jiff's.
fn to_jiff(at: Timestamp) -> jiff::Timestamp {
    // Hearth's instants are milliseconds within ±9999 years: always in range.
    jiff::Timestamp::from_millisecond(
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or_default(),
    )
    .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// jiff's instant as a domain one.
fn from_jiff(at: jiff::Timestamp) -> Timestamp {
    Timestamp::from_unix_timestamp_nanos(i128::from(at.as_millisecond()) * 1_000_000)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Calendar {
    /// A calendar, refused with the attribute at fault: an unknown time zone
    /// (`timeZone`), a period that is not a time range or overlaps another on its
    /// day, counting what runs on from the day before (`weekly`), special hours
    /// that do the same (`exceptions`), or no open time in a week at all
    /// (`weekly`).
    pub fn new(
        time_zone: &str,
        weekly: &[Period],
        holidays: &[Date],
        exceptions: &[(Date, Vec<(u16, u16)>)],
    ) -> Result<Calendar, DomainError> {
        let zone = TimeZone::get(time_zone).map_err(|_| {
            DomainError::invalid(
                "timeZone",
                format!("'{time_zone}' is not an IANA time zone such as Europe/Berlin"),
            )
        })?;
        let mut own: [Vec<Span>; 7] = Default::default();
        let mut carried: [Vec<Span>; 7] = Default::default();
        for p in weekly {
            let (today, tomorrow) = split(p.start, p.end, "weekly")?;
            own[index(p.day)].push(today);
            if let Some(next) = tomorrow {
                carried[(index(p.day) + 1) % 7].push(next);
            }
        }
        for (day, (mine, before)) in own.iter_mut().zip(carried.iter_mut()).enumerate() {
            let name =
                day_name(Weekday::from_monday_zero_offset(day as i8).unwrap_or(Weekday::Monday));
            check_overlaps(mine, "weekly", name)?;
            check_overlaps(before, "weekly", name)?;
            let mut all: Vec<Span> = mine.iter().chain(before.iter()).copied().collect();
            check_overlaps(
                &mut all,
                "weekly",
                &format!("{name}, with the night before"),
            )?;
        }
        if own.iter().all(Vec::is_empty) {
            return Err(DomainError::invalid(
                "weekly",
                "has no open hours: name at least one period",
            ));
        }
        let mut special = BTreeMap::new();
        for (date, hours) in exceptions {
            let mut spans = Vec::new();
            for &(start, end) in hours {
                if end <= start || end > DAY {
                    return Err(DomainError::invalid(
                        "exceptions",
                        format!(
                            "{date}: {}-{} is not a time range within the day",
                            hhmm(start),
                            hhmm(end)
                        ),
                    ));
                }
                spans.push(Span { start, end });
            }
            check_overlaps(&mut spans, "exceptions", &date.to_string())?;
            if special.insert(*date, spans).is_some() {
                return Err(DomainError::invalid(
                    "exceptions",
                    format!("{date} is given twice"),
                ));
            }
        }
        Ok(Calendar {
            zone,
            own,
            carried,
            holidays: holidays.iter().copied().collect(),
            special,
        })
    }

    /// The time zone's name.
    pub fn time_zone(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }

    /// The periods a date opens, before the holiday and special-hours rules.
    fn periods_of(&self, date: Date) -> Vec<Span> {
        if let Some(special) = self.special.get(&date) {
            return special.clone();
        }
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        self.own[index(date.weekday())].clone()
    }

    /// What the day before carries past midnight into `date`: nothing when that
    /// day was a holiday or had hours of its own.
    fn carried_into(&self, date: Date) -> Vec<Span> {
        let Ok(before) = date.yesterday() else {
            return Vec::new();
        };
        if self.special.contains_key(&before) || self.holidays.contains(&before) {
            return Vec::new();
        }
        self.carried[index(date.weekday())].clone()
    }

    /// The instant a local time of `date` (minutes after midnight, up to 24:00)
    /// stands for.
    fn instant(&self, date: Date, minutes: u16) -> Option<jiff::Timestamp> {
        let (date, minutes) = if minutes >= DAY {
            (date.tomorrow().ok()?, minutes - DAY)
        } else {
            (date, minutes)
        };
        let hour = i8::try_from(minutes / 60).ok()?;
        let minute = i8::try_from(minutes % 60).ok()?;
        let local = date.at(hour, minute, 0, 0);
        self.zone.to_ambiguous_timestamp(local).compatible().ok()
    }

    /// The open intervals of a local date as instants, in order, touching ones
    /// joined.
    fn open_on(&self, date: Date) -> Vec<(jiff::Timestamp, jiff::Timestamp)> {
        let mut spans = self.carried_into(date);
        spans.extend(self.periods_of(date));
        spans.sort();
        let mut out: Vec<(jiff::Timestamp, jiff::Timestamp)> = Vec::new();
        for span in spans {
            let (Some(from), Some(to)) =
                (self.instant(date, span.start), self.instant(date, span.end))
            else {
                continue;
            };
            if to <= from {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.1 >= from => last.1 = last.1.max(to),
                _ => out.push((from, to)),
            }
        }
        out
    }

    /// Whether the team is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let at = to_jiff(at);
        let date = self.zone.to_datetime(at).date();
        [date.yesterday().ok(), Some(date), date.tomorrow().ok()]
            .into_iter()
            .flatten()
            .flat_map(|d| self.open_on(d))
            .any(|(from, to)| from <= at && at < to)
    }

    /// The instant `sla` of open time after `start` has passed: the due date of a
    /// contact that arrived at `start`. Refused when the calendar opens for less
    /// than that within three years.
    pub fn add_open_time(&self, start: Timestamp, sla: Duration) -> Result<Timestamp, DomainError> {
        let cursor_start = to_jiff(start);
        let mut cursor = cursor_start;
        let mut left = jiff::SignedDuration::from_millis(
            i64::try_from(sla.whole_milliseconds().max(0)).unwrap_or(i64::MAX),
        );
        // From the day before: its night may still be running.
        let mut date = self.zone.to_datetime(cursor_start).date();
        date = date.yesterday().unwrap_or(date);
        for _ in 0..HORIZON_DAYS {
            for (from, to) in self.open_on(date) {
                if to <= cursor {
                    continue;
                }
                let from = from.max(cursor);
                let open = to.duration_since(from);
                if open >= left {
                    return Ok(from_jiff(from.checked_add(left).unwrap_or(to)));
                }
                left -= open;
                cursor = to;
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        Err(DomainError::invalid(
            "businessHours",
            "opens for less than the SLA within three years",
        ))
    }
}

/// An SLA target and the hours it counts in: around the clock without a
/// calendar (R48-R50 compute every due date with it).
#[derive(Debug, Clone)]
pub struct Sla {
    pub target: Duration,
    pub hours: Option<Arc<Calendar>>,
}

impl Sla {
    /// A target counted around the clock.
    pub fn around_the_clock(target: Duration) -> Sla {
        Sla {
            target,
            hours: None,
        }
    }

    /// The due date of a contact that arrived at `start`. A calendar that cannot
    /// open for the target within its horizon (checked at save, so only when its
    /// holidays cover years) falls back to wall-clock time rather than never.
    pub fn due_from(&self, start: Timestamp) -> Timestamp {
        match &self.hours {
            Some(calendar) => calendar
                .add_open_time(start, self.target)
                .unwrap_or(start + self.target),
            None => start + self.target,
        }
    }
}

/// Two SLAs are the same when their targets are and they count in the same
/// calendar (the same loaded one).
impl PartialEq for Sla {
    fn eq(&self, other: &Sla) -> bool {
        self.target == other.target
            && match (&self.hours, &other.hours) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

impl Eq for Sla {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn hm(text: &str) -> u16 {
        let (h, m) = text.split_once(':').unwrap();
        h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap()
    }

    fn weekdays(from: &str, to: &str) -> Vec<Period> {
        [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ]
        .into_iter()
        .map(|day| Period {
            day,
            start: hm(from),
            end: hm(to),
        })
        .collect()
    }

    /// A local time in `zone` as an instant.
    fn at(zone: &str, local: &str) -> Timestamp {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        let z = TimeZone::get(zone).unwrap();
        from_jiff(z.to_ambiguous_timestamp(dt).compatible().unwrap())
    }

    /// `at` shown as local time in `zone`.
    fn local(zone: &str, at: Timestamp) -> String {
        to_jiff(at)
            .to_zoned_datetime(TimeZone::get(zone).unwrap())
            .strftime("%Y-%m-%d %H:%M %a")
            .to_string()
    }

    const BERLIN: &str = "Europe/Berlin";

    #[test]
    fn due_dates_in_a_monday_to_friday_office() {
        let office = Calendar::new(
            BERLIN,
            &weekdays("09:00", "17:00"),
            &[date(2026, 12, 28)],
            &[(date(2026, 12, 24), vec![(hm("09:00"), hm("12:00"))])],
        )
        .unwrap();
        let h = Duration::hours;
        let cases = [
            // A Friday-evening email is due on Monday morning.
            ("2026-12-04T18:00", h(2), "2026-12-07 11:00 Mon"),
            ("2026-12-04T16:00", h(2), "2026-12-07 10:00 Mon"),
            // Arrived on Saturday: the clock starts at Monday's opening.
            ("2026-12-05T10:00", h(1), "2026-12-07 10:00 Mon"),
            ("2026-12-07T09:00", h(8), "2026-12-07 17:00 Mon"),
            ("2026-12-07T09:00", Duration::ZERO, "2026-12-07 09:00 Mon"),
            ("2026-12-07T07:00", Duration::ZERO, "2026-12-07 09:00 Mon"),
            // Longer than a week: 50 open hours are a week (40) and ten more.
            ("2026-12-07T09:00", h(50), "2026-12-15 11:00 Tue"),
            // Christmas Eve closes at noon; the Monday after is a holiday.
            ("2026-12-24T11:00", h(2), "2026-12-25 10:00 Fri"),
            ("2026-12-25T16:30", h(1), "2026-12-29 09:30 Tue"),
        ];
        for (start, sla, due) in cases {
            let got = office.add_open_time(at(BERLIN, start), sla).unwrap();
            assert_eq!(local(BERLIN, got), due, "{start} + {sla}");
        }
        assert!(office.is_open(at(BERLIN, "2026-12-07T12:00")));
        assert!(!office.is_open(at(BERLIN, "2026-12-07T17:00")));
        assert!(
            !office.is_open(at(BERLIN, "2026-12-28T12:00")),
            "the holiday"
        );
        assert!(
            !office.is_open(at(BERLIN, "2026-12-24T13:00")),
            "special hours"
        );
    }

    #[test]
    fn days_that_change_their_clocks_are_as_long_as_they_are() {
        let sundays = Calendar::new(
            BERLIN,
            &[Period {
                day: Weekday::Sunday,
                start: 0,
                end: DAY,
            }],
            &[],
            &[],
        )
        .unwrap();
        // 28 March 2027: 23 hours. One hour of the SLA is left for next Sunday.
        let spring = sundays
            .add_open_time(at(BERLIN, "2027-03-28T00:00"), Duration::hours(24))
            .unwrap();
        assert_eq!(local(BERLIN, spring), "2027-04-04 01:00 Sun");
        // 31 October 2027: 25 hours; 24 of them end at 23:00.
        let autumn = sundays
            .add_open_time(at(BERLIN, "2027-10-31T00:00"), Duration::hours(24))
            .unwrap();
        assert_eq!(local(BERLIN, autumn), "2027-10-31 23:00 Sun");
        // An office in New York, which changes on other days than Berlin.
        let ny = "America/New_York";
        let office = Calendar::new(ny, &weekdays("08:00", "20:00"), &[], &[]).unwrap();
        let due = office
            .add_open_time(at(ny, "2027-03-12T19:00"), Duration::hours(2))
            .unwrap();
        assert_eq!(local(ny, due), "2027-03-15 09:00 Mon");
    }

    #[test]
    fn night_shifts_and_periods_ending_at_midnight() {
        let nights = Calendar::new(
            BERLIN,
            &[
                Period {
                    day: Weekday::Monday,
                    start: hm("22:00"),
                    end: hm("06:00"),
                },
                Period {
                    day: Weekday::Tuesday,
                    start: hm("22:00"),
                    end: hm("06:00"),
                },
            ],
            &[],
            &[],
        )
        .unwrap();
        let h = Duration::hours;
        for (start, sla, due) in [
            ("2026-12-07T23:00", h(2), "2026-12-08 01:00 Tue"),
            // One hour left of Monday's night, the next from Tuesday's.
            ("2026-12-08T05:00", h(2), "2026-12-08 23:00 Tue"),
            // Wednesday morning still belongs to Tuesday's night.
            ("2026-12-09T05:30", h(1), "2026-12-14 22:30 Mon"),
        ] {
            let got = nights.add_open_time(at(BERLIN, start), sla).unwrap();
            assert_eq!(local(BERLIN, got), due, "{start} + {sla}");
        }
        // A Monday night's tail is skipped when Monday was a holiday.
        let holiday = Calendar::new(
            BERLIN,
            &[Period {
                day: Weekday::Monday,
                start: hm("22:00"),
                end: hm("06:00"),
            }],
            &[date(2026, 12, 7)],
            &[],
        )
        .unwrap();
        assert!(!holiday.is_open(at(BERLIN, "2026-12-08T02:00")));
        assert!(holiday.is_open(at(BERLIN, "2026-12-15T02:00")));
        // 20:00-24:00 then 00:00-02:00: one stretch across midnight.
        let late = Calendar::new(
            BERLIN,
            &[
                Period {
                    day: Weekday::Monday,
                    start: hm("20:00"),
                    end: DAY,
                },
                Period {
                    day: Weekday::Tuesday,
                    start: 0,
                    end: hm("02:00"),
                },
            ],
            &[],
            &[],
        )
        .unwrap();
        let due = late
            .add_open_time(at(BERLIN, "2026-12-07T23:00"), Duration::hours(2))
            .unwrap();
        assert_eq!(local(BERLIN, due), "2026-12-08 01:00 Tue");
    }

    #[test]
    fn broken_calendars_are_refused_naming_the_field() {
        let attr = |r: Result<Calendar, DomainError>| match r.unwrap_err() {
            DomainError::Invalid { attr, .. } => attr,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            attr(Calendar::new(
                "Mars/Olympus",
                &weekdays("09:00", "17:00"),
                &[],
                &[]
            )),
            "timeZone"
        );
        assert_eq!(attr(Calendar::new(BERLIN, &[], &[], &[])), "weekly");
        let mut overlapping = weekdays("09:00", "17:00");
        overlapping.push(Period {
            day: Weekday::Monday,
            start: hm("16:00"),
            end: hm("18:00"),
        });
        assert_eq!(
            attr(Calendar::new(BERLIN, &overlapping, &[], &[])),
            "weekly"
        );
        // Sunday's night runs into Monday's morning.
        let mut night = weekdays("05:00", "17:00");
        night.push(Period {
            day: Weekday::Sunday,
            start: hm("22:00"),
            end: hm("06:00"),
        });
        assert_eq!(attr(Calendar::new(BERLIN, &night, &[], &[])), "weekly");
        assert_eq!(
            attr(Calendar::new(
                BERLIN,
                &weekdays("09:00", "17:00"),
                &[],
                &[(date(2026, 12, 24), vec![(hm("12:00"), hm("09:00"))])]
            )),
            "exceptions"
        );
        // Open, but never within reach: every day for years is a holiday.
        let mut every_day = Vec::new();
        let mut d = date(2026, 12, 1);
        for _ in 0..1200 {
            every_day.push(d);
            d = d.tomorrow().unwrap();
        }
        let closed = Calendar::new(BERLIN, &weekdays("09:00", "17:00"), &every_day, &[]).unwrap();
        assert!(
            closed
                .add_open_time(at(BERLIN, "2026-12-07T09:00"), Duration::hours(1))
                .is_err()
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn office() -> Calendar {
            let mut weekly = weekdays("09:00", "12:30");
            weekly.extend(weekdays("13:30", "17:00"));
            weekly.push(Period {
                day: Weekday::Saturday,
                start: hm("22:00"),
                end: hm("02:00"),
            });
            Calendar::new(BERLIN, &weekly, &[date(2027, 3, 29)], &[]).unwrap()
        }

        proptest! {
            #[test]
            fn the_due_date_lies_in_open_time_and_grows_with_the_sla(
                start_min in 0i64..(400 * 24 * 60),
                sla_a in 1i64..(60 * 24 * 10),
                extra in 0i64..(60 * 24 * 3),
            ) {
                let cal = office();
                let start = at(BERLIN, "2026-12-01T00:00") + Duration::minutes(start_min);
                let a = cal.add_open_time(start, Duration::minutes(sla_a)).unwrap();
                let b = cal.add_open_time(start, Duration::minutes(sla_a + extra)).unwrap();
                prop_assert!(a <= b, "more SLA, no earlier due date");
                prop_assert!(a > start);
                // The last minute before the due date was open time.
                prop_assert!(cal.is_open(a - Duration::milliseconds(1)), "due {}", local(BERLIN, a));
            }
        }
    }
}
