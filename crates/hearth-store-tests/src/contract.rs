//! The storage contract, one story per aggregate. Every story runs on a fresh
//! database of each backend and must pass on both.

use hearth_app::ports::{
    AnswerHit, AnswerQuery, AnswerTextRow, BlobRow, ChatSessionRow, ContactRow, ConversationRow,
    CustomerRow, EventRow, ItemRow, MessageRefRow, OutboxRow, RawInboundRow, ResourceRow, Store,
    StoreError,
};

fn resource(kind: &str, id: &str, key: Option<&str>, doc: &str) -> ResourceRow {
    ResourceRow {
        kind: kind.into(),
        id: id.into(),
        unique_key: key.map(Into::into),
        doc: doc.into(),
        created_at: 1,
        updated_at: 1,
        version: 1,
    }
}

fn conversation(id: &str, customer: &str, status: &str, version: i64) -> ConversationRow {
    ConversationRow {
        id: id.into(),
        customer_id: customer.into(),
        inbox_id: "inbox".into(),
        agent_id: None,
        status: status.into(),
        created_at: 1_000,
        closed_at: None,
        due_at: Some(5_000),
        version,
        doc: format!("{{\"v\":{version}}}"),
    }
}

fn contact(id: &str, conversation: &str, started_at: i64) -> ContactRow {
    ContactRow {
        id: id.into(),
        conversation_id: conversation.into(),
        channel: "EMAIL".into(),
        started_at,
        ended_at: None,
        due_at: Some(started_at + 3_600_000),
        fulfilment: None,
    }
}

fn event(id: &str, aggregate: &str) -> EventRow {
    EventRow {
        id: id.into(),
        at: 7,
        event_type: "CONVERSATION/CREATED".into(),
        aggregate_type: "conversation".into(),
        aggregate_id: aggregate.into(),
        initiator_type: Some("CUSTOMER".into()),
        initiator_id: None,
        payload: "{}".into(),
    }
}

/// Configuration resources: insert, replace, look up by id and key, list by kind,
/// and refuse a unique key held by another resource, naming it.
pub async fn resources_round_trip_and_keep_keys_unique(store: &dyn Store) {
    let mut tx = store.begin().await.unwrap();
    tx.put_resource(&resource(
        "agent",
        "a1",
        Some("alice@example.com"),
        "{\"n\":1}",
    ))
    .await
    .unwrap();
    tx.put_resource(&resource("agent", "a2", Some("bob@example.com"), "{}"))
        .await
        .unwrap();
    tx.put_resource(&resource("inbox", "a1", None, "{}"))
        .await
        .unwrap();
    tx.put_resource(&resource(
        "agent",
        "a1",
        Some("alice@example.com"),
        "{\"n\":2}",
    ))
    .await
    .unwrap();
    let taken = tx
        .put_resource(&resource("agent", "a3", Some("bob@example.com"), "{}"))
        .await;
    assert_eq!(
        taken,
        Err(StoreError::Conflict {
            key: "bob@example.com".into(),
            holder: "a2".into()
        })
    );
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.resource("agent", "a1")
            .await
            .unwrap()
            .map(|r| (r.doc, r.version)),
        Some(("{\"n\":2}".into(), 2)),
        "a replacement bumps the version"
    );
    assert_eq!(
        tx.resource_by_key("agent", "bob@example.com")
            .await
            .unwrap()
            .map(|r| r.id),
        Some("a2".into())
    );
    assert_eq!(
        tx.resource_by_key("inbox", "bob@example.com")
            .await
            .unwrap(),
        None
    );
    let agents: Vec<String> = tx
        .resources("agent")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(agents, ["a1", "a2"]);
}

/// API tokens resolve to their agent until revoked by label.
pub async fn tokens_resolve_until_revoked(store: &dyn Store) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_token("t1", "a1", "hash-1", "startup", 1)
        .await
        .unwrap();
    tx.insert_token("t2", "a1", "hash-2", "api", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.live_token("hash-1").await.unwrap(),
        Some(("a1".into(), "startup".into(), 1))
    );
    assert_eq!(tx.revoke_tokens("a1", "startup", 2).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.live_token("hash-1").await.unwrap(), None);
    assert_eq!(
        tx.live_token("hash-2").await.unwrap(),
        Some(("a1".into(), "api".into(), 1))
    );
    assert_eq!(tx.live_token("unknown").await.unwrap(), None);
}

/// An email or mobile number belongs to one customer; a second customer claiming
/// it is refused with the holder named, and replacing a customer's identities
/// releases the old ones.
pub async fn customer_identities_are_unique(store: &dyn Store) {
    let row = |id: &str| CustomerRow {
        id: id.into(),
        name: Some("Jane".into()),
        doc: "{}".into(),
        external_customer_id: Some("crm-7".into()),
        search_terms: Vec::new(),
        created_at: 1,
        updated_at: 1,
    };
    let ids = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(k, x)| ((*k).to_owned(), (*x).to_owned()))
            .collect::<Vec<_>>()
    };
    let mut tx = store.begin().await.unwrap();
    tx.save_customer(
        &row("c1"),
        &ids(&[
            ("EMAIL", "jane@example.com"),
            ("MOBILE_PHONE", "+12065550111"),
        ]),
    )
    .await
    .unwrap();
    let clash = tx
        .save_customer(&row("c2"), &ids(&[("EMAIL", "jane@example.com")]))
        .await;
    assert_eq!(
        clash,
        Err(StoreError::Conflict {
            key: "EMAIL:jane@example.com".into(),
            holder: "c1".into()
        })
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.customer_by_identity("EMAIL", "jane@example.com")
            .await
            .unwrap()
            .as_deref(),
        Some("c1")
    );
    assert_eq!(
        tx.customer("c2").await.unwrap(),
        None,
        "a refused customer is not written"
    );
    tx.save_customer(&row("c1"), &ids(&[("EMAIL", "jane.doe@example.com")]))
        .await
        .unwrap();
    tx.save_customer(&row("c2"), &ids(&[("EMAIL", "jane@example.com")]))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.customer_by_identity("EMAIL", "jane@example.com")
            .await
            .unwrap()
            .as_deref(),
        Some("c2")
    );
    assert_eq!(
        tx.customer_by_identity("MOBILE_PHONE", "+12065550111")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        tx.customers_by_external_id("crm-7", 50).await.unwrap(),
        ["c1", "c2"],
        "an external id is shared, not unique"
    );
    assert_eq!(
        tx.customers_by_external_id("crm-7", 1).await.unwrap().len(),
        1
    );
    assert!(
        tx.customers_by_external_id("crm-8", 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.customer("c1")
            .await
            .unwrap()
            .unwrap()
            .external_customer_id
            .as_deref(),
        Some("crm-7")
    );
}

/// Search terms are matched by prefix in byte order, one id per customer however
/// many of its terms match, and are replaced with the customer and erased with it.
pub async fn customers_are_found_by_term_prefix(store: &dyn Store) {
    let row = |id: &str, terms: &[&str]| CustomerRow {
        id: id.into(),
        name: None,
        doc: "{}".into(),
        external_customer_id: None,
        search_terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        created_at: 1,
        updated_at: 1,
    };
    let mut tx = store.begin().await.unwrap();
    tx.save_customer(&row("s1", &["jane", "jane doe", "doe", "2065550100"]), &[])
        .await
        .unwrap();
    tx.save_customer(&row("s2", &["janet", "jan@example.com", "zoë"]), &[])
        .await
        .unwrap();
    tx.save_customer(&row("s3", &["ja_ne", "ja%"]), &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.search_customers("jan", 10).await.unwrap(), ["s2", "s1"]);
    assert_eq!(tx.search_customers("jane", 10).await.unwrap(), ["s1", "s2"]);
    assert_eq!(tx.search_customers("jane", 1).await.unwrap(), ["s1"]);
    assert_eq!(tx.search_customers("jane d", 10).await.unwrap(), ["s1"]);
    assert_eq!(tx.search_customers("206", 10).await.unwrap(), ["s1"]);
    assert_eq!(tx.search_customers("zo", 10).await.unwrap(), ["s2"]);
    assert_eq!(
        tx.search_customers("ja%", 10).await.unwrap(),
        ["s3"],
        "no wildcards"
    );
    assert_eq!(tx.search_customers("ja_", 10).await.unwrap(), ["s3"]);
    assert!(tx.search_customers("x", 10).await.unwrap().is_empty());
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    tx.save_customer(&row("s1", &["smith"]), &[]).await.unwrap();
    tx.erase_customer("s2", "{}").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert!(tx.search_customers("jan", 10).await.unwrap().is_empty());
    assert_eq!(tx.search_customers("sm", 10).await.unwrap(), ["s1"]);
}

/// Conversations: optimistic versions, contact rows replaced with the conversation,
/// and at most one non-closed conversation per customer (R2).
pub async fn conversations_have_versions_and_one_open_per_customer(store: &dyn Store) {
    let mut tx = store.begin().await.unwrap();
    tx.save_conversation(
        &conversation("v1", "c1", "OPEN", 1),
        &[contact("k1", "v1", 10)],
        None,
    )
    .await
    .unwrap();
    let second = tx
        .save_conversation(&conversation("v2", "c1", "OPEN", 1), &[], None)
        .await;
    assert_eq!(
        second,
        Err(StoreError::Conflict {
            key: hearth_app::ports::stored::ONE_OPEN_CONVERSATION.into(),
            holder: "v1".into()
        })
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let mut closed = conversation("v1", "c1", "CLOSED", 2);
    closed.closed_at = Some(20);
    tx.save_conversation(
        &closed,
        &[contact("k1", "v1", 10), contact("k2", "v1", 11)],
        Some(1),
    )
    .await
    .unwrap();
    let stale = tx
        .save_conversation(&conversation("v1", "c1", "OPEN", 3), &[], Some(1))
        .await;
    assert_eq!(
        stale,
        Err(StoreError::VersionConflict),
        "a write on a stale version is refused"
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    tx.save_conversation(
        &conversation("v2", "c1", "OPEN", 1),
        &[contact("k3", "v2", 30)],
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.conversation("v1").await.unwrap(), Some(closed));
    assert_eq!(
        tx.latest_conversation("c1").await.unwrap().map(|c| c.id),
        Some("v2".into())
    );
    let ids: Vec<String> = tx
        .customer_conversations("c1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["v1", "v2"]);
    assert_eq!(tx.customer_conversations("c1", 1).await.unwrap().len(), 1);
    assert_eq!(
        tx.contact_conversation("k2").await.unwrap().as_deref(),
        Some("v1")
    );
    assert_eq!(
        tx.contacts_of("v1").await.unwrap(),
        vec![contact("k1", "v1", 10), contact("k2", "v1", 11)]
    );
    let page: Vec<String> = tx
        .conversations_page("", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(page, ["v1", "v2"]);
    assert_eq!(tx.conversations_page("v1", 10).await.unwrap().len(), 1);
}

/// Items come back in timeline order (time, then insertion); events page in log order.
pub async fn items_and_events_keep_their_order(store: &dyn Store) {
    let item = |id: &str, at: i64| ItemRow {
        id: id.into(),
        conversation_id: Some("v1".into()),
        customer_id: "c1".into(),
        at,
        doc: format!("\"{id}\""),
    };
    let mut tx = store.begin().await.unwrap();
    for (id, at) in [("b", 5), ("a", 5), ("c", 1)] {
        tx.insert_item(&item(id, at)).await.unwrap();
    }
    tx.commit().await.unwrap();
    // A failed statement spoils its transaction (PostgreSQL semantics): drop it.
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.insert_item(&item("a", 9)).await,
        Err(StoreError::Conflict { .. })
    ));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.append_events(&[event("e1", "v1"), event("e2", "v1"), event("e3", "v2")])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let ids: Vec<String> = tx
        .items("v1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, ["c", "b", "a"]);
    assert_eq!(tx.items("v1", 2).await.unwrap().len(), 2);
    assert_eq!(tx.item("b").await.unwrap().map(|i| i.at), Some(5));
    let first = tx.events_page(0, 2).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|e| e.event.id.as_str())
            .collect::<Vec<_>>(),
        ["e1", "e2"]
    );
    assert_eq!(first[0].event, event("e1", "v1"));
    let rest = tx.events_page(first[1].seq, 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|e| e.event.id.as_str()).collect::<Vec<_>>(),
        ["e3"]
    );
}

/// A provider message id is recorded once with its response; the outbox keeps rows.
pub async fn inbound_ids_and_outbox_rows_are_kept(store: &dyn Store) {
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.inbound_response("m1").await.unwrap(), None);
    tx.record_inbound("m1", "{\"first\":true}", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.record_inbound("m1", "{}", 2).await,
        Err(StoreError::Conflict { .. })
    ));
    drop(tx);
    let row = OutboxRow {
        id: "o1".into(),
        channel: "EMAIL".into(),
        conversation_id: Some("v1".into()),
        item_id: "i1".into(),
        status: "PENDING".into(),
        payload: "{}".into(),
        created_at: 3,
        attempts: 0,
        next_attempt_at: None,
        detail: None,
        message_id: None,
    };
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_outbox(&row).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(
        tx.inbound_response("m1").await.unwrap().as_deref(),
        Some("{\"first\":true}")
    );
    assert_eq!(tx.outbox_for_item("i1").await.unwrap(), vec![row.clone()]);
    drop(tx);

    // A due row is handed out once while a transaction holds it; a retry later is
    // not due before its time; a sent row is no longer due.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.due_outbox("SMS", 10, 10).await.unwrap(), vec![]);
    assert_eq!(
        tx.due_outbox("EMAIL", 10, 10).await.unwrap(),
        vec![row.clone()]
    );
    assert_eq!(tx.outbox_backlog("EMAIL").await.unwrap(), 1);
    let retry = OutboxRow {
        attempts: 1,
        next_attempt_at: Some(100),
        detail: Some("relay refused".into()),
        message_id: Some("<o1@hearth>".into()),
        ..row.clone()
    };
    tx.update_outbox(&retry).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.due_outbox("EMAIL", 99, 10).await.unwrap(), vec![]);
    assert_eq!(
        tx.due_outbox("EMAIL", 100, 10).await.unwrap(),
        vec![retry.clone()]
    );
    let sent = OutboxRow {
        status: "SENT".into(),
        attempts: 2,
        detail: None,
        ..retry
    };
    tx.update_outbox(&sent).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.due_outbox("EMAIL", 1_000, 10).await.unwrap(), vec![]);
    assert_eq!(tx.outbox_backlog("EMAIL").await.unwrap(), 0);
    assert_eq!(tx.outbox_for_item("i1").await.unwrap(), vec![sent.clone()]);
    assert_eq!(tx.outbox_for_conversation("v1").await.unwrap(), vec![sent]);
    assert_eq!(tx.outbox_for_conversation("v2").await.unwrap(), vec![]);
}

/// Raw inbound messages keep their bytes; unread ones are found until settled;
/// message ids are kept once and found by id, item and conversation.
pub async fn raw_messages_and_message_ids_are_kept(store: &dyn Store) {
    let bytes = b"Subject: hi\r\n\r\n\xff\x00 binary is kept".to_vec();
    let raw = RawInboundRow {
        id: "r1".into(),
        channel: "EMAIL".into(),
        source: "smtp".into(),
        sender: Some("jane@example.com".into()),
        received_at: 5,
        bytes: bytes.clone(),
        status: "RECEIVED".into(),
        detail: None,
        customer_id: None,
        item_id: None,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_raw_inbound(&raw).await.unwrap();
    tx.insert_raw_inbound(&RawInboundRow {
        id: "r2".into(),
        received_at: 6,
        ..raw.clone()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let unread = tx.unread_raw_inbound(10).await.unwrap();
    assert_eq!(
        unread.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["r1", "r2"]
    );
    assert_eq!(unread[0].bytes, bytes);
    assert_eq!(
        tx.raw_inbound_count_since("EMAIL", "jane@example.com", 6)
            .await
            .unwrap(),
        1
    );
    let ingested = RawInboundRow {
        status: "INGESTED".into(),
        customer_id: Some("c1".into()),
        item_id: Some("i1".into()),
        ..raw.clone()
    };
    tx.settle_raw_inbound(&ingested).await.unwrap();
    tx.commit().await.unwrap();

    let first = MessageRefRow {
        message_id: "<a@x>".into(),
        customer_id: "c1".into(),
        conversation_id: Some("v1".into()),
        item_id: "i1".into(),
        refs: String::new(),
        at: 7,
    };
    let second = MessageRefRow {
        message_id: "<b@x>".into(),
        item_id: "i2".into(),
        refs: "<a@x>".into(),
        at: 8,
        ..first.clone()
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_message_ref(&first).await.unwrap();
    tx.insert_message_ref(&second).await.unwrap();
    // A repeated id keeps what was first recorded.
    tx.insert_message_ref(&MessageRefRow {
        customer_id: "c9".into(),
        ..first.clone()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Claims (`unread_raw_inbound`) lock rows: they belong in write transactions.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.raw_inbound("r1").await.unwrap(), Some(ingested));
    assert!(tx.raw_inbound_from("smtp").await.unwrap());
    assert!(!tx.raw_inbound_from("imap:e1:1:7").await.unwrap());
    assert_eq!(
        tx.unread_raw_inbound(10)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["r2"]
    );
    assert_eq!(tx.message_ref("<a@x>").await.unwrap(), Some(first));
    assert_eq!(tx.message_ref("<c@x>").await.unwrap(), None);
    assert_eq!(
        tx.message_refs_of_item("i2").await.unwrap(),
        vec![second.clone()]
    );
    assert_eq!(tx.latest_message_ref("v1").await.unwrap(), Some(second));
    drop(tx);

    // A file is kept once however many items show it, and found only through one.
    let blob = BlobRow {
        id: "ab12".into(),
        content_type: "image/png".into(),
        bytes: vec![0x89, b'P', b'N', b'G', 0],
        created_at: 9,
    };
    let mut tx = store.begin().await.unwrap();
    tx.put_blob(&blob).await.unwrap();
    tx.put_blob(&BlobRow {
        content_type: "application/octet-stream".into(),
        ..blob.clone()
    })
    .await
    .unwrap();
    tx.link_blob("i1", "ab12").await.unwrap();
    tx.link_blob("i1", "ab12").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.blob_of_item("i1", "ab12").await.unwrap(), Some(blob));
    assert_eq!(tx.blob_of_item("i2", "ab12").await.unwrap(), None);
    drop(tx);

    // A chat session is found by id and by its token's hash, and its changes kept.
    let session = ChatSessionRow {
        id: "s1".into(),
        token_hash: "h1".into(),
        entry_point: "chat".into(),
        customer_id: None,
        visitor: "visitor-1".into(),
        name: Some("Ann".into()),
        created_at: 10,
        last_seen_at: 10,
        ended_at: None,
        ended_by: None,
        customer_typing_at: None,
        agent_typing_at: None,
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_chat_session(&session).await.unwrap();
    assert!(matches!(
        tx.insert_chat_session(&ChatSessionRow {
            id: "s2".into(),
            ..session.clone()
        })
        .await,
        Err(StoreError::Conflict { .. })
    ));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.insert_chat_session(&session).await.unwrap();
    assert_eq!(
        tx.stale_chat_sessions(11, 10).await.unwrap(),
        vec![session.clone()]
    );
    assert_eq!(tx.stale_chat_sessions(10, 10).await.unwrap(), vec![]);
    let seen = ChatSessionRow {
        customer_id: Some("c1".into()),
        last_seen_at: 20,
        ended_at: Some(30),
        ended_by: Some("agent".into()),
        customer_typing_at: Some(25),
        agent_typing_at: Some(26),
        ..session.clone()
    };
    tx.update_chat_session(&seen).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.chat_session("s1").await.unwrap(), Some(seen.clone()));
    assert_eq!(tx.chat_session_by_token("h1").await.unwrap(), Some(seen));
    assert_eq!(tx.chat_session_by_token("h2").await.unwrap(), None);
    assert_eq!(
        tx.open_chat_sessions("c1").await.unwrap(),
        vec![],
        "it ended"
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.stale_chat_sessions(1_000, 10).await.unwrap(),
        vec![],
        "an ended session is not stale"
    );
}

/// A transaction dropped without commit writes nothing.
pub async fn an_uncommitted_transaction_writes_nothing(store: &dyn Store) {
    {
        let mut tx = store.begin().await.unwrap();
        tx.save_conversation(
            &conversation("v9", "c9", "OPEN", 1),
            &[contact("k9", "v9", 1)],
            None,
        )
        .await
        .unwrap();
        tx.append_events(&[event("e9", "v9")]).await.unwrap();
        // dropped here: rolled back
    }
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.conversation("v9").await.unwrap(), None);
    assert_eq!(tx.contact_conversation("k9").await.unwrap(), None);
    assert!(tx.events_page(0, 10).await.unwrap().is_empty());
}

/// A database migrated by a newer Hearth (a migration this binary does not know) is
/// refused on open instead of being used with a schema the code does not expect.
pub async fn a_schema_newer_than_the_binary_is_refused(db: &crate::TestDb) {
    let reopen = || async {
        match db.name {
            "sqlite" => hearth_store_sqlite::SqliteStore::open(&db.url)
                .await
                .map(|_| ()),
            _ => hearth_store_postgres::PgStore::open(&db.url)
                .await
                .map(|_| ()),
        }
    };
    reopen().await.expect("the current schema opens again");
    let insert = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                  VALUES (99990101000000, 'from the future', TRUE, X'00', 0)";
    let pg_insert = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES (99990101000000, 'from the future', TRUE, '\\x00', 0)";
    match db.name {
        "sqlite" => {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .connect(&db.url)
                .await
                .unwrap();
            sqlx::query(insert).execute(&pool).await.unwrap();
            pool.close().await;
        }
        _ => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .connect(&db.url)
                .await
                .unwrap();
            sqlx::query(pg_insert).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
    let refused = reopen().await;
    assert!(refused.is_err(), "a newer schema must be refused");
}

/// The routing log keeps order, decisions come back per unit in order, offers and
/// timers can be armed, re-armed and removed, and tokens can be listed and revoked.
pub async fn routing_log_offers_timers_and_tokens(store: &dyn Store) {
    use hearth_app::ports::{OfferRow, RoutingDecisionRow, TimerRow};
    let mut tx = store.begin().await.unwrap();
    tx.lock_routing().await.unwrap();
    let first = tx.append_routing_input(10, "{\"a\":1}").await.unwrap();
    let second = tx.append_routing_input(11, "{\"a\":2}").await.unwrap();
    assert!(second > first);
    // Snapshots: the newest is read back; writing one drops the older ones.
    assert_eq!(tx.latest_routing_snapshot().await.unwrap(), None);
    tx.put_routing_snapshot(first, 5, "{\"s\":1}")
        .await
        .unwrap();
    tx.put_routing_snapshot(second, 6, "{\"s\":2}")
        .await
        .unwrap();
    assert_eq!(
        tx.latest_routing_snapshot().await.unwrap(),
        Some((second, "{\"s\":2}".to_owned()))
    );
    tx.put_routing_snapshot(second, 7, "{\"s\":3}")
        .await
        .unwrap();
    assert_eq!(
        tx.latest_routing_snapshot().await.unwrap(),
        Some((second, "{\"s\":3}".to_owned())),
        "the same position again replaces it"
    );
    for (id, seq) in [("r2d0001", second), ("r1d0000", first), ("r2d0000", second)] {
        let row = RoutingDecisionRow {
            id: id.into(),
            seq,
            at: 1,
            unit_id: Some("v1".into()),
            agent_id: None,
            doc: format!("\"{id}\""),
        };
        tx.insert_routing_decision(&row).await.unwrap();
    }
    tx.put_offer(&OfferRow {
        id: "o1".into(),
        agent_id: "a1".into(),
        unit_id: "conversation:v1".into(),
        doc: "{}".into(),
        expires_at: 50,
    })
    .await
    .unwrap();
    tx.put_offer(&OfferRow {
        id: "o2".into(),
        agent_id: "a1".into(),
        unit_id: "conversation:v2".into(),
        doc: "{}".into(),
        expires_at: 40,
    })
    .await
    .unwrap();
    let timer = |id: &str, due: i64| TimerRow {
        id: id.into(),
        due_at: due,
        kind: "K".into(),
        payload: "p".into(),
    };
    tx.put_timer(&timer("t1", 100)).await.unwrap();
    tx.put_timer(&timer("t2", 30)).await.unwrap();
    tx.put_timer(&timer("t1", 20)).await.unwrap();
    tx.insert_token("k1", "a1", "h1", "api", 1).await.unwrap();
    tx.insert_token("k2", "a1", "h2", "api", 2).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let log: Vec<String> = tx
        .routing_inputs_after(0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, _, i)| i)
        .collect();
    assert_eq!(log, ["{\"a\":1}", "{\"a\":2}"]);
    assert_eq!(tx.routing_inputs_after(first, 10).await.unwrap().len(), 1);
    let decisions: Vec<String> = tx
        .routing_decisions("v1")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(decisions, ["r1d0000", "r2d0000", "r2d0001"]);
    let offers: Vec<String> = tx
        .offers_for_agent("a1")
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(offers, ["o2", "o1"], "earliest expiry first");
    tx.delete_offer("o2").await.unwrap();
    assert_eq!(
        tx.next_timer_due().await.unwrap(),
        Some(20),
        "re-arming replaced t1"
    );
    let due: Vec<String> = tx
        .due_timers(30, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(due, ["t1", "t2"]);
    tx.delete_timer("t1").await.unwrap();
    assert_eq!(tx.due_timers(1000, 10).await.unwrap().len(), 1);
    assert!(tx.revoke_token("a1", "k1", 5).await.unwrap());
    assert!(
        !tx.revoke_token("a2", "k2", 5).await.unwrap(),
        "another agent's token is not revoked"
    );
    assert_eq!(tx.revoke_all_tokens("a1", 6).await.unwrap(), 1);
    let tokens = tx.tokens_of("a1").await.unwrap();
    assert_eq!(
        tokens
            .iter()
            .map(|t| (t.0.as_str(), t.3))
            .collect::<Vec<_>>(),
        [("k1", Some(5)), ("k2", Some(6))]
    );
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.offers_for_agent("a1").await.unwrap().len(), 1);
}

fn answer_text(answer: &str, language: &str, kind: &str, name: &str, body: &str) -> AnswerTextRow {
    AnswerTextRow {
        answer_id: answer.into(),
        language: language.into(),
        kind: kind.into(),
        name: name.into(),
        body: body.into(),
    }
}

fn answer_query(terms: &[&str], last_is_prefix: bool, kinds: &[&str]) -> AnswerQuery {
    AnswerQuery {
        terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        last_is_prefix,
        any_term: false,
        kinds: kinds.iter().map(|t| (*t).to_owned()).collect(),
        language: None,
        limit: 10,
    }
}

/// Answers: full-text search over names and bodies (every term must match, the
/// last as a prefix when asked, a name above a body), filtered by use and
/// language; indexing a text again replaces it; the words kept for corrections.
pub async fn answers_are_found_by_full_text(store: &dyn Store) {
    let mut tx = store.begin().await.unwrap();
    for row in [
        answer_text(
            "a1",
            "en-us",
            "email",
            "refund policy",
            "we refund within thirty days",
        ),
        answer_text(
            "a1",
            "en-us",
            "public",
            "refund policy",
            "refunds take thirty days",
        ),
        answer_text(
            "a2",
            "en-us",
            "messaging",
            "shipping times",
            "orders ship in two days no refund",
        ),
        answer_text(
            "a3",
            "fr",
            "public",
            "remboursement",
            "nous remboursons sous trente jours",
        ),
    ] {
        tx.index_answer_text(&row).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.answer_texts_indexed().await.unwrap(), 4);
    let found = |hits: Vec<AnswerHit>| -> Vec<(String, String)> {
        hits.into_iter().map(|h| (h.answer_id, h.kind)).collect()
    };
    let hits = tx
        .search_answers(&answer_query(&["refund"], false, &[]))
        .await
        .unwrap();
    assert!(
        hits.windows(2).all(|w| w[0].score >= w[1].score),
        "{hits:?}"
    );
    let ranked = found(hits);
    assert_eq!(ranked.len(), 3, "{ranked:?}");
    assert_eq!(
        ranked[2],
        ("a2".into(), "messaging".into()),
        "a name match comes first"
    );
    assert_eq!(
        found(
            tx.search_answers(&answer_query(&["shipp"], true, &[]))
                .await
                .unwrap()
        ),
        [("a2".into(), "messaging".into())]
    );
    assert!(
        tx.search_answers(&answer_query(&["shipp"], false, &[]))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        found(
            tx.search_answers(&answer_query(&["refund"], false, &["messaging", "email"]))
                .await
                .unwrap()
        ),
        [
            ("a1".into(), "email".into()),
            ("a2".into(), "messaging".into())
        ]
    );
    assert_eq!(
        found(
            tx.search_answers(&answer_query(&["refund", "shipping"], false, &[]))
                .await
                .unwrap()
        ),
        [("a2".into(), "messaging".into())],
        "every term must match"
    );
    let mut any = answer_query(&["thirty", "shipping"], false, &[]);
    assert!(tx.search_answers(&any).await.unwrap().is_empty());
    any.any_term = true;
    assert_eq!(
        found(tx.search_answers(&any).await.unwrap()).len(),
        3,
        "any term: both refund texts hold thirty, the shipping one its name"
    );
    let mut french = answer_query(&["trente"], false, &[]);
    assert_eq!(found(tx.search_answers(&french).await.unwrap()).len(), 1);
    french.language = Some("en-us".into());
    assert!(tx.search_answers(&french).await.unwrap().is_empty());
    // Query syntax is never read from terms.
    assert!(
        tx.search_answers(&answer_query(&["refund OR x"], false, &[]))
            .await
            .unwrap()
            .is_empty()
    );
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    tx.index_answer_text(&answer_text(
        "a1",
        "en-us",
        "email",
        "returns",
        "bring it back",
    ))
    .await
    .unwrap();
    tx.unindex_answer("a1", Some(("en-us", "public")))
        .await
        .unwrap();
    tx.set_answer_words("a1", &["back".into(), "bring".into(), "returns".into()])
        .await
        .unwrap();
    tx.set_answer_words("a2", &["bring".into(), "shipping".into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.answer_texts_indexed().await.unwrap(), 3);
    assert_eq!(
        found(
            tx.search_answers(&answer_query(&["refund"], false, &[]))
                .await
                .unwrap()
        ),
        [("a2".into(), "messaging".into())],
        "indexing a text again replaces it"
    );
    assert_eq!(
        tx.answer_words(4, 7, 100).await.unwrap(),
        ["back", "bring", "returns"],
        "distinct, by length, alphabetical"
    );
    assert_eq!(tx.answer_words(1, 100, 2).await.unwrap(), ["back", "bring"]);
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    tx.unindex_answer("a1", None).await.unwrap();
    tx.set_answer_words("a1", &[]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.answer_texts_indexed().await.unwrap(), 2);
    assert_eq!(
        tx.answer_words(1, 100, 100).await.unwrap(),
        ["bring", "shipping"]
    );
}
