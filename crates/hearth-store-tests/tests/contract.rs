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
);

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    for db in backends().await {
        contract::a_schema_newer_than_the_binary_is_refused(&db).await;
        db.cleanup().await;
    }
}
