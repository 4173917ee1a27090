//! Export (`GLADLY-API.md` 2.11 and 3.7; DESIGN section 5): jobs that write
//! `agents.jsonl`, `conversation_items.jsonl`, `customers.jsonl` and `topics.jsonl`
//! for the items with `timestamp` in `[startAt, endAt)`. Jobs run on the schedule
//! (`exportIntervalSeconds`) or at once with `POST /export/jobs`; every COMPLETED job
//! has all four files; a file is JSON lines without blank lines.

use std::collections::BTreeSet;

use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, ItemDoc, fmt_ts, from_ms, to_ms};
use crate::error::AppError;
use crate::gladly::directory::{AgentEntry, TopicEntry};
use crate::gladly::exports::{CustomerLine, ExportSchedule, lines, without_customer};
use crate::gladly::items::ItemWire;
use crate::ports::{EventRow, ResourceRow, StoreTx};
use crate::unit_of_work::{kind, load_agents, load_customer, load_topics};

use super::credentials::Caller;
use super::permissions::may_read_everything;

/// The files of every completed job.
pub const FILES: [&str; 4] = [
    "agents.jsonl",
    "conversation_items.jsonl",
    "customers.jsonl",
    "topics.jsonl",
];
const JOB: &str = "export_job";
const SCHEDULE_ID: &str = "conversations";
/// Jobs are listed (and kept) this long.
const KEEP_DAYS: i64 = 14;
const PAGE: i64 = 1000;

/// `{type, startAt, endAt}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobParameters {
    #[serde(rename = "type")]
    pub kind: String,
    pub start_at: String,
    pub end_at: String,
}

/// An export job in Gladly's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDoc {
    pub id: String,
    pub schedule_id: String,
    pub status: String,
    pub updated_at: String,
    pub parameters: JobParameters,
    pub files: Vec<String>,
}

fn job_of(row: &ResourceRow) -> Result<JobDoc, AppError> {
    Ok(codec::read(&row.doc)?)
}

/// Removes an erased customer's lines from every export file that mentions it.
pub(crate) async fn erase_from_exports(tx: &mut dyn StoreTx, id: &str) -> Result<(), AppError> {
    for (job, filename, content) in tx.export_files_mentioning(id).await? {
        let kept = without_customer(&filename, &content, id)?;
        if kept != content {
            tx.put_export_file(&job, &filename, &kept).await?;
        }
    }
    Ok(())
}

impl App {
    async fn save_job(&self, job: &JobDoc, created_at: i64) -> Result<(), AppError> {
        let now = to_ms(self.now());
        write_tx!(self, |tx| {
            tx.put_resource(&ResourceRow {
                kind: JOB.into(),
                id: job.id.clone(),
                unique_key: None,
                doc: codec::write(job)?,
                created_at,
                updated_at: now,
                version: 1,
            })
            .await?;
            Ok::<_, AppError>(())
        })
    }

    /// Where the next job starts: the previous job's end, or the epoch.
    async fn next_start(&self) -> Result<Timestamp, AppError> {
        let jobs = read_tx!(self, |tx| tx
            .resources(JOB)
            .await?
            .iter()
            .map(job_of)
            .collect::<Result<Vec<_>, _>>())?;
        Ok(jobs
            .iter()
            .filter_map(|j| codec::parse_ts(&j.parameters.end_at))
            .max()
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH))
    }

    /// `POST /export/jobs`: a job for `[startAt, endAt)` (defaults: the previous
    /// job's end, or the epoch, to now), run at once.
    pub async fn start_export(
        &self,
        caller: &Caller,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Result<JobDoc, AppError> {
        may_read_everything(caller)?;
        let end = end.unwrap_or_else(|| self.now());
        let start = match start {
            Some(s) => s,
            None => self.next_start().await?,
        };
        if end <= start {
            return Err(DomainError::invalid("endAt", "must be after startAt").into());
        }
        self.run_export(start, end).await
    }

    async fn run_export(&self, start: Timestamp, end: Timestamp) -> Result<JobDoc, AppError> {
        let created = to_ms(self.now());
        let mut job = JobDoc {
            id: new_id(),
            schedule_id: SCHEDULE_ID.into(),
            status: "IN_PROGRESS".into(),
            updated_at: fmt_ts(self.now()),
            parameters: JobParameters {
                kind: "CONVERSATIONS".into(),
                start_at: fmt_ts(start),
                end_at: fmt_ts(end),
            },
            files: Vec::new(),
        };
        self.save_job(&job, created).await?;
        let outcome = self.write_files(&job, start, end).await;
        job.status = if outcome.is_ok() {
            "COMPLETED"
        } else {
            "FAILED"
        }
        .into();
        job.files = if outcome.is_ok() {
            FILES.iter().map(|f| (*f).to_owned()).collect()
        } else {
            Vec::new()
        };
        job.updated_at = fmt_ts(self.now());
        let event = if outcome.is_ok() {
            "EXPORT_JOB/COMPLETED"
        } else {
            "EXPORT_JOB/FAILED"
        };
        let now = to_ms(self.now());
        write_tx!(self, |tx| {
            tx.put_resource(&ResourceRow {
                kind: JOB.into(),
                id: job.id.clone(),
                unique_key: None,
                doc: codec::write(&job)?,
                created_at: created,
                updated_at: now,
                version: 1,
            })
            .await?;
            tx.append_events(&[EventRow {
                id: new_id(),
                at: now,
                event_type: event.into(),
                aggregate_type: "export".into(),
                aggregate_id: job.id.clone(),
                initiator_type: None,
                initiator_id: None,
                payload: codec::content_payload(&codec::ExportJobIds {
                    job_id: job.id.clone(),
                })?,
            }])
            .await?;
            Ok::<_, AppError>(())
        })?;
        if let Err(e) = outcome {
            tracing::error!(error = %e, job = %job.id, "export failed");
        }
        Ok(job)
    }

    async fn write_files(
        &self,
        job: &JobDoc,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<(), AppError> {
        let (from, to) = (to_ms(start), to_ms(end));
        let mut items = String::new();
        let mut customers: BTreeSet<String> = BTreeSet::new();
        let mut after = 0i64;
        loop {
            let page = read_tx!(self, |tx| Ok::<_, AppError>(
                tx.items_in_range(from, to, after, PAGE).await?
            ))?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            for (_, row) in &page {
                let item = codec::read::<ItemDoc>(&row.doc)?.to_domain()?;
                customers.insert(item.customer_id.to_string());
                items.push_str(&lines([ItemWire::of(&item)])?);
            }
        }
        let (agents, topics, customer_lines) = read_tx!(self, |tx| {
            let agents: Vec<AgentEntry> = load_agents(tx)
                .await?
                .iter()
                .map(AgentEntry::from)
                .collect();
            let topics: Vec<TopicEntry> = load_topics(tx)
                .await?
                .iter()
                .map(TopicEntry::from)
                .collect();
            let mut customer_lines = Vec::new();
            for id in &customers {
                if let Some(c) = load_customer(tx, id).await? {
                    customer_lines.push(CustomerLine::from(&c));
                }
            }
            Ok::<_, AppError>((agents, topics, customer_lines))
        })?;
        let files = [
            ("agents.jsonl", lines(agents)?),
            ("conversation_items.jsonl", items),
            ("customers.jsonl", lines(customer_lines)?),
            ("topics.jsonl", lines(topics)?),
        ];
        write_tx!(self, |tx| {
            // The files were read in earlier transactions: a customer erased since
            // then must not be written back.
            let mut erased = Vec::new();
            for id in &customers {
                if tx.customer(id).await?.is_none() {
                    erased.push(id.as_str());
                }
            }
            for (name, content) in &files {
                let mut content = content.clone();
                for id in &erased {
                    content = without_customer(name, &content, id)?;
                }
                tx.put_export_file(&job.id, name, &content).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    /// Jobs of the last 14 days, optionally by status and by `updatedAt` range.
    pub async fn export_jobs(
        &self,
        caller: &Caller,
        status: Option<&str>,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Result<Vec<JobDoc>, AppError> {
        may_read_everything(caller)?;
        if let Some(s) = status
            && !["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"].contains(&s)
        {
            return Err(DomainError::invalid(
                "status",
                "must be PENDING, IN_PROGRESS, COMPLETED or FAILED",
            )
            .into());
        }
        let oldest = self.now() - hearth_domain::Duration::days(KEEP_DAYS);
        let jobs = read_tx!(self, |tx| tx
            .resources(JOB)
            .await?
            .iter()
            .map(job_of)
            .collect::<Result<Vec<_>, _>>())?;
        Ok(jobs
            .into_iter()
            .filter(|j| {
                let updated = codec::parse_ts(&j.updated_at).unwrap_or(oldest);
                updated >= oldest
                    && status.is_none_or(|s| j.status == s)
                    && start.is_none_or(|s| updated >= s)
                    && end.is_none_or(|e| updated <= e)
            })
            .collect())
    }

    /// One job.
    pub async fn export_job(&self, caller: &Caller, id: &str) -> Result<JobDoc, AppError> {
        may_read_everything(caller)?;
        read_tx!(self, |tx| job_of(
            &tx.resource(JOB, id)
                .await?
                .ok_or_else(|| AppError::not_found("export job", id))?
        ))
    }

    /// Deletes a finished job and its files.
    pub async fn delete_export_job(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        may_read_everything(caller)?;
        write_tx!(self, |tx| {
            let job = job_of(
                &tx.resource(JOB, id)
                    .await?
                    .ok_or_else(|| AppError::not_found("export job", id))?,
            )?;
            if job.status != "COMPLETED" && job.status != "FAILED" {
                return Err(DomainError::InUse("only a finished job can be deleted".into()).into());
            }
            tx.delete_export_files(id).await?;
            tx.delete_resource(JOB, id).await?;
            Ok(())
        })
    }

    /// Deletes finished jobs (and their files) last updated more than 14 days ago,
    /// keeping the newest job, which the schedule continues from; returns how many
    /// went.
    pub async fn prune_export_jobs(&self) -> Result<usize, AppError> {
        let oldest = self.now() - hearth_domain::Duration::days(KEEP_DAYS);
        write_tx!(self, |tx| {
            let jobs = tx
                .resources(JOB)
                .await?
                .iter()
                .map(job_of)
                .collect::<Result<Vec<_>, _>>()?;
            let newest = jobs
                .iter()
                .filter_map(|j| codec::parse_ts(&j.parameters.end_at))
                .max();
            let mut pruned = 0;
            for job in &jobs {
                let finished = job.status == "COMPLETED" || job.status == "FAILED";
                let stale = codec::parse_ts(&job.updated_at).is_some_and(|u| u < oldest);
                let is_newest = codec::parse_ts(&job.parameters.end_at) == newest;
                if finished && stale && !is_newest {
                    tx.delete_export_files(&job.id).await?;
                    tx.delete_resource(JOB, &job.id).await?;
                    pruned += 1;
                }
            }
            Ok(pruned)
        })
    }

    /// One file of a job.
    pub async fn export_file(
        &self,
        caller: &Caller,
        id: &str,
        filename: &str,
    ) -> Result<String, AppError> {
        may_read_everything(caller)?;
        read_tx!(self, |tx| {
            if tx.resource(JOB, id).await?.is_none() {
                return Err(AppError::not_found("export job", id));
            }
            tx.export_file(id, filename)
                .await?
                .ok_or_else(|| AppError::not_found("export file", filename))
        })
    }

    /// The one export schedule.
    pub async fn export_schedules(&self, caller: &Caller) -> Result<Vec<ExportSchedule>, AppError> {
        may_read_everything(caller)?;
        let interval = self.settings().await?.export_interval;
        let next = self
            .next_start()
            .await?
            .max(time::OffsetDateTime::UNIX_EPOCH)
            + interval;
        let frequency = if interval <= hearth_domain::Duration::hours(1) {
            "HOURLY"
        } else {
            "DAILY"
        };
        Ok(vec![ExportSchedule {
            id: SCHEDULE_ID.to_owned(),
            frequency: frequency.to_owned(),
            kind: "CONVERSATIONS".to_owned(),
            next_start_at: fmt_ts(next.max(self.now())),
            updated_at: fmt_ts(from_ms(0).max(self.now())),
        }])
    }

    /// Runs the scheduled export when its interval has passed since the last job's
    /// end (or, before any job, since the organization was created); returns whether
    /// one ran.
    pub async fn run_scheduled_export(&self) -> Result<bool, AppError> {
        let interval = self.settings().await?.export_interval;
        let mut start = self.next_start().await?;
        if start == time::OffsetDateTime::UNIX_EPOCH {
            let created = read_tx!(self, |tx| Ok::<_, AppError>(
                tx.resource(kind::SETTINGS, crate::unit_of_work::SETTINGS_ID)
                    .await?
                    .map(|r| r.created_at)
            ))?;
            let Some(created) = created else {
                return Ok(false);
            };
            start = from_ms(created);
        }
        if self.now() - start < interval {
            return Ok(false);
        }
        self.run_export(start, start + interval).await?;
        Ok(true)
    }
}
