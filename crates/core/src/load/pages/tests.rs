use super::*;
use futures::TryStreamExt;
use serde_json::{json, Value};

fn spec(max: usize) -> PageSpec {
    PageSpec { provider: ProviderId::Notion, listing: "search".into(), max_pages: max }
}

#[tokio::test]
async fn follows_cursors_to_the_end() {
    let s = pages(spec(10), |c: Option<String>| async move {
        let n: u32 = c.map_or(0, |c| c.parse().unwrap());
        Ok::<_, Error>((json!(n), (n < 2).then(|| (n + 1).to_string())))
    });
    assert_eq!(s.try_collect::<Vec<Value>>().await.unwrap(), vec![json!(0), json!(1), json!(2)]);
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error() {
    let s = pages(spec(10), |_| async { Ok::<_, Error>((json!(0), Some("same".to_string()))) });
    assert!(matches!(s.try_collect::<Vec<Value>>().await, Err(Error::RepeatedCursor { .. })));
}

#[test]
fn pages_that_only_repeat_items_are_seen() {
    let mut seen = SeenItems::default();
    assert!(!seen.only_repeats(["a", "b"].into_iter()));
    assert!(!seen.only_repeats(["a", "b"].into_iter()), "one repeated page may be an index shift");
    assert!(!seen.only_repeats(["b", "c"].into_iter()), "a page with something new resets the count");
    assert!(!seen.only_repeats(["a", "c"].into_iter()));
    assert!(seen.only_repeats(["a", "b"].into_iter()), "two repeated pages in a row are a loop");
    assert!(!SeenItems::default().only_repeats(std::iter::empty()), "empty pages are not repeats");
}

#[tokio::test]
async fn the_page_cap_is_an_error_not_a_short_list() {
    let s = pages(spec(3), |c: Option<String>| async move {
        let n: u32 = c.map_or(0, |c| c.parse().unwrap());
        Ok::<_, Error>((json!(n), Some((n + 1).to_string())))
    });
    assert!(matches!(s.try_collect::<Vec<Value>>().await, Err(Error::PageCapReached { pages: 3, .. })));
}
