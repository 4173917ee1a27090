//! Runs every contract story on a fresh SQLite database and, when configured, a
//! fresh PostgreSQL database.

use hearth_store_tests::{backends, contract};

macro_rules! on_every_backend {
    ($($story:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $story() {
            for db in backends().await {
                eprintln!("{} on {}", stringify!($story), db.name);
                contract::$story(&*db.store).await;
                db.cleanup().await;
            }
        }
    )*};
}

on_every_backend!(
    resources_round_trip_and_keep_keys_unique,
    tokens_resolve_until_revoked,
    customer_identities_are_unique,
    customers_are_found_by_term_prefix,
    conversations_have_versions_and_one_open_per_customer,
    items_and_events_keep_their_order,
    inbound_ids_and_outbox_rows_are_kept,
    raw_messages_and_message_ids_are_kept,
    an_uncommitted_transaction_writes_nothing,
    routing_log_offers_timers_and_tokens,
    answers_are_found_by_full_text,
);

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    for db in backends().await {
        contract::a_schema_newer_than_the_binary_is_refused(&db).await;
        db.cleanup().await;
    }
}

/// PostgreSQL: a commit that appends events wakes every instance listening, so
/// live streams and chat sockets on other instances need not wait for their poll.
#[tokio::test]
async fn postgres_commits_with_events_wake_other_instances() {
    use hearth_app::ports::EventRow;
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    let other = hearth_store_postgres::PgStore::open(&db.url).await.unwrap();
    let (woke, mut wakes) = tokio::sync::mpsc::unbounded_channel();
    let listening = other
        .listen_events(move || {
            let _ = woke.send(());
        })
        .await
        .unwrap();
    let mut tx = db.store.begin().await.unwrap();
    tx.append_events(&[EventRow {
        id: "n1".into(),
        at: 1,
        event_type: "CONVERSATION/CREATED".into(),
        aggregate_type: "conversation".into(),
        aggregate_id: "v1".into(),
        initiator_type: None,
        initiator_id: None,
        payload: "{}".into(),
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), wakes.recv())
        .await
        .expect("the listener is woken")
        .expect("the listener runs");
    listening.abort();
    db.cleanup().await;
}
