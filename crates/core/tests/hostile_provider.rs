//! A provider that misbehaves on purpose: headers HTTP does not allow, waits it should not ask
//! for, bodies without end, pages that loop under fresh cursors, hostile links and titles,
//! token endpoints that answer with anything but a token. Each case either loads every item or
//! fails at once with a typed error that names the provider, the request and the listing.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tributary_core::load::{Cancel, LoadOptions, Loaded};
use tributary_core::oauth::CallbackError;
use tributary_core::store::Store;
use tributary_core::{ConnectionKey, Core, Error, ProviderId};
use tributary_sandbox::{ArmedFault, Fault, Sandbox};

const ITEMS: usize = 900;

async fn load(core: &Core, key: &ConnectionKey, options: LoadOptions) -> Result<Loaded, Error> {
    core.load(key, options, None, Cancel::new()).await
}

/// The error of a load that must fail (without printing every item if it did not).
async fn load_err(core: &Core, key: &ConnectionKey, options: LoadOptions) -> Error {
    match load(core, key, options).await {
        Ok(loaded) => panic!("the load completed with {} items", loaded.items.len()),
        Err(e) => e,
    }
}

fn expected(p: ProviderId) -> usize {
    if p == ProviderId::Hubspot {
        ITEMS + 3
    } else {
        ITEMS
    }
}

async fn small_sandbox() -> Sandbox {
    sandbox(|c| c.dataset = tributary_sandbox::PerProvider::all(ITEMS)).await
}

/// Lets requests of a failed load that were still on the wire reach the sandbox before the
/// next fault is armed (HubSpot's and Airtable's listings run side by side).
async fn settle(sb: &Sandbox, p: ProviderId) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    sb.clear_faults(p);
}

/// The cause inside a `LoadIncomplete`, and the listing it names.
fn incomplete(e: Error) -> (String, Error) {
    match e {
        Error::LoadIncomplete { listing, cause, .. } => (listing, *cause),
        other => panic!("expected LoadIncomplete, got {other:?}"),
    }
}

#[tokio::test]
async fn retry_after_values_http_does_not_allow_never_panic_or_stall() {
    let sb = small_sandbox().await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;
        for value in ["-1", "inf", "NaN", "1e400", "soon", "1.5", "", "99999999999999999999999"] {
            // On a 200 the header means nothing; on a 429 a bad one means "no Retry-After".
            sb.arm_fault(sp, ArmedFault::new(Fault::RetryAfter { status: 200, value: value.into() }).times(2));
            if value != "99999999999999999999999" {
                sb.arm_fault(sp, ArmedFault::new(Fault::RetryAfter { status: 429, value: value.into() }).after(2));
            }
            let loaded = load(&core, &key, fast_options()).await.unwrap_or_else(|e| panic!("{p} with Retry-After {value:?}: {e}"));
            assert_eq!(loaded.items.len(), expected(p), "{p}: {value:?}");
            sb.clear_faults(sp);
        }
    }
}

#[tokio::test]
async fn a_wait_longer_than_the_cap_fails_at_once_and_says_so_on_429_and_503() {
    let sb = small_sandbox().await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;
        for (status, value) in [(429, "86400".to_string()), (503, "99999999999999999999999".into()), (429, httpdate_in(3600))] {
            sb.arm_fault(sp, ArmedFault::new(Fault::RetryAfter { status, value: value.clone() }).after(1));
            let started = Instant::now();
            let (_, cause) = incomplete(load_err(&core, &key, fast_options()).await);
            assert!(started.elapsed() < Duration::from_secs(10), "{p}: no long sleep");
            match &cause {
                Error::RetryAfterTooLong { provider, status: s, asked, cap, request } => {
                    assert_eq!((*provider, *s), (p, status));
                    assert!(*asked > *cap && *asked >= Duration::from_secs(3000), "{p}: {asked:?}");
                    assert!(request.starts_with("GET /") || request.starts_with("POST /"), "{request}");
                }
                other => panic!("{p} {status} {value}: {other:?}"),
            }
            let message = cause.to_string();
            assert!(message.contains("longer than the 120 s"), "{message}");
            settle(&sb, p).await;
        }
    }
}

/// An HTTP-date `secs` from now.
fn httpdate_in(secs: u64) -> String {
    let at = std::time::SystemTime::now() + Duration::from_secs(secs);
    chrono::DateTime::<chrono::Utc>::from(at).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[tokio::test]
async fn retry_after_is_honoured_on_503() {
    let sb = small_sandbox().await;
    let (core, key) = connected(&sb, ProviderId::Notion).await;
    // A 503 asking for 2 s, with a cap of 1 s: refused, which shows the header was read there.
    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::RetryAfter { status: 503, value: "2".into() }));
    let mut options = fast_options();
    options.retry.max_retry_after = Duration::from_secs(1);
    let (_, cause) = incomplete(load_err(&core, &key, options).await);
    assert!(matches!(cause, Error::RetryAfterTooLong { status: 503, .. }), "{cause:?}");
    // Within the cap it is waited out, and the load completes.
    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::RetryAfter { status: 503, value: "1".into() }));
    let started = Instant::now();
    let loaded = load(&core, &key, fast_options()).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS);
    assert!(started.elapsed() >= Duration::from_secs(1), "the 503's Retry-After was waited out");
}

#[tokio::test]
async fn a_body_past_the_limit_is_a_typed_error_with_or_without_content_length() {
    let sb = small_sandbox().await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        for content_length in [true, false] {
            sb.arm_fault(p, ArmedFault::new(Fault::OversizedBody { bytes: 8 << 20, content_length }).after(1));
            let mut options = fast_options();
            options.retry.max_body_bytes = 1 << 20;
            let (_, cause) = incomplete(load_err(&core, &key, options).await);
            assert!(matches!(cause, Error::ResponseTooLarge { limit: 1048576, .. }), "{p}: {cause:?}");
            assert!(cause.to_string().contains("more than 1 MiB"), "{cause}");
            settle(&sb, p).await;
        }
    }
}

#[tokio::test]
async fn pages_repeated_under_fresh_cursors_end_the_listing_at_once() {
    let sb = small_sandbox().await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;
        sb.arm_fault(sp, ArmedFault::new(Fault::LoopPages).after(1).times(100_000));
        let before = sb.stats(sp).api_requests;
        let (listing, cause) = incomplete(load_err(&core, &key, fast_options()).await);
        assert!(matches!(&cause, Error::RepeatedCursor { listing: l, .. } if *l == listing), "{p}: {cause:?} in {listing}");
        let requests = sb.stats(sp).api_requests - before;
        assert!(requests < 60, "{p}: stopped after {requests} requests, not at the page cap");
        settle(&sb, p).await;
    }
}

#[tokio::test]
async fn the_error_names_the_listing_that_failed_not_the_last_one_to_progress() {
    let sb = sandbox(|c| c.dataset[ProviderId::Hubspot] = 3000).await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    let hs = ProviderId::Hubspot;
    // Deals fail after a few pages while contacts and companies keep delivering.
    sb.arm_fault(hs, ArmedFault::new(Fault::ServerError { status: 500 }).on_path("deals").after(3).times(1000));
    let mut options = fast_options();
    options.retry.transient_backoff = Duration::from_millis(60);
    let (listing, cause) = incomplete(load_err(&core, &key, options).await);
    assert_eq!(listing, "deals");
    match cause {
        Error::Provider { status: 500, request, .. } => assert_eq!(request, "GET /crm/objects/2026-09/deals"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_cancelled_load_says_so_and_a_network_error_keeps_its_cause() {
    let sb = small_sandbox().await;
    let (core, key) = connected_with(&sb, ProviderId::Notion, |s| s.http_timeout = Duration::from_millis(500)).await;
    let cancel = Cancel::new();
    cancel.cancel();
    let err = core.load(&key, fast_options(), None, cancel).await.unwrap_err();
    assert!(matches!(err, Error::Cancelled(_)), "{err:?}");
    assert!(err.to_string().contains("load was cancelled"), "{err}");

    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::Slow { millis: 3000 }).times(10));
    let mut options = fast_options();
    options.retry.max_transient_retries = 1;
    let (listing, cause) = incomplete(load_err(&core, &key, options).await);
    assert_eq!(listing, "search");
    match &cause {
        Error::Network { request, message, .. } => {
            assert_eq!(request, "POST /v1/search");
            assert!(message.contains("timed out"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn hostile_links_titles_and_repeated_ids_are_kept_out_and_counted() {
    let sb = small_sandbox().await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;
        sb.arm_fault(sp, ArmedFault::new(Fault::HostileContent).times(100_000));
        let loaded = load(&core, &key, fast_options()).await.unwrap();
        sb.clear_faults(sp);
        for item in &loaded.items {
            if let Some(url) = &item.url {
                assert!(url.starts_with("https://"), "{p}: {url}");
                assert!(!url.contains("evil.example") && !url.contains("javascript"), "{p}: {url}");
            }
        }
        let notes = &loaded.notes;
        assert!(notes.repeated_ids > 0, "{p}: the repeated records are counted: {notes:?}");
        assert_eq!(loaded.items.len(), expected(p), "{p}: a repeat is folded, nothing else is lost");
        match p {
            ProviderId::Airtable => assert_eq!(notes.unsafe_links, 0, "Airtable links are built by the app"),
            // Every HubSpot link rests on uiDomain: a look-alike one costs every link, said once.
            ProviderId::Hubspot => {
                assert!(notes.links_unavailable.as_deref().is_some_and(|w| w.contains("web domain")), "{notes:?}");
                assert!(loaded.items.iter().all(|i| i.url.is_none()));
            }
            // Every Notion item brings its own url.
            ProviderId::Notion => assert!(notes.unsafe_links >= ITEMS, "{p}: {notes:?}"),
        }
        if p == ProviderId::Notion {
            assert!(notes.unreadable_titles >= ITEMS / 2, "{notes:?}");
            let untitled = loaded.items.iter().filter(|i| i.name == "Untitled").count();
            let clean = load(&core, &key, fast_options()).await.unwrap();
            let untitled_before = clean.items.iter().filter(|i| i.name == "Untitled").count();
            assert_eq!(untitled, untitled_before, "the readable runs of a title are kept");
        }
        assert!(loaded.notes.summary().is_some());
    }
}

#[tokio::test]
async fn token_answers_that_are_not_tokens_are_sign_in_failures() {
    let sb = small_sandbox().await;
    for p in ProviderId::ALL {
        let sp = p;
        for fault in [Fault::MalformedJson, Fault::TruncatedBody, Fault::NoAccessToken, Fault::Slow { millis: 2500 }, Fault::OversizedBody { bytes: 4 << 20, content_length: false }] {
            let mut settings = settings_for(&sb);
            settings.http_timeout = Duration::from_secs(1);
            let core = Core::with_store(settings, Store::open(None).await.unwrap()).unwrap();
            let key = new_key(p);
            let callback = approved_deep_link(&core, &key).await;
            sb.arm_fault(sp, ArmedFault::new(fault.clone()).on_token());
            let err = core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap_err();
            assert!(matches!(err, Error::TokenRequest { status: None, .. }), "{p} {fault:?}: {err:?}");
            assert!(!err.to_string().contains("sandbox-fault-token"), "{err}");
            sb.clear_faults(sp);
        }
    }
}

