//! Connect, end to end against the sandbox, on the embedded store and a real Redis: loopback and
//! deep-link flows for every provider, credentials taken once, refresh and rotation, and every
//! refusal the issue lists, each leaving nothing stored.

mod common;

use tributary_core::oauth::CallbackError;

use std::future::pending;
use std::time::Duration;

use common::*;
use serde_json::Value;
use tributary_core::oauth::token::TokenSet;
use tributary_core::store::KeyKind;
use tributary_core::{ConnectionKey, Core, Error, FlowKey, ProviderId};
use url::Url;

/// Runs a loopback sign-in with the stand-in browser doing `action`.
async fn loopback(core: &Core, key: &FlowKey, action: Browser) -> (Result<FlowKey, Error>, Option<Url>) {
    let mut browser = None;
    let result = core
        .connect_via_loopback(
            key,
            |url| {
                browser = Some(browse(url, action));
                Ok(())
            },
            pending(),
        )
        .await;
    let delivered = match browser {
        Some(b) => b.await.unwrap(),
        None => None,
    };
    (result, delivered)
}

async fn stored_credentials(core: &Core, key: &FlowKey) -> Option<TokenSet> {
    let raw = core.store().get(&key.store_key(KeyKind::Credentials)).await.unwrap()?;
    Some(serde_json::from_str(&raw).unwrap())
}

async fn assert_nothing_stored(core: &Core, key: &FlowKey) {
    assert!(stored_credentials(core, key).await.is_none(), "no credentials may be stored");
    assert!(matches!(core.take_credentials(key).await, Err(Error::NotConnected { .. })));
}

/// Checks a token against the sandbox with a cheap authenticated call.
async fn token_works(sb: &tributary_sandbox::Sandbox, p: ProviderId, token: &str) -> bool {
    let base = sb.endpoints(p).api_base.clone();
    let http = reqwest::Client::new();
    let req = match p {
        ProviderId::Hubspot => http.get(base.join("crm/objects/2026-09/contacts?limit=1").unwrap()),
        ProviderId::Airtable => http.get(base.join("v0/meta/bases").unwrap()),
        ProviderId::Notion => http
            .post(base.join("v1/search").unwrap())
            .header("Notion-Version", tributary_sandbox::dataset::notion::NOTION_VERSION)
            .json(&serde_json::json!({"page_size": 1})),
    };
    req.bearer_auth(token).send().await.unwrap().status().is_success()
}

#[tokio::test]
async fn loopback_flow_for_every_provider_on_both_stores() {
    let sb = sandbox(|_| {}).await;
    for kind in STORES {
        let core = core(&sb, kind).await;
        for p in ProviderId::ALL {
            let key = new_key(p);
            let (result, delivered) = loopback(&core, &key, Browser::Approve).await;
            assert_eq!(result.unwrap(), key, "{kind:?} {p}");
            let callback = delivered.expect("the browser delivered a callback");
            assert!(callback.as_str().starts_with("http://localhost:"), "{callback}");
            // The state and verifier are gone; fresh credentials wait under the seed's key.
            assert!(core.store().get(&key.store_key(KeyKind::State)).await.unwrap().is_none());
            assert!(core.store().get(&key.store_key(KeyKind::Verifier)).await.unwrap().is_none());
            let creds = stored_credentials(&core, &key).await.expect("credentials stored");
            assert!(token_works(&sb, p, creds.access_token.expose()).await, "{kind:?} {p}");

            // Taken once: the summary carries no token, and a second take finds nothing.
            let summary = core.take_credentials(&key).await.unwrap();
            let json = serde_json::to_string(&summary).unwrap();
            assert!(!json.contains(creds.access_token.expose()));
            assert_eq!(summary.provider, p);
            assert!(matches!(core.take_credentials(&key).await, Err(Error::NotConnected { .. })), "{kind:?} {p}");
            assert!(core.store().get(&key.store_key(KeyKind::Credentials)).await.unwrap().is_none());
            let connection = core.connection(&ConnectionKey::new(&key, &summary.account_id).unwrap()).unwrap();
            assert_eq!(connection.access_token().await.unwrap(), creds.access_token);
            match p {
                ProviderId::Hubspot => assert_eq!(summary.account, Some(format!("HubSpot account {}", sb.dataset().hubspot.portal_id))),
                ProviderId::Notion => assert_eq!(summary.account.as_deref(), Some(sb.dataset().notion.workspace_name.as_str())),
                ProviderId::Airtable => assert!(summary.scopes.contains(&"data.records:read".to_string())),
            }
        }
    }
}

#[tokio::test]
async fn deep_link_flow_for_every_provider() {
    let sb = sandbox(|_| {}).await;
    for kind in STORES {
        let core = core(&sb, kind).await;
        for p in ProviderId::ALL {
            let key = new_key(p);
            let request = core.begin_deep_link(&key).await.unwrap();
            assert_eq!(request.redirect_uri, "dev.tributary.app:/oauth/callback");
            let callback = consent_redirect(&request.url, true).await.unwrap();
            assert_eq!(callback.scheme(), "dev.tributary.app");
            assert_eq!(core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap(), key, "{kind:?} {p}");
            let summary = core.take_credentials(&key).await.unwrap();
            assert_eq!(summary.provider, p);
        }
    }
}

#[tokio::test]
async fn the_authorize_url_carries_pkce_and_provider_parameters_but_never_the_verifier() {
    let sb = sandbox(|_| {}).await;
    let core = core(&sb, StoreKind::Embedded).await;
    for p in ProviderId::ALL {
        let key = new_key(p);
        let request = core.begin_deep_link(&key).await.unwrap();
        let verifier = core.store().get(&key.store_key(KeyKind::Verifier)).await.unwrap().unwrap();
        let url = request.url.as_str();
        assert!(!url.contains(&verifier), "{p}: the verifier never appears in a URL");
        assert_eq!(query(&request.url, "response_type").as_deref(), Some("code"));
        assert!(query(&request.url, "state").is_some());
        match p {
            ProviderId::Notion => {
                assert_eq!(query(&request.url, "owner").as_deref(), Some("user"));
                assert_eq!(query(&request.url, "code_challenge"), None, "Notion documents no PKCE");
            }
            _ => {
                assert_eq!(query(&request.url, "code_challenge_method").as_deref(), Some("S256"));
                assert_eq!(query(&request.url, "code_challenge").unwrap(), tributary_sandbox::s256_challenge(&verifier));
                assert!(query(&request.url, "scope").unwrap().contains("read"));
            }
        }
    }
}

#[tokio::test]
async fn the_sandbox_checks_the_verifier() {
    let sb = sandbox(|_| {}).await;
    let core = core(&sb, StoreKind::Redis).await;
    for p in [ProviderId::Hubspot, ProviderId::Airtable] {
        let key = new_key(p);
        let request = core.begin_deep_link(&key).await.unwrap();
        // Swap the stored verifier for another valid-looking one.
        let other = "a".repeat(64);
        core.store().put(&key.store_key(KeyKind::Verifier), &other, Duration::from_secs(60)).await.unwrap();
        let callback = consent_redirect(&request.url, true).await.unwrap();
        let err = core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap_err();
        assert!(matches!(err, Error::TokenRequest { status: Some(400), .. }), "{p}: {err:?}");
        assert!(!err.to_string().contains(&other), "the verifier never reaches an error message");
        assert_nothing_stored(&core, &key).await;
    }
}

#[tokio::test]
async fn refresh_keeps_hubspot_and_rotates_airtable_and_notion() {
    let sb = sandbox(|_| {}).await;
    let core = core(&sb, StoreKind::Redis).await;
    for p in ProviderId::ALL {
        let key = new_key(p);
        let (result, _) = loopback(&core, &key, Browser::Approve).await;
        result.unwrap();
        let before = stored_credentials(&core, &key).await.unwrap();
        let connection = core.connection(&take(&core, &key).await).unwrap();
        connection.refresh().await.unwrap();
        let after = connection.access_token().await.unwrap();
        assert_ne!(after, before.access_token, "{p}: a new access token");
        assert!(token_works(&sb, p, after.expose()).await, "{p}");
        let old_refresh = before.refresh_token.unwrap();
        // Ask the sandbox directly whether the old refresh token still works.
        let sp = p;
        let client = sb.config().clients.get(sp);
        let http = reqwest::Client::new();
        let req = http.post(sb.endpoints(sp).token_url.clone());
        let status = match p {
            ProviderId::Hubspot => req
                .form(&[("grant_type", "refresh_token"), ("refresh_token", old_refresh.expose()), ("client_id", &client.client_id), ("client_secret", client.client_secret.as_deref().unwrap())])
                .send()
                .await,
            ProviderId::Airtable => req
                .form(&[("grant_type", "refresh_token"), ("refresh_token", old_refresh.expose()), ("client_id", &client.client_id)])
                .send()
                .await,
            ProviderId::Notion => req
                .basic_auth(&client.client_id, client.client_secret.as_deref())
                .json(&serde_json::json!({"grant_type": "refresh_token", "refresh_token": old_refresh.expose()}))
                .send()
                .await,
        }
        .unwrap()
        .status();
        match p {
            ProviderId::Hubspot => assert!(status.is_success(), "HubSpot's refresh token stays valid"),
            _ => {
                assert_eq!(status.as_u16(), 400, "{p}: the rotated refresh token is dead");
                // Presenting it revoked the grant (Airtable's rule, mirrored by the sandbox):
                // the connection now needs a reconnect, and says so.
                let err = connection.refresh().await.unwrap_err();
                assert!(matches!(err, Error::ReconnectNeeded { .. }), "{p}: {err:?}");
            }
        }
    }
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_use_and_after_a_401() {
    let sb = sandbox(|c| {
        c.access_token_ttl[ProviderId::Hubspot] = Some(Duration::from_secs(2));
        c.access_token_ttl[ProviderId::Airtable] = Some(Duration::from_secs(2));
    })
    .await;
    let core = core(&sb, StoreKind::Embedded).await;
    for p in [ProviderId::Hubspot, ProviderId::Airtable] {
        let key = new_key(p);
        loopback(&core, &key, Browser::Approve).await.0.unwrap();
        let connection = core.connection(&take(&core, &key).await).unwrap();
        let first = connection.access_token().await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Due for refresh: access_token() refreshes before handing it out.
        let second = connection.access_token().await.unwrap();
        assert_ne!(first, second, "{p}");
        assert!(token_works(&sb, p, second.expose()).await, "{p}");

        // A 401 on the current token refreshes once; concurrent callers share that refresh.
        sb.expire_access_tokens(p);
        assert!(!token_works(&sb, p, second.expose()).await);
        let (a, b) = tokio::join!(connection.refresh_after_unauthorized(&second), connection.refresh_after_unauthorized(&second));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b, "{p}: one refresh, shared");
        assert!(token_works(&sb, p, a.expose()).await, "{p}");
    }
}

#[tokio::test]
async fn forged_replayed_and_foreign_states_are_refused() {
    let sb = sandbox(|_| {}).await;
    for kind in STORES {
        let core = core(&sb, kind).await;
        for p in ProviderId::ALL {
            // Forged: a state that decodes to this sign-in but carries another nonce.
            let key = new_key(p);
            let callback = approved_deep_link(&core, &key).await;
            let forged_url = forge_nonce(&callback);
            assert!(matches!(core.complete_deep_link(&forged_url).await.map_err(CallbackError::into_error), Err(Error::StateMismatch)), "{kind:?} {p}");
            assert_nothing_stored(&core, &key).await;
            // Garbage is a mismatch too.
            let garbage = with_query(&callback, "state", Some("not-a-state"));
            assert!(matches!(core.complete_deep_link(&garbage).await.map_err(CallbackError::into_error), Err(Error::StateMismatch)));

            // Replayed: the first use succeeds, the second is refused and changes nothing.
            let key = new_key(p);
            let request = core.begin_deep_link(&key).await.unwrap();
            let callback = consent_redirect(&request.url, true).await.unwrap();
            core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap();
            core.take_credentials(&key).await.unwrap();
            assert!(matches!(core.complete_deep_link(&callback).await.map_err(CallbackError::into_error), Err(Error::StateExpired)), "{kind:?} {p}");
            assert_nothing_stored(&core, &key).await;

            // Another user's state delivered to this user's loopback sign-in.
            let mine = new_key(p);
            let theirs = new_key(p);
            let their_request = core.begin_deep_link(&theirs).await.unwrap();
            let their_callback = consent_redirect(&their_request.url, true).await.unwrap();
            let err = core.complete_callback(&their_callback, Some(&mine)).await.map_err(CallbackError::into_error).unwrap_err();
            assert!(matches!(err, Error::StateMismatch), "{kind:?} {p}: {err:?}");
            assert_nothing_stored(&core, &mine).await;
            assert_nothing_stored(&core, &theirs).await;
            // Their sign-in was left intact and still completes for them.
            assert_eq!(core.complete_deep_link(&their_callback).await.map_err(CallbackError::into_error).unwrap(), theirs);

            // Another org: same user id, the org changed inside the state.
            let key = new_key(p);
            let callback = approved_deep_link(&core, &key).await;
            let moved_url = edit_state(&callback, |state| state["org_id"] = Value::from("some-other-org"));
            assert!(core.complete_deep_link(&moved_url).await.map_err(CallbackError::into_error).is_err(), "{kind:?} {p}");
            let other_org = FlowKey::new(p, "some-other-org", &key.user_id).unwrap();
            assert_nothing_stored(&core, &other_org).await;
            assert_nothing_stored(&core, &key).await;
        }
    }
}

#[tokio::test]
async fn expired_states_and_missing_codes_are_refused() {
    let sb = sandbox(|_| {}).await;
    for kind in STORES {
        let mut settings = settings_for(&sb);
        settings.flow_ttl = Duration::from_millis(300);
        let core = Core::with_store(settings, open_store(kind).await).unwrap();
        for p in ProviderId::ALL {
            let key = new_key(p);
            let callback = approved_deep_link(&core, &key).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert!(matches!(core.complete_deep_link(&callback).await.map_err(CallbackError::into_error), Err(Error::StateExpired)), "{kind:?} {p}");
            assert_nothing_stored(&core, &key).await;

            let key = new_key(p);
            let callback = approved_deep_link(&core, &key).await;
            let no_code = with_query(&callback, "code", None);
            assert!(matches!(core.complete_deep_link(&no_code).await.map_err(CallbackError::into_error), Err(Error::MissingCode)), "{kind:?} {p}");
            assert_nothing_stored(&core, &key).await;
        }
    }
}

#[tokio::test]
async fn a_denied_consent_is_a_typed_error() {
    let sb = sandbox(|_| {}).await;
    let mut settings = settings_for(&sb);
    settings.callback_timeout = Duration::from_secs(2);
    let core = Core::with_store(settings, open_store(StoreKind::Redis).await).unwrap();
    for p in ProviderId::ALL {
        let key = new_key(p);
        let (result, delivered) = loopback(&core, &key, Browser::Deny).await;
        match p {
            // HubSpot sends no callback on a denial: the sign-in ends when the wait does.
            ProviderId::Hubspot => {
                assert!(delivered.is_none());
                assert!(matches!(result, Err(Error::TimedOut(_))), "{result:?}");
            }
            _ => {
                let err = result.unwrap_err();
                assert!(matches!(err, Error::AccessDenied { provider, .. } if provider == p), "{p}: {err:?}");
                assert_eq!(query(&delivered.unwrap(), "error").as_deref(), Some("access_denied"));
            }
        }
        assert_nothing_stored(&core, &key).await;
        assert!(core.store().get(&key.store_key(KeyKind::State)).await.unwrap().is_none(), "the flow is over");
    }
}

#[tokio::test]
async fn a_callback_after_cancel_or_timeout_is_refused() {
    let sb = sandbox(|_| {}).await;
    let mut settings = settings_for(&sb);
    settings.callback_timeout = Duration::from_millis(700);
    let core = Core::with_store(settings, open_store(StoreKind::Redis).await).unwrap();
    for p in ProviderId::ALL {
        for cancel in [true, false] {
            let key = new_key(p);
            let mut authorize_url = None;
            let result = core
                .connect_via_loopback(
                    &key,
                    |url| {
                        authorize_url = Some(url.clone());
                        Ok(())
                    },
                    async move {
                        if cancel {
                            tokio::time::sleep(Duration::from_millis(100)).await
                        } else {
                            pending::<()>().await
                        }
                    },
                )
                .await;
            match (cancel, &result) {
                (true, Err(Error::Cancelled(_))) | (false, Err(Error::TimedOut(_))) => {}
                _ => panic!("{p} cancel={cancel}: {result:?}"),
            }
            // The user approves late: the redirect finds no listener, and the callback itself,
            // handed over any other way, is refused.
            let callback = consent_redirect(&authorize_url.unwrap(), true).await.unwrap();
            assert!(reqwest::get(callback.clone()).await.is_err(), "the listener is closed");
            let err = core.complete_callback(&callback, Some(&key)).await.map_err(CallbackError::into_error).unwrap_err();
            assert!(matches!(err, Error::StateExpired), "{p}: {err:?}");
            assert_nothing_stored(&core, &key).await;
        }
    }
}

#[tokio::test]
async fn an_unconfigured_provider_says_what_to_set() {
    let sb = sandbox(|_| {}).await;
    let mut settings = settings_for(&sb);
    settings.provider_mut(ProviderId::Notion).client_id = None;
    let core = Core::with_store(settings, open_store(StoreKind::Embedded).await).unwrap();
    let err = core.begin_deep_link(&new_key(ProviderId::Notion)).await.unwrap_err();
    assert!(matches!(err, Error::NotConfigured { .. }));
    assert!(err.to_string().contains("NOTION_CLIENT_ID"), "{err}");
    let listed = core.providers();
    assert_eq!(listed.len(), 3);
    assert!(matches!(listed[2].status, tributary_core::ProviderStatus::NotConfigured { .. }));
}

#[tokio::test]
async fn disconnect_forgets_and_revokes_where_offered() {
    let sb = sandbox(|_| {}).await;
    let core = core(&sb, StoreKind::Embedded).await;
    for p in ProviderId::ALL {
        let key = new_key(p);
        loopback(&core, &key, Browser::Approve).await.0.unwrap();
        let key = take(&core, &key).await;
        let token = core.connection(&key).unwrap().access_token().await.unwrap();
        let revoked = core.disconnect(&key).await.unwrap();
        assert!(matches!(core.connection(&key), Err(Error::NotConnected { .. })));
        match p {
            ProviderId::Notion => {
                assert!(revoked);
                assert!(!token_works(&sb, p, token.expose()).await, "Notion's token is revoked");
            }
            // HubSpot revokes the refresh token; the grant is gone, so the access token too.
            ProviderId::Hubspot => assert!(revoked && !token_works(&sb, p, token.expose()).await),
            ProviderId::Airtable => assert!(!revoked, "Airtable documents no revocation endpoint"),
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[tokio::test]
async fn redis_going_away_mid_flow_is_a_clear_error_and_a_retry_works() {
    let sb = sandbox(|_| {}).await;
    let mut redis = RedisServer::start();
    let store = tributary_core::store::Store::open(Some(&redis.url())).await.unwrap();
    let core = Core::with_store(settings_for(&sb), store).unwrap();
    let key = new_key(ProviderId::Airtable);
    let callback = approved_deep_link(&core, &key).await;

    redis.stop();
    let err = core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap_err();
    assert_eq!(err.kind(), "StoreUnavailable", "{err:?}");
    assert!(err.to_string().contains("Redis"), "{err}");

    // Redis is back (empty: the pending sign-in is lost with it); starting again works.
    redis.restart();
    let mut attempt = 0;
    let request = loop {
        attempt += 1;
        match core.begin_deep_link(&key).await {
            Ok(r) => break r,
            Err(e) if attempt < 50 => {
                assert_eq!(e.kind(), "StoreUnavailable");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no recovery: {e}"),
        }
    };
    let callback = consent_redirect(&request.url, true).await.unwrap();
    assert_eq!(core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap(), key);
    assert!(core.take_credentials(&key).await.is_ok());
}

#[tokio::test]
async fn a_forged_callback_does_not_cost_the_user_their_sign_in() {
    let sb = sandbox(|_| {}).await;
    for kind in STORES {
        let core = core(&sb, kind).await;
        for p in ProviderId::ALL {
            // Deep link: the forged callback is refused and the genuine one still completes.
            let key = new_key(p);
            let callback = approved_deep_link(&core, &key).await;
            let forged = forge_nonce(&callback);
            assert!(matches!(core.complete_deep_link(&forged).await.map_err(CallbackError::into_error), Err(Error::StateMismatch)));
            assert_eq!(core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap(), key, "{kind:?} {p}");

            // Loopback: a stray request to the port gets an error page, and the wait goes on.
            let key = new_key(p);
            let mut browser = None;
            let result = core
                .connect_via_loopback(
                    &key,
                    |url| {
                        let url = url.clone();
                        browser = Some(tokio::spawn(async move {
                            let genuine = consent_redirect(&url, true).await.unwrap();
                            let stray = reqwest::get(forge_nonce(&genuine)).await.unwrap();
                            let real = reqwest::get(genuine).await.unwrap();
                            (stray.status().as_u16(), real.status().as_u16())
                        }));
                        Ok(())
                    },
                    pending(),
                )
                .await;
            assert_eq!(result.unwrap(), key, "{kind:?} {p}");
            assert_eq!(browser.unwrap().await.unwrap(), (400, 200));
        }
    }
}

#[tokio::test]
async fn no_forged_callback_of_any_shape_nor_a_store_outage_ends_a_loopback_sign_in() {
    let sb = sandbox(|_| {}).await;
    let redis = RedisServer::start();
    let mut settings = settings_for(&sb);
    settings.callback_timeout = Duration::from_secs(60);
    let core = Core::with_store(settings, tributary_core::store::Store::open(Some(&redis.url())).await.unwrap()).unwrap();
    let redis = std::sync::Arc::new(redis);
    for p in ProviderId::ALL {
        let key = new_key(p);
        let mut browser = None;
        let result = core
            .connect_via_loopback(
                &key,
                |url| {
                    let (url, redis) = (url.clone(), redis.clone());
                    browser = Some(tokio::spawn(async move {
                        let genuine = consent_redirect(&url, true).await.unwrap();
                        let mut bare = genuine.clone();
                        bare.set_query(Some("error=access_denied"));
                        let forged = [
                            edit_state(&genuine, |s| s["org_id"] = "a:b".into()),
                            edit_state(&genuine, |s| s["user_id"] = "".into()),
                            edit_state(&genuine, |s| s["provider"] = "salesforce".into()),
                            with_query(&genuine, "state", Some("not-a-state")),
                            with_query(&genuine, "state", None),
                            bare,
                        ];
                        let mut statuses = Vec::new();
                        for f in forged {
                            statuses.push(reqwest::get(f).await.unwrap().status().as_u16());
                        }
                        // The store is briefly unreachable when the genuine callback arrives:
                        // the page says so, and reloading it once the store is back completes.
                        redis.pause();
                        let early = reqwest::get(genuine.clone()).await.unwrap();
                        redis.resume();
                        let page = early.text().await.unwrap();
                        assert!(page.contains("reload this page"), "{page}");
                        let real = reqwest::get(genuine).await.unwrap();
                        (statuses, real.status().as_u16())
                    }));
                    Ok(())
                },
                pending(),
            )
            .await;
        assert_eq!(result.unwrap(), key, "{p}");
        assert_eq!(browser.unwrap().await.unwrap(), (vec![400; 6], 200), "{p}");
        for kind in [KeyKind::State, KeyKind::Verifier] {
            assert!(core.store().get(&key.store_key(kind)).await.unwrap().is_none(), "{p}: {kind:?} is forgotten");
        }
        assert!(core.take_credentials(&key).await.is_ok());
    }
}

#[tokio::test]
async fn a_sign_in_that_ends_any_way_leaves_nothing_in_the_store() {
    let sb = sandbox(|_| {}).await;
    let redis = std::sync::Arc::new(RedisServer::start());
    let core = Core::with_store(settings_for(&sb), tributary_core::store::Store::open(Some(&redis.url())).await.unwrap()).unwrap();
    let key = new_key(ProviderId::Airtable);
    // The genuine callback meets a frozen store (refused), then the user cancels.
    let reached = std::sync::Arc::new(tokio::sync::Notify::new());
    let (reached2, redis2) = (reached.clone(), redis.clone());
    let result = core
        .connect_via_loopback(
            &key,
            move |url| {
                let url = url.clone();
                tokio::spawn(async move {
                    let genuine = consent_redirect(&url, true).await.unwrap();
                    redis2.pause();
                    assert_eq!(reqwest::get(genuine).await.unwrap().status(), 503);
                    redis2.resume();
                    reached2.notify_one();
                });
                Ok(())
            },
            reached.notified(),
        )
        .await;
    assert!(matches!(result, Err(Error::Cancelled(_))), "{result:?}");
    for kind in [KeyKind::State, KeyKind::Verifier, KeyKind::Credentials] {
        assert!(core.store().get(&key.store_key(kind)).await.unwrap().is_none(), "{kind:?} is forgotten");
    }
}

/// The same callback with its (decoded) state edited.
fn edit_state(callback: &Url, edit: impl FnOnce(&mut Value)) -> Url {
    let mut state: Value = serde_json::from_slice(&base64_decode(&query(callback, "state").unwrap())).unwrap();
    edit(&mut state);
    with_query(callback, "state", Some(&base64_encode(&serde_json::to_vec(&state).unwrap())))
}

/// The same callback with the state's nonce replaced: what a forger can produce.
fn forge_nonce(callback: &Url) -> Url {
    edit_state(callback, |state| state["nonce"] = Value::from("B".repeat(43)))
}
