use super::*;
use crate::provider::ProviderId;

#[test]
fn ids_are_path_segments_never_paths() {
    let base = Url::parse("https://api.airtable.com/proxy/").unwrap();
    assert_eq!(with_segments(&base, &["v0", "appA", "tblB"]).as_str(), "https://api.airtable.com/proxy/v0/appA/tblB");
    let hostile = with_segments(&base, &["v0", "../../admin", "a?b#c"]);
    assert_eq!(hostile.as_str(), "https://api.airtable.com/proxy/v0/..%2F..%2Fadmin/a%3Fb%23c");
    assert_eq!(hostile.query(), None);
}

#[test]
fn only_https_links_on_the_providers_own_site() {
    let mut settings = ProviderSettings::defaults(ProviderId::Notion);
    let policy = LinkPolicy::for_provider(&settings);
    for good in ["https://www.notion.so/Page-0123", "https://acme.notion.site/x", "https://notion.so/", "https://WWW.Notion.SO/a"] {
        assert!(policy.check(good).is_some(), "{good}");
    }
    for bad in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://www.notion.so/page",
        "https://notion.so.evil.com/",
        "https://evilnotion.so/",
        "https://www.notion.so@evil.com/",
        "https://user:pw@www.notion.so/",
        "https://127.0.0.1/",
        "data:text/html,hi",
        "//www.notion.so/x",
        "not a url",
    ] {
        assert!(policy.check(bad).is_none(), "{bad}");
    }
    // A sandbox (or proxy) at the API base may serve its own pages, on that origin only.
    settings.api_base = Url::parse("http://127.0.0.1:7403/").unwrap();
    let policy = LinkPolicy::for_provider(&settings);
    assert!(policy.check("http://127.0.0.1:7403/page/1").is_some());
    assert!(policy.check("http://127.0.0.1:7404/page/1").is_none());
}

#[test]
fn ids_in_links_are_one_percent_encoded_segment() {
    assert_eq!(segment("10000001").to_string(), "10000001");
    assert_eq!(segment("a/b c?d#e%").to_string(), "a%2Fb%20c%3Fd%23e%25");
}
