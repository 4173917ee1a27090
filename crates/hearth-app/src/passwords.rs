//! Password checks off the async workers.
//!
//! An Argon2id check is deliberately slow (tens of milliseconds) and needs about
//! 19 MiB of working memory. Run on the async workers, a flood of wrong passwords
//! stalls every other request on them; allocated per check, the working memory is
//! left behind in the allocator's arenas and the process grows by gigabytes. So the
//! checks run here instead: on a few threads of their own, each reusing one block
//! of working memory, behind a short queue. When the queue is full the check is not
//! made at all and the caller is told to come back ([`AppError::Busy`]).
//!
//! Hand-written on `std` threads because what is needed is exactly "N threads that
//! own their memory", which a general blocking pool (tokio's grows to 512 threads)
//! does not give.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use crate::error::AppError;

/// How many checks may wait for a thread before more are refused.
pub const QUEUE: usize = 16;

/// The largest working memory a stored hash may ask for (KiB): the default
/// (19 MiB) with room for a stronger setting, never an attacker-sized one.
const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// The checking threads: half the cores, at least one, so the async workers keep
/// cores of their own while a flood lasts.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}

struct Job {
    password: String,
    hash: String,
    answer: oneshot::Sender<bool>,
}

/// The process's one pool of checking threads.
fn pool() -> &'static SyncSender<Job> {
    static POOL: OnceLock<SyncSender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (sender, receiver) = sync_channel::<Job>(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads() {
            let receiver = Arc::clone(&receiver);
            // A thread that cannot start leaves the others (or none: then every
            // check waits in the queue and is refused when it is full, which the
            // log below explains).
            if let Err(e) = std::thread::Builder::new()
                .name(format!("hearth-password-{n}"))
                .spawn(move || work(&receiver))
            {
                tracing::error!(error = %e, "a password-checking thread did not start");
            }
        }
        sender
    })
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    // The working memory, allocated once per thread and reused by every check.
    let mut memory: Vec<Block> = vec![Block::new(); Params::DEFAULT.block_count()];
    loop {
        let job = {
            let Ok(jobs) = jobs.lock() else { return };
            match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        // The asker may have gone (its request was dropped); then nobody waits.
        let matches = verify_with(&job.password, &job.hash, &mut memory);
        let _ = job.answer.send(matches);
    }
}

/// Checks `password` against the PHC string `hash` in `memory`, grown if the hash
/// asks for more (up to [`MAX_MEMORY_KIB`]). False for any hash it cannot read.
fn verify_with(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return false;
    }
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_err()
    {
        return false;
    }
    out.ct_eq(expected.as_bytes()).into()
}

/// Whether `password` matches the PHC string `hash`, checked on the password
/// threads. [`AppError::Busy`] when [`QUEUE`] checks already wait.
pub async fn verify(password: &str, hash: &str) -> Result<bool, AppError> {
    let (answer, answered) = oneshot::channel();
    let job = Job {
        password: password.to_owned(),
        hash: hash.to_owned(),
        answer,
    };
    match pool().try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => return Err(AppError::Busy),
        Err(TrySendError::Disconnected(_)) => {
            return Err(AppError::internal("the password-checking threads are gone"));
        }
    }
    answered
        .await
        .map_err(|_| AppError::internal("a password check was dropped unanswered"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::credentials::hash_password;

    #[test]
    fn the_reused_memory_gives_argon2s_own_answer() {
        let hash = hash_password("correct horse battery").expect("hash");
        let mut memory = Vec::new();
        assert!(verify_with("correct horse battery", &hash, &mut memory));
        assert!(!verify_with("correct horse batterz", &hash, &mut memory));
        // The same memory again, dirty from the checks before.
        assert!(verify_with("correct horse battery", &hash, &mut memory));
        assert!(!verify_with("x", "not a phc string", &mut memory));
        // A stored hash asking for a gigabyte is refused, not honoured.
        let greedy = hash.replace("m=19456", "m=1048576");
        assert_ne!(greedy, hash);
        assert!(!verify_with("correct horse battery", &greedy, &mut memory));
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_without_a_check() {
        let hash = hash_password("correct horse battery").expect("hash");
        let mut checks = tokio::task::JoinSet::new();
        for _ in 0..(QUEUE * 4) {
            let hash = hash.clone();
            checks.spawn(async move { verify("correct horse battery", &hash).await });
        }
        let (mut matched, mut busy) = (0, 0);
        while let Some(answer) = checks.join_next().await {
            match answer.expect("the check task ran") {
                Ok(true) => matched += 1,
                Err(AppError::Busy) => busy += 1,
                other => panic!("unexpected answer {other:?}"),
            }
        }
        // Everything asked at once: the queue and the threads take some, the rest
        // are told to come back.
        assert!(busy > 0, "{busy} refused");
        assert!(matched >= QUEUE, "{matched} checked");
        assert_eq!(matched + busy, QUEUE * 4);
        // Once it has drained, a check goes through again.
        assert!(
            verify("correct horse battery", &hash)
                .await
                .expect("checked")
        );
    }
}
