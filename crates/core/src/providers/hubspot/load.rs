//! HubSpot: contacts, companies and deals, every page, the three object types at once under one
//! account-wide pace. Record URLs come from the account's portal id and UI domain.

use std::borrow::Cow;
use std::sync::Arc;


use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use crate::load::api::ApiFailure;
use crate::load::pages::{pages, PageSpec};
use crate::load::{LoadContext, PageNotes};
use crate::error::{Error, Result};
use crate::item::{parse_time, IntegrationItem};
use crate::links::LinkPolicy;
use crate::provider::ProviderId;

/// Every request of one account shares one rate budget.
const RATE_KEY: &str = "account";

struct ObjectType {
    path: &'static str,
    type_id: &'static str,
    kind: &'static str,
    title: &'static str,
    properties: &'static str,
}

const OBJECT_TYPES: [ObjectType; 3] = [
    ObjectType { path: "contacts", type_id: "0-1", kind: "contact", title: "Contacts", properties: "firstname,lastname,email" },
    ObjectType { path: "companies", type_id: "0-2", kind: "company", title: "Companies", properties: "name,domain" },
    ObjectType { path: "deals", type_id: "0-3", kind: "deal", title: "Deals", properties: "dealname" },
];

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
    #[serde(borrow, default)]
    properties: Properties<'a>,
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

struct Account {
    portal_id: String,
    /// `None` when the answer's `uiDomain` is not a HubSpot web address: no record gets a link.
    ui_domain: Option<String>,
}

impl Account {
    fn link(&self, path: std::fmt::Arguments) -> Option<String> {
        self.ui_domain.as_ref().map(|domain| format!("https://{domain}/{path}"))
    }
}

pub(super) fn load(ctx: &LoadContext) -> futures::future::BoxFuture<'_, Result<()>> {
    Box::pin(load_all(ctx))
}

async fn load_all(ctx: &LoadContext) -> Result<()> {
    let account = Arc::new(ctx.listing("account details", account(ctx)).await?);
    futures::future::try_join_all(OBJECT_TYPES.iter().map(|t| ctx.listing(t.path, list(ctx, account.clone(), t)))).await?;
    Ok(())
}

async fn account(ctx: &LoadContext) -> Result<Account> {
    let url = ctx.api.url(&["account-info", "v3", "details"]);
    let request = crate::error::request_name(&Method::GET, &url);
    let v = ctx.api.call(Method::GET, url, None, RATE_KEY).await.map_err(fatal)?;
    let portal_id = match v.get("portalId") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => return Err(bad("account details have no portalId").in_request(&request)),
    };
    let ui_domain = v.get("uiDomain").and_then(Value::as_str).unwrap_or("app.hubspot.com").to_string();
    // The domain every record link is built on, checked once: a hostile `uiDomain` such as
    // `app.hubspot.com@evil.example` would otherwise send every link elsewhere.
    let links = LinkPolicy::for_provider(ctx.api.connection.settings());
    let ui_domain = links.check(&format!("https://{ui_domain}/")).map(|_| ui_domain);
    if ui_domain.is_none() {
        tracing::warn!("HubSpot's uiDomain is not a HubSpot address; records get no links");
    }
    Ok(Account { portal_id, ui_domain })
}

fn fatal(f: ApiFailure) -> Error {
    f.into_error(ProviderId::Hubspot)
}

fn bad(message: &str) -> Error {
    Error::BadResponse { provider: ProviderId::Hubspot, request: None, message: message.into() }
}

async fn list(ctx: &LoadContext, account: Arc<Account>, t: &'static ObjectType) -> Result<()> {
    let folder_id = format!("hubspot:{}", t.path);
    let folder_url = account.link(format_args!("contacts/{}/objects/{}/views/all/list", account.portal_id, t.type_id));
    ctx.note(&PageNotes { unsafe_links: usize::from(folder_url.is_none()), ..Default::default() });
    ctx.emit_quietly(vec![IntegrationItem {
        id: folder_id.clone(),
        kind: Cow::Borrowed("object_type"),
        directory: true,
        name: t.title.into(),
        url: folder_url,
        visibility: true,
        ..Default::default()
    }]);
    let spec = PageSpec { provider: ProviderId::Hubspot, listing: t.path.into(), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |after: Option<String>| async move {
        let mut url = ctx.api.url(&["crm", "v3", "objects", t.path]);
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
        let items: Vec<IntegrationItem> = page.results.iter().map(|r| record(&account, t, &folder_id, r)).collect();
        let unsafe_links = if account.ui_domain.is_none() { items.len() } else { 0 };
        Ok((items, PageNotes { unsafe_links, ..Default::default() }))
    };
    crate::load::map_pages(ctx, t.path, stream, map, |records| ctx.emit(t.path, records)).await
}

fn record(account: &Account, t: &ObjectType, folder_id: &str, r: &Record) -> IntegrationItem {
    let id = &r.id;
    let p = &r.properties;
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
    IntegrationItem {
        id: format!("{}:{id}", t.kind),
        kind: Cow::Borrowed(t.kind),
        directory: false,
        parent_path_or_name: Some(t.title.into()),
        parent_id: Some(folder_id.into()),
        name: name.unwrap_or_else(|| format!("{} {id}", t.kind)),
        creation_time: time(&r.created_at),
        last_modified_time: time(&r.updated_at),
        url: account.link(format_args!("contacts/{}/record/{}/{id}", account.portal_id, t.type_id)),
        visibility: !r.archived,
        ..Default::default()
    }
}
