//! HubSpot: contacts, companies and deals, every page, the three object types at once under one
//! account-wide pace. Record URLs come from the account's portal id and UI domain.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use reqwest::Method;
use serde_json::Value;

use super::api::ApiFailure;
use super::pages::{pages, PageSpec};
use super::LoadContext;
use crate::error::{Error, Result};
use crate::item::IntegrationItem;
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

struct Account {
    portal_id: String,
    ui_domain: String,
}

pub(crate) async fn load(ctx: &LoadContext) -> Result<Vec<IntegrationItem>> {
    let account = account(ctx).await?;
    let lists = futures::future::try_join_all(OBJECT_TYPES.iter().map(|t| list(ctx, &account, t))).await?;
    Ok(lists.into_iter().flatten().collect())
}

async fn account(ctx: &LoadContext) -> Result<Account> {
    let url = ctx.api.url("account-info/v3/details");
    let v = ctx.api.call(Method::GET, url, None, RATE_KEY).await.map_err(fatal)?;
    let portal_id = match v.get("portalId") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => return Err(bad("account details have no portalId")),
    };
    let ui_domain = v.get("uiDomain").and_then(Value::as_str).unwrap_or("app.hubspot.com").to_string();
    Ok(Account { portal_id, ui_domain })
}

fn fatal(f: ApiFailure) -> Error {
    match f {
        ApiFailure::Fatal(e) => e,
        ApiFailure::IteratorExpired => bad("unexpected iterator error"),
    }
}

fn bad(message: &str) -> Error {
    Error::BadResponse { provider: ProviderId::Hubspot, message: message.into() }
}

async fn list(ctx: &LoadContext, account: &Account, t: &ObjectType) -> Result<Vec<IntegrationItem>> {
    let folder_id = format!("hubspot:{}", t.path);
    let mut items = vec![IntegrationItem {
        id: folder_id.clone(),
        kind: "object_type".into(),
        directory: true,
        name: t.title.into(),
        url: Some(format!("https://{}/contacts/{}/objects/{}/views/all/list", account.ui_domain, account.portal_id, t.type_id)),
        visibility: true,
        ..Default::default()
    }];
    let spec = PageSpec { provider: ProviderId::Hubspot, listing: t.path.into(), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |after: Option<String>| async move {
        let mut url = ctx.api.url(&format!("crm/v3/objects/{}", t.path));
        url.query_pairs_mut().append_pair("limit", "100").append_pair("properties", t.properties).append_pair("archived", "false");
        if let Some(a) = &after {
            url.query_pairs_mut().append_pair("after", a);
        }
        let page = ctx.api.call(Method::GET, url, None, RATE_KEY).await.map_err(fatal)?;
        let next = page.pointer("/paging/next/after").and_then(Value::as_str).map(String::from);
        Ok::<_, Error>((page, next))
    });
    futures::pin_mut!(stream);
    while let Some(page) = stream.try_next().await? {
        let results = page.get("results").and_then(Value::as_array).ok_or_else(|| bad("a page has no results array"))?;
        for r in results {
            items.push(record(account, t, &folder_id, r)?);
        }
        ctx.tracker.page(t.path, results.len());
    }
    Ok(items)
}

fn record(account: &Account, t: &ObjectType, folder_id: &str, r: &Value) -> Result<IntegrationItem> {
    let id = r.get("id").and_then(Value::as_str).ok_or_else(|| bad("a record has no id"))?;
    let prop = |k: &str| r.pointer(&format!("/properties/{k}")).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let name = match t.kind {
        "contact" => match (prop("firstname"), prop("lastname")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
            (None, None) => prop("email").map(String::from),
        },
        "company" => prop("name").or(prop("domain")).map(String::from),
        _ => prop("dealname").map(String::from),
    };
    let time = |k: &str| r.get(k).and_then(Value::as_str).and_then(|s| s.parse::<DateTime<Utc>>().ok());
    Ok(IntegrationItem {
        id: format!("{}:{id}", t.kind),
        kind: t.kind.into(),
        directory: false,
        parent_path_or_name: Some(t.title.into()),
        parent_id: Some(folder_id.into()),
        name: name.unwrap_or_else(|| format!("{} {id}", t.kind)),
        creation_time: time("createdAt"),
        last_modified_time: time("updatedAt"),
        url: Some(format!("https://{}/contacts/{}/record/{}/{id}", account.ui_domain, account.portal_id, t.type_id)),
        visibility: !r.get("archived").and_then(Value::as_bool).unwrap_or(false),
        ..Default::default()
    })
}
