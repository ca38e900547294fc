// Asked for first, before React and the views have loaded (main.jsx imports this module ahead of
// them): the providers and the library's first page, so their answers are in by the time the
// views ask (see `askAhead` in api.js).
import { askAhead } from './api.js';
import { FIRST_QUERY } from './items/libraryQuery.js';

askAhead(FIRST_QUERY);
