//! Cursor pagination as a lazy stream: the next page is fetched only when asked for; the stream
//! ends when the provider sends no cursor, and fails on a repeated cursor or a page cap instead
//! of looping forever or stopping short in silence.

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, Stream};
use crate::error::Error;
use crate::provider::ProviderId;

pub(crate) struct PageSpec {
    pub provider: ProviderId,
    pub listing: String,
    pub max_pages: usize,
}

struct State<F> {
    fetch: F,
    cursor: Option<String>,
    seen: HashSet<String>,
    pages: usize,
    done: bool,
}

/// `fetch(cursor)` returns a page and the cursor of the next one (`None` on the last page).
pub(crate) fn pages<T, F, Fut, E>(spec: PageSpec, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(T, Option<String>), E>>,
    E: From<Error>,
{
    let state = State { fetch, cursor: None, seen: HashSet::new(), pages: 0, done: false };
    stream::try_unfold(state, move |mut st| {
        let (provider, listing, max_pages) = (spec.provider, spec.listing.clone(), spec.max_pages);
        async move {
            if st.done {
                return Ok(None);
            }
            if st.pages >= max_pages {
                return Err(Error::PageCapReached { provider, listing, pages: max_pages }.into());
            }
            let (page, next) = (st.fetch)(st.cursor.clone()).await?;
            st.pages += 1;
            match next {
                Some(c) if !st.seen.insert(c.clone()) => return Err(Error::RepeatedCursor { provider, listing }.into()),
                Some(c) => st.cursor = Some(c),
                None => st.done = true,
            }
            Ok(Some((page, st)))
        }
    })
}

#[cfg(test)]
mod tests {
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

    #[tokio::test]
    async fn the_page_cap_is_an_error_not_a_short_list() {
        let s = pages(spec(3), |c: Option<String>| async move {
            let n: u32 = c.map_or(0, |c| c.parse().unwrap());
            Ok::<_, Error>((json!(n), Some((n + 1).to_string())))
        });
        assert!(matches!(s.try_collect::<Vec<Value>>().await, Err(Error::PageCapReached { pages: 3, .. })));
    }
}

