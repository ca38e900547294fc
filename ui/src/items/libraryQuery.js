// The library query the window opens on: every connection, no search, load order, the first
// page. Its own module so that main.jsx can ask for it before React has even loaded.
export const PAGE = 100;

export const FIRST_QUERY = { connections: [], text: '', field: 'any', sort: 'loaded', descending: false, offset: 0, limit: PAGE };
