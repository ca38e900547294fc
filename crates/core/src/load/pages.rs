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
                // The page that came back under a cursor already used is the next one.
                Some(c) if !st.seen.insert(c.clone()) => return Err(Error::RepeatedCursor { provider, listing, page: st.pages + 1 }.into()),
                Some(c) => st.cursor = Some(c),
                None => st.done = true,
            }
            Ok(Some((page, st)))
        }
    })
}

/// The ids one listing has delivered, kept as 64-bit hashes (8 bytes each instead of the id
/// strings). A provider that serves pages it already sent under cursors it never used before
/// defeats the repeated-cursor check; this sees it in the items instead: two pages in a row whose
/// every item was listed before. (One such page can be an honest index shift: a search index is
/// not a snapshot.)
#[derive(Default)]
pub(crate) struct SeenItems {
    hashes: foldhash::HashSet<u64>,
    hasher: foldhash::fast::RandomState,
    repeated_pages: usize,
}

impl SeenItems {
    /// Records a page's ids; true once the listing is only repeating itself.
    pub fn only_repeats<'a>(&mut self, ids: impl Iterator<Item = &'a str>) -> bool {
        use std::hash::BuildHasher;
        let (mut any, mut new) = (false, false);
        for id in ids {
            any = true;
            new |= self.hashes.insert(self.hasher.hash_one(id));
        }
        self.repeated_pages = if any && !new { self.repeated_pages + 1 } else { 0 };
        self.repeated_pages >= 2
    }
}

#[cfg(test)]
mod tests;
