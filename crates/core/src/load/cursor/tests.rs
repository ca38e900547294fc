use super::*;
use serde_json::json;

const NESTED: CursorStyle = CursorStyle { next: &["paging", "next", "after"], has_more: None, send: CursorParam::Query("after"), page_size: Some(("limit", 100)) };
const FLAGGED: CursorStyle = CursorStyle { next: &["next_cursor"], has_more: Some(&["has_more"]), send: CursorParam::Body("start_cursor"), page_size: Some(("page_size", 100)) };

fn page(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn reads_a_nested_cursor_and_skips_everything_else() {
    let body = page(json!({"results": [{"id": "1", "paging": {"next": {"after": "decoy"}}}], "paging": {"next": {"after": "200", "link": "x"}}}));
    assert_eq!(NESTED.next_cursor(&body).unwrap().as_deref(), Some("200"));
    assert_eq!(NESTED.next_cursor(&page(json!({"results": []}))).unwrap(), None, "no paging: the last page");
    assert_eq!(NESTED.next_cursor(&page(json!({"paging": {"next": null}}))).unwrap(), None);
    assert!(NESTED.next_cursor(b"{\"paging\": <html>").is_err());
}

#[test]
fn a_flag_that_says_more_needs_a_cursor() {
    assert_eq!(FLAGGED.next_cursor(&page(json!({"next_cursor": "c2", "has_more": true}))).unwrap().as_deref(), Some("c2"));
    assert_eq!(FLAGGED.next_cursor(&page(json!({"next_cursor": "c2", "has_more": false}))).unwrap(), None, "the flag wins");
    assert_eq!(FLAGGED.next_cursor(&page(json!({"next_cursor": null, "has_more": false}))).unwrap(), None);
    let err = FLAGGED.next_cursor(&page(json!({"next_cursor": null, "has_more": true}))).unwrap_err();
    assert!(matches!(&err, CursorError::Missing(m) if m.contains("more follow") && m.contains("next_cursor")), "{err:?}");
    assert!(matches!(NESTED.next_cursor(b"{\"paging\": <html>"), Err(CursorError::Json(_))));
}

#[test]
fn puts_the_page_size_and_the_cursor_where_the_style_says() {
    let mut url = Url::parse("https://api.example.com/v1/items?archived=false").unwrap();
    let mut body = None;
    NESTED.apply(&mut url, &mut body, Some("a b"));
    assert_eq!(url.query(), Some("archived=false&limit=100&after=a+b"));
    assert_eq!(body, None);

    let mut url = Url::parse("https://api.example.com/v1/search").unwrap();
    let mut body = Some(json!({"filter": {"value": "page"}}));
    FLAGGED.apply(&mut url, &mut body, None);
    assert_eq!(body, Some(json!({"filter": {"value": "page"}, "page_size": 100})), "no cursor on the first page");
    FLAGGED.apply(&mut url, &mut body, Some("c2"));
    assert_eq!(body.unwrap()["start_cursor"], "c2");
    assert_eq!(url.query(), None);
}
