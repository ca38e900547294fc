import './app.css';
import './boot.js';

// WebKit paints nothing until the page's scripts have run, so this first script is small (the
// styles, and the requests the window opens on, sent at once): the app bar the HTML holds is
// painted, and only then are React and the views loaded and started.
requestAnimationFrame(() => setTimeout(() => import('./start.jsx')));
