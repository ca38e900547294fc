//! HubSpot: contacts, companies and deals, every page, the three object types at once under one
//! account-wide pace, through the CRM paths of the configured API version
//! (`/crm/objects/2026-09/{type}`, or the legacy `/crm/v3/objects/{type}`). Record URLs come from
//! the account's portal id and UI domain when those can be read; without them records load
//! with no URL, and the load says why.

use std::borrow::Cow;
use std::sync::Arc;


use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::load::api::ApiFailure;
use crate::load::pages::{pages, PageSpec};
use crate::load::{provider_records, LoadContext, MappedPage, Since};
use chrono::{DateTime, Utc};
use crate::error::{Error, Result};
use crate::item::{parse_time, IntegrationItem};
use crate::links::{segment, LinkPolicy};
use crate::provider::ProviderId;

/// Every request of one account shares one rate budget.
const RATE_KEY: &str = "account";

/// The rate key of CRM searches, which HubSpot limits apart from the account's budget.
pub(super) const SEARCH_KEY: &str = "search";

struct ObjectType {
    path: &'static str,
    type_id: &'static str,
    kind: &'static str,
    title: &'static str,
    properties: &'static str,
    /// The property holding the record's modification time (contacts name it differently).
    modified: &'static str,
}

const OBJECT_TYPES: [ObjectType; 3] = [
    ObjectType { path: "contacts", type_id: "0-1", kind: "contact", title: "Contacts", properties: "firstname,lastname,email", modified: "lastmodifieddate" },
    ObjectType { path: "companies", type_id: "0-2", kind: "company", title: "Companies", properties: "name,domain", modified: "hs_lastmodifieddate" },
    ObjectType { path: "deals", type_id: "0-3", kind: "deal", title: "Deals", properties: "dealname", modified: "hs_lastmodifieddate" },
];

/// The object-type folders' kind: a reload lists all three again.
const FOLDER_KIND: &str = "object_type";

/// A list page, read in place (strings borrow from the body unless they hold escapes).
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    results: Vec<Record<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    /// Kept raw (the item's provider record), read when the record is mapped.
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
    #[serde(borrow, default)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    updated_at: Option<Cow<'a, str>>,
    #[serde(default)]
    archived: bool,
}

#[derive(Deserialize, Default)]
struct Properties<'a> {
    #[serde(borrow, default)]
    firstname: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    lastname: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    email: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    domain: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dealname: Option<Cow<'a, str>>,
}

/// The account facts record links are built on; without them (`web: None`) no record has a link.
struct Account {
    web: Option<AccountWeb>,
}

struct AccountWeb {
    portal_id: String,
    ui_domain: String,
}

impl Account {
    fn link(&self, path: impl FnOnce(&str) -> String) -> Option<String> {
        self.web.as_ref().map(|w| format!("https://{}/{}", w.ui_domain, path(&w.portal_id)))
    }
}

/// Where the configured API version puts things: the date-versioned layout
/// (`crm/objects/{version}/{type}`) or the legacy semantic one (`crm/v3/objects/{type}`).
struct Paths {
    version: String,
}

/// The account-information API's date version (it is released on its own schedule).
const ACCOUNT_INFO_VERSION: &str = "2026-03";

impl Paths {
    fn new(ctx: &LoadContext) -> Self {
        let version = ctx.api.connection.settings().api_version.clone();
        Paths { version: version.unwrap_or_else(|| super::SPEC.api_version.expect("HubSpot has API versions").default.to_string()) }
    }

    fn legacy(&self) -> bool {
        self.version.starts_with('v')
    }

    fn objects<'a>(&'a self, object_type: &'a str) -> Vec<&'a str> {
        if self.legacy() {
            vec!["crm", &self.version, "objects", object_type]
        } else {
            vec!["crm", "objects", &self.version, object_type]
        }
    }

    fn account(&self) -> [&str; 3] {
        ["account-info", if self.legacy() { "v3" } else { ACCOUNT_INFO_VERSION }, "details"]
    }
}

pub(super) fn load(ctx: &LoadContext) -> futures::future::BoxFuture<'_, Result<()>> {
    Box::pin(load_all(ctx))
}

async fn load_all(ctx: &LoadContext) -> Result<()> {
    let paths = Arc::new(Paths::new(ctx));
    let account = Arc::new(ctx.listing("account details", account(ctx, &paths)).await?);
    futures::future::try_join_all(OBJECT_TYPES.iter().map(|t| ctx.listing(t.path, list(ctx, &paths, account.clone(), t)))).await?;
    Ok(())
}

/// The account facts, when they can be read. They only make links, so an account-information
/// endpoint that refuses (403 for a token without the `oauth` scope), is missing (404, a
/// server that lacks it) or answers in an unexpected shape costs the links, said once in the
/// load's notes, not the load.
async fn account(ctx: &LoadContext, paths: &Paths) -> Result<Account> {
    let url = ctx.api.url(&paths.account());
    let request = crate::error::request_name(&Method::GET, &url);
    let answer = async {
        let v = ctx.api.call(Method::GET, url, None, RATE_KEY).await.map_err(fatal)?;
        let portal_id = match v.get("portalId") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(Error::UnexpectedShape { provider: ProviderId::Hubspot, request: Some(request.clone()), message: "the account details have no portalId".into() }),
        };
        let ui_domain = v.get("uiDomain").and_then(Value::as_str).unwrap_or("app.hubspot.com").to_string();
        Ok((portal_id, ui_domain))
    };
    let (portal_id, ui_domain) = match answer.await {
        Ok(facts) => facts,
        Err(e @ (Error::Provider { status: 400..=499, .. } | Error::UnexpectedShape { .. } | Error::BadResponse { .. })) => {
            tracing::warn!(error = %e, "HubSpot account details unavailable; records get no links");
            ctx.links_unavailable(format!("records have no links: the account details could not be read ({e})"));
            return Ok(Account { web: None });
        }
        Err(e) => return Err(e),
    };
    // The domain every record link is built on, checked once: a hostile `uiDomain` such as
    // `app.hubspot.com@evil.example` would otherwise send every link elsewhere.
    let links = LinkPolicy::for_provider(ctx.api.connection.settings());
    if links.check(&format!("https://{ui_domain}/")).is_none() {
        tracing::warn!("HubSpot's uiDomain is not a HubSpot address; records get no links");
        ctx.links_unavailable("records have no links: the account's web domain is not a HubSpot address".into());
        return Ok(Account { web: None });
    }
    Ok(Account { web: Some(AccountWeb { portal_id, ui_domain }) })
}

fn fatal(f: ApiFailure) -> Error {
    f.into_error(ProviderId::Hubspot)
}

/// The folder an object type's records hang under; returns its id.
fn folder(ctx: &LoadContext, account: &Account, t: &ObjectType) -> String {
    let folder_id = format!("hubspot:{}", t.path);
    let folder_url = account.link(|portal| format!("contacts/{}/objects/{}/views/all/list", segment(portal), t.type_id));
    ctx.emit_quietly(vec![IntegrationItem {
        id: folder_id.clone(),
        kind: Cow::Borrowed(FOLDER_KIND),
        directory: true,
        name: t.title.into(),
        url: folder_url,
        visibility: true,
        ..Default::default()
    }]);
    folder_id
}

async fn list(ctx: &LoadContext, paths: &Paths, account: Arc<Account>, t: &'static ObjectType) -> Result<()> {
    let folder_id = folder(ctx, &account, t);
    let spec = PageSpec { provider: ProviderId::Hubspot, listing: t.path.into(), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |after: Option<String>| async move {
        let mut url = ctx.api.url(&paths.objects(t.path));
        url.query_pairs_mut().append_pair("properties", t.properties).append_pair("archived", "false");
        let style = &super::SPEC.cursor;
        style.apply(&mut url, &mut None, after.as_deref());
        let body = ctx.api.call_raw(Method::GET, url, None, RATE_KEY).await.map_err(fatal)?;
        // The cursor alone first, so the next request goes out while this page is mapped.
        let next = ctx.api.next_cursor(style, &body)?;
        Ok::<_, Error>((body, next))
    });
    let map = move |body: &[u8]| {
        let page: Page = crate::load::parse_page(ProviderId::Hubspot, body)?;
        map_results(&account, t, &folder_id, &page.results)
    };
    crate::load::map_pages(ctx, t.path, stream, map, |records| ctx.emit(t.path, records)).await
}

pub(super) fn changes<'a>(ctx: &'a LoadContext, since: &'a Since) -> futures::future::BoxFuture<'a, Result<()>> {
    Box::pin(changes_since(ctx, since.after()))
}

/// What changed since `after`: each object type's records modified since (CRM search) and
/// the archived ones (its archived listing), the three at once.
async fn changes_since(ctx: &LoadContext, after: DateTime<Utc>) -> Result<()> {
    let paths = Arc::new(Paths::new(ctx));
    let account = Arc::new(ctx.listing("account details", account(ctx, &paths)).await?);
    ctx.listed_in_full(FOLDER_KIND);
    futures::future::try_join_all(OBJECT_TYPES.iter().map(|t| {
        let (paths, account) = (paths.clone(), account.clone());
        async move {
            let changed = format!("{} changed since the last sync", t.path);
            ctx.listing(&changed, modified_since(ctx, &changed, &paths, account, t, after)).await?;
            ctx.listing(&format!("archived {}", t.path), archived(ctx, &paths, t)).await
        }
    }))
    .await?;
    Ok(())
}

/// The most results one search query reaches (HubSpot answers 400 past it).
const SEARCH_CAP: usize = 10_000;
const SEARCH_PAGE: usize = 200;

#[derive(Deserialize)]
struct SearchPage<'a> {
    #[serde(borrow)]
    results: Vec<Record<'a>>,
    #[serde(default)]
    paging: Option<SearchPaging>,
}

#[derive(Deserialize)]
struct SearchPaging {
    next: Option<SearchNext>,
}

#[derive(Deserialize)]
struct SearchNext {
    after: String,
}

/// Records modified at or after `after`, oldest first, 200 a page. A query reaches at most
/// 10,000 results, so past that the next query starts from the last modification time seen
/// (the records at that instant come twice and are folded into one).
async fn modified_since(ctx: &LoadContext, listing: &str, paths: &Paths, account: Arc<Account>, t: &'static ObjectType, after: DateTime<Utc>) -> Result<()> {
    let folder_id = folder(ctx, &account, t);
    let mut path = paths.objects(t.path);
    path.push("search");
    let url = ctx.api.url(&path);
    let (mut from, mut pages) = (after, 0);
    loop {
        let (mut offset, mut newest) = (0, None::<DateTime<Utc>>);
        loop {
            if pages >= ctx.options.max_pages_per_listing {
                return Err(Error::PageCapReached { provider: ProviderId::Hubspot, listing: listing.to_string(), pages });
            }
            let body = serde_json::json!({
                "filterGroups": [{ "filters": [{ "propertyName": t.modified, "operator": "GTE", "value": from.timestamp_millis().to_string() }] }],
                "sorts": [{ "propertyName": t.modified, "direction": "ASCENDING" }],
                "properties": t.properties.split(',').collect::<Vec<_>>(),
                "limit": SEARCH_PAGE,
                "after": (offset > 0).then(|| offset.to_string()),
            });
            let fetched = ctx.api.call_raw(Method::POST, url.clone(), Some(&body), SEARCH_KEY).await.map_err(fatal)?;
            pages += 1;
            let page: SearchPage = ctx.api.parse(&fetched)?;
            newest = page.results.iter().filter_map(|r| r.updated_at.as_deref().and_then(parse_time)).max().max(newest);
            let MappedPage { items, records, .. } = map_results(&account, t, &folder_id, &page.results)?;
            ctx.keep_records(records).await?;
            ctx.emit(listing, items);
            let Some(next) = page.paging.and_then(|p| p.next) else { return Ok(()) };
            offset = next.after.parse().map_err(|_| Error::UnexpectedShape {
                provider: ProviderId::Hubspot,
                request: Some(fetched.request.to_string()),
                message: format!("the search's next page `{}` is not a result offset", next.after),
            })?;
            if offset + SEARCH_PAGE > SEARCH_CAP {
                break;
            }
        }
        // At the cap: go on from the newest time seen, which must have moved on.
        match newest {
            Some(t) if t > from => from = t,
            _ => {
                return Err(Error::LoadIncomplete {
                    provider: ProviderId::Hubspot,
                    listing: listing.to_string(),
                    loaded: 0,
                    cause: Box::new(Error::InvalidInput(format!("more than {SEARCH_CAP} records changed at the same moment; a full reload reads them"))),
                })
            }
        }
    }
}

/// The archived (deleted) records' ids.
async fn archived(ctx: &LoadContext, paths: &Paths, t: &'static ObjectType) -> Result<()> {
    #[derive(Deserialize)]
    struct Archived<'a> {
        #[serde(borrow)]
        results: Vec<ArchivedRecord<'a>>,
    }
    #[derive(Deserialize)]
    struct ArchivedRecord<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
    }
    let spec = PageSpec { provider: ProviderId::Hubspot, listing: format!("archived {}", t.path), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |after: Option<String>| async move {
        let mut url = ctx.api.url(&paths.objects(t.path));
        url.query_pairs_mut().append_pair("archived", "true");
        let style = &super::SPEC.cursor;
        style.apply(&mut url, &mut None, after.as_deref());
        let fetched = ctx.api.call_raw(Method::GET, url, None, RATE_KEY).await.map_err(fatal)?;
        let next = ctx.api.next_cursor(style, &fetched)?;
        Ok::<_, Error>((fetched, next))
    });
    futures::pin_mut!(stream);
    while let Some(fetched) = futures::TryStreamExt::try_next(&mut stream).await? {
        let page: Archived = ctx.api.parse(&fetched)?;
        ctx.deleted(page.results.iter().map(|r| format!("{}:{}", t.kind, r.id)));
    }
    Ok(())
}

/// A page's records as items, with each one's provider record (its properties).
fn map_results(account: &Account, t: &ObjectType, folder_id: &str, results: &[Record]) -> Result<MappedPage> {
    let items = results.iter().map(|r| record(account, t, folder_id, r)).collect::<Result<Vec<_>>>()?;
    let records = provider_records(results.iter().map(|r| r.properties), &items);
    Ok(MappedPage::new(items, records))
}

fn record(account: &Account, t: &ObjectType, folder_id: &str, r: &Record) -> Result<IntegrationItem> {
    let id = &r.id;
    let p: Properties = match r.properties {
        Some(raw) => crate::load::parse_page(ProviderId::Hubspot, raw.get().as_bytes())?,
        None => Properties::default(),
    };
    let p = &p;
    let clean = |v: &Option<Cow<str>>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let name = match t.kind {
        "contact" => match (clean(&p.firstname), clean(&p.lastname)) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n),
            (None, None) => clean(&p.email),
        },
        "company" => clean(&p.name).or_else(|| clean(&p.domain)),
        _ => clean(&p.dealname),
    };
    let time = |v: &Option<Cow<str>>| v.as_deref().and_then(parse_time);
    Ok(IntegrationItem {
        id: format!("{}:{id}", t.kind),
        kind: Cow::Borrowed(t.kind),
        directory: false,
        parent_path_or_name: Some(t.title.into()),
        parent_id: Some(folder_id.into()),
        name: name.unwrap_or_else(|| format!("{} {id}", t.kind)),
        creation_time: time(&r.created_at),
        last_modified_time: time(&r.updated_at),
        url: account.link(|portal| format!("contacts/{}/record/{}/{}", segment(portal), t.type_id, segment(id))),
        visibility: !r.archived,
        ..Default::default()
    })
}
