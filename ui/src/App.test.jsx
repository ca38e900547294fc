import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { randomFillSync } from 'node:crypto';
import App from './App.jsx';
import { askAhead } from './api.js';
import { FIRST_QUERY } from './items/libraryQuery.js';
import { jsonLines } from './items/ItemJson.jsx';

beforeAll(() => {
  // The Tauri IPC mocks need WebCrypto's getRandomValues, which jsdom lacks.
  Object.defineProperty(window, 'crypto', { value: { getRandomValues: (b) => randomFillSync(b) } });
  // jsdom lays nothing out; give scroll panels a size so the virtualized lists render rows.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 440 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 900 });
});

afterEach(() => {
  cleanup();
  clearMocks();
});

const PROVIDERS = [
  { id: 'hubspot', name: 'HubSpot', status: { state: 'sandbox' } },
  { id: 'airtable', name: 'Airtable', status: { state: 'configured' } },
  { id: 'notion', name: 'Notion', status: { state: 'not_configured', missing: ['NOTION_CLIENT_ID'] } },
];

// A fake Rust side: `handlers[cmd](args)` answers a command; every call is recorded.
function backend(handlers) {
  const calls = [];
  mockIPC(
    (cmd, args) => {
      if (cmd in handlers) {
        calls.push({ cmd, args });
        return handlers[cmd](args);
      }
      // Nothing saved by an earlier run, unless a test says otherwise (not recorded).
      if (cmd === 'saved_connections') return { accounts: [], kept: true };
      if (cmd === 'stored_items') return null;
      if (cmd === 'library_rows') return { total: 0, offset: 0, rows: [] };
      calls.push({ cmd, args });
      if (cmd === 'list_providers') return PROVIDERS;
      throw new Error(`unexpected ${cmd}`);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

// The window as a person sees it once its controls (a bundle of their own, loaded after the
// library's first answer is on screen) are in.
async function renderApp() {
  render(<App />);
  await screen.findByTestId(/^(user-input|startup-error)$/);
}

function signIn(provider, outcome, error) {
  return act(() => emit('sign-in', { provider, userId: 'TestUser', orgId: 'TestOrg', outcome, error }));
}

async function pick(name) {
  const input = screen.getByTestId('integration-select');
  fireEvent.mouseDown(input);
  fireEvent.change(input, { target: { value: name } });
  fireEvent.click(await screen.findByText(name, { selector: 'li' }));
}

async function connect(provider, name) {
  await pick(name);
  fireEvent.click(screen.getByTestId('connect-button'));
  await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe('Connecting...'));
  await signIn(provider, 'completed');
  await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe(`Connected to ${name}`));
}

const ITEMS = [
  { id: 'contacts', type: 'folder', directory: true, name: 'Contacts', parent_id: null, children: ['1', '2'] },
  { id: '1', type: 'contact', directory: false, name: 'Ada Okafor', parent_id: 'contacts', url: 'https://app.hubspot.com/contacts/1/record/0-1/1', children: [] },
  { id: '2', type: 'contact', directory: false, name: 'Grace Hopper', parent_id: 'contacts', children: [] },
];

describe('IntegrationForm', () => {
  it('starts with the seed defaults and no integration', async () => {
    backend({});
    await renderApp();
    expect(screen.getByTestId('user-input').value).toBe('TestUser');
    expect(screen.getByTestId('org-input').value).toBe('TestOrg');
    expect(screen.queryByTestId('connect-button')).toBeNull();
  });

  it('lists exactly the providers the Rust side names, a new one included', async () => {
    const withFourth = [...PROVIDERS, { id: 'pipedrive', name: 'Pipedrive', status: { state: 'sandbox' } }];
    mockIPC(
      (cmd) => {
        if (cmd === 'list_providers') return withFourth;
        throw new Error(`unexpected ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    await renderApp();
    await waitFor(() => expect(screen.getByTestId('app-subtitle').textContent).toBe('HubSpot · Airtable · Notion · Pipedrive'));
    await pick('Pipedrive');
    expect(screen.getByTestId('connect-button').textContent).toBe('Connect to Pipedrive');
    expect(screen.getByTestId('sandbox-badge')).toBeTruthy();
  });

  it('says what is wrong when the app could not start on its settings', async () => {
    mockIPC((cmd) => {
      if (cmd === 'list_providers') throw { kind: 'Config', message: 'TRIBUTARY_REDIRECT_PORT: `http` is not a port' };
      throw new Error(`unexpected ${cmd}`);
    });
    await renderApp();
    const alert = await screen.findByTestId('startup-error');
    expect(alert.textContent).toContain('Tributary could not start');
    expect(alert.textContent).toContain('TRIBUTARY_REDIRECT_PORT');
    expect(screen.queryByTestId('integration-select')).toBeNull();
  });

  it('connects when the sign-in event says so, then takes the credentials', async () => {
    const calls = backend({
      authorize: () => null,
      credentials: () => ({ provider: 'airtable', account: 'Sandbox workspace', scopes: [] }),
    });
    await renderApp();
    await connect('airtable', 'Airtable');
    expect(calls.filter((c) => c.cmd !== 'list_providers' && !c.cmd.startsWith('plugin:event'))).toEqual([
      { cmd: 'authorize', args: { connection: { provider: 'airtable', userId: 'TestUser', orgId: 'TestOrg', accountId: '' } } },
      { cmd: 'credentials', args: { connection: { provider: 'airtable', userId: 'TestUser', orgId: 'TestOrg', accountId: '' } } },
    ]);
    expect(screen.getByTestId('connection-account').textContent).toBe('Sandbox workspace');
    expect(screen.queryByTestId('sandbox-badge')).toBeNull();
  });

  it('opens on a connection an earlier run saved, without a sign-in', async () => {
    const calls = backend({
      saved_connections: ({ connection }) => ({
        accounts: [
          connection.provider === 'airtable'
            ? { accountId: 'usr1', account: 'Saved workspace', summary: { provider: 'airtable', account: 'Saved workspace', accountId: 'usr1', scopes: [] }, reconnectNeeded: false }
            : { accountId: '42', account: 'HubSpot account 42', summary: null, reconnectNeeded: true },
        ],
        kept: true,
      }),
    });
    await renderApp();
    await pick('Airtable');
    await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe('Connected to Airtable'));
    expect(screen.getByTestId('connection-account').textContent).toBe('Saved workspace');
    expect(calls.some((c) => c.cmd === 'authorize')).toBe(false);
    cleanup();
    await renderApp();
    await pick('HubSpot');
    expect((await screen.findByTestId('reconnect-needed')).textContent).toContain('connect again');
    expect(screen.getByTestId('connect-button').textContent).toBe('Connect to HubSpot');
  });

  it('keeps two accounts of one provider side by side: picks one, adds one, disconnects one', async () => {
    const summary = (accountId, account) => ({ provider: 'hubspot', account, accountId, scopes: [] });
    const calls = backend({
      saved_connections: () => ({
        accounts: [
          { accountId: '111', account: 'Portal A', summary: summary('111', 'Portal A'), reconnectNeeded: false },
          { accountId: '222', account: 'Portal B', summary: summary('222', 'Portal B'), reconnectNeeded: false },
        ],
        kept: true,
      }),
      authorize: () => null,
      credentials: () => summary('333', 'Portal C'),
      load: () => ({ items: ITEMS, notes: {} }),
      disconnect: () => true,
    });
    await renderApp();
    await pick('HubSpot');
    const select = await screen.findByTestId('account-select');
    expect(select.value).toBe('111', 'the first account is shown');
    // Choosing the second account: the panel below is about it.
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'HubSpot account' }));
    fireEvent.click(await screen.findByTestId('account-option-222'));
    await waitFor(() => expect(screen.getByTestId('account-select').value).toBe('222'));
    fireEvent.click(screen.getByTestId('load-button'));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'load')).toBe(true));
    expect(calls.find((c) => c.cmd === 'load').args.request.connection).toEqual({ provider: 'hubspot', userId: 'TestUser', orgId: 'TestOrg', accountId: '222' });
    // Add account signs in again; the new account joins the list and is shown.
    fireEvent.click(screen.getByTestId('add-account-button'));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'authorize')).toBe(true));
    await signIn('hubspot', 'completed');
    await waitFor(() => expect(screen.getByTestId('account-select').value).toBe('333'));
    // Disconnect ends the shown account only.
    fireEvent.click(screen.getByTestId('disconnect-button'));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'disconnect')).toBe(true));
    expect(calls.find((c) => c.cmd === 'disconnect').args.connection.accountId).toBe('333');
    await waitFor(() => expect(screen.getByTestId('account-select').value).toBe('111'));
    expect(screen.getByTestId('connect-button').textContent).toBe('Connected to HubSpot');
  });

  it('says once that connections last for the session where there is no credential store', async () => {
    backend({ saved_connections: () => ({ accounts: [], kept: false }) });
    await renderApp();
    await pick('Airtable');
    expect((await screen.findByTestId('session-only')).textContent).toContain('until Tributary closes');
  });

  it('labels sandbox providers and explains unconfigured ones', async () => {
    backend({});
    await renderApp();
    await pick('HubSpot');
    expect(screen.getByTestId('sandbox-badge').textContent).toContain('Sandbox');
    cleanup();
    await renderApp();
    await pick('Notion');
    expect(screen.getByTestId('not-configured').textContent).toContain('NOTION_CLIENT_ID');
    expect(screen.getByTestId('connect-button').disabled).toBe(true);
  });

  it('shows a failed sign-in and lets the user try again', async () => {
    backend({ authorize: () => null });
    await renderApp();
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    await signIn('airtable', 'failed', { kind: 'AccessDenied', message: 'access to Airtable was denied in the browser' });
    expect((await screen.findByTestId('error-alert')).textContent).toContain('denied in the browser');
    expect(screen.getByTestId('connect-button').disabled).toBe(false);
  });

  it('keeps waiting after a refused (forged) callback and still connects', async () => {
    backend({
      authorize: () => null,
      credentials: () => ({ provider: 'airtable', account: 'Sandbox workspace', scopes: [] }),
    });
    await renderApp();
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    await signIn('airtable', 'refused', { kind: 'StateMismatch', message: 'the sign-in callback does not belong to this sign-in' });
    expect((await screen.findByTestId('refused-alert')).textContent).toContain('still waiting');
    expect(screen.getByTestId('connect-button').textContent).toBe('Connecting...');
    expect(screen.queryByTestId('error-alert')).toBeNull();
    await signIn('airtable', 'completed');
    expect((await screen.findByTestId('connection-account')).textContent).toBe('Sandbox workspace');
    expect(screen.queryByTestId('refused-alert')).toBeNull();
  });

  it('shows a command error at once', async () => {
    backend({
      authorize: () => {
        throw { kind: 'Store', message: 'Redis is unreachable' };
      },
    });
    await renderApp();
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    expect((await screen.findByTestId('error-alert')).textContent).toContain('Redis is unreachable');
    expect(screen.getByTestId('connect-button').textContent).toBe('Connect to Airtable');
  });

  it('cancels a sign-in without calling it an error', async () => {
    const calls = backend({
      authorize: () => null,
      cancel_authorize: () => {
        setTimeout(() => emit('sign-in', { provider: 'airtable', userId: 'TestUser', orgId: 'TestOrg', outcome: 'failed', error: { kind: 'Cancelled', message: 'cancelled' } }));
        return null;
      },
    });
    await renderApp();
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    fireEvent.click(await screen.findByTestId('cancel-connect-button'));
    await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe('Connect to Airtable'));
    expect(screen.queryByTestId('error-alert')).toBeNull();
    expect(calls.some((c) => c.cmd === 'cancel_authorize')).toBe(true);
  });

  it('lets no callback that names no sign-in end the one in flight', async () => {
    backend({ authorize: () => null, credentials: () => ({ provider: 'airtable', scopes: [] }) });
    await renderApp();
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe('Connecting...'));
    // A stray deep link: refused, naming nothing. The sign-in is warned about and goes on.
    await act(() => emit('sign-in', { provider: null, userId: null, orgId: null, outcome: 'refused', error: { kind: 'BadCallback', message: 'not a sign-in callback' } }));
    expect((await screen.findByTestId('refused-alert')).textContent).toContain('still waiting');
    // A failure that names no sign-in (never sent now, but never trusted either) ends nothing.
    await act(() => emit('sign-in', { provider: null, userId: null, orgId: null, outcome: 'failed', error: { kind: 'StateMismatch', message: 'forged' } }));
    expect(screen.getByTestId('connect-button').textContent).toBe('Connecting...');
    expect(screen.queryByTestId('error-alert')).toBeNull();
    await signIn('airtable', 'completed');
    await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe('Connected to Airtable'));
  });

  it('ignores sign-in events for another provider or user', async () => {
    backend({ authorize: () => null });
    await renderApp();
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    await signIn('hubspot', 'failed', { kind: 'AccessDenied', message: 'nope' });
    await act(() => emit('sign-in', { provider: 'airtable', userId: 'Someone', orgId: 'TestOrg', outcome: 'completed' }));
    expect(screen.getByTestId('connect-button').textContent).toBe('Connecting...');
    expect(screen.queryByTestId('error-alert')).toBeNull();
  });
});

describe('DataForm', () => {
  it('loads with progress, shows the items in a table, searches, filters and clears', async () => {
    let finish;
    backend({
      authorize: () => null,
      credentials: () => ({ provider: 'hubspot', scopes: [] }),
      load: (args) => {
        window.__TAURI_INTERNALS__.runCallback(args.onProgress.id, { index: 0, message: { items: 200, pages: 2, listing: 'contacts' } });
        return new Promise((resolve) => (finish = () => resolve({ items: ITEMS, notes: {} })));
      },
    });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    fireEvent.click(screen.getByTestId('load-button'));
    await waitFor(() => expect(screen.getByTestId('load-progress').textContent).toContain('200 items · 2 pages · contacts'));
    await act(async () => finish());
    expect((await screen.findByTestId('item-count')).textContent).toBe('3 items from HubSpot');
    expect(screen.getByTestId('sandbox-data-label')).toBeTruthy();
    const names = () => screen.getAllByTestId('item-name').map((n) => n.textContent);
    expect(names()).toEqual(['Contacts', 'Ada Okafor', 'Grace Hopper']);
    const ada = screen.getAllByTestId('item-row')[1];
    expect(within(ada).getByText('Contacts')).toBeTruthy();

    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'grace' } });
    await waitFor(() => expect(names()).toEqual(['Grace Hopper']));
    fireEvent.change(screen.getByTestId('search-input'), { target: { value: '' } });
    fireEvent.mouseDown(screen.getByTestId('type-filter'));
    fireEvent.click(await screen.findByTestId('type-option-folder'));
    await waitFor(() => expect(names()).toEqual(['Contacts']));

    fireEvent.click(screen.getByTestId('json-tab'));
    expect(screen.getAllByTestId('json-item').map((b) => JSON.parse(b.textContent))).toEqual([ITEMS[0]]);
    fireEvent.click(screen.getByTestId('clear-button'));
    expect(screen.queryByTestId('item-count')).toBeNull();
  });

  it('reloads what changed, says what it changed, and offers a full reload', async () => {
    const reload = { since: '2026-12-01T09:50:00Z', changed: 12, removed: 2, deletionsReported: true };
    const calls = backend({
      authorize: () => null,
      credentials: () => ({ provider: 'hubspot', scopes: [] }),
      load: (args) => ({ items: ITEMS, notes: {}, reload: args.request.full ? null : reload }),
    });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    expect(screen.queryByTestId('full-reload-button')).toBeNull();
    fireEvent.click(screen.getByTestId('load-button'));
    expect((await screen.findByTestId('notice')).textContent).toContain('12 items new or changed, 2 items removed');
    expect(screen.getByTestId('synced-at').textContent).not.toContain('last full reload');
    fireEvent.click(screen.getByRole('button', { name: 'Reload everything' }));
    await waitFor(() => expect(screen.getByTestId('synced-at').textContent).toContain('last full reload'));
    const loads = calls.filter((c) => c.cmd === 'load').map((c) => c.args.request.full);
    expect(loads).toEqual([false, true]);
    expect(calls.find((c) => c.cmd === 'load').args.request.connection).toEqual({ provider: 'hubspot', userId: 'TestUser', orgId: 'TestOrg', accountId: '' });
  });

  it('shows the tree, opens an item in its provider and exports', async () => {
    const calls = backend({
      authorize: () => null,
      credentials: () => ({ provider: 'hubspot', scopes: [] }),
      load: () => ({ items: ITEMS, notes: {} }),
      open_item: () => null,
      export_items: (args) => `/home/me/Downloads/tributary-hubspot.${args.request.format}`,
    });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    fireEvent.click(screen.getByTestId('load-button'));
    fireEvent.click(await screen.findByTestId('tree-tab'));
    const rows = () => screen.getAllByTestId('tree-row').map((r) => r.dataset.itemId);
    expect(rows()).toEqual(['contacts']);
    fireEvent.click(screen.getByTestId('tree-toggle'));
    expect(rows()).toEqual(['contacts', '1', '2']);
    fireEvent.click(screen.getByLabelText('Open Ada Okafor'));
    fireEvent.click(screen.getByTestId('export-csv-button'));
    expect((await screen.findByTestId('notice')).textContent).toContain('Saved 3 items to /home/me/Downloads/tributary-hubspot.csv');
    expect(calls.find((c) => c.cmd === 'open_item').args).toEqual({ request: { connection: { provider: 'hubspot', userId: 'TestUser', orgId: 'TestOrg', accountId: '' }, itemId: '1' } });
  });

  it('shows the raw JSON line for line as JSON.stringify would', async () => {
    backend({ authorize: () => null, credentials: () => ({ provider: 'hubspot', scopes: [] }), load: () => ({ items: ITEMS, notes: {} }) });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    fireEvent.click(screen.getByTestId('load-button'));
    fireEvent.click(await screen.findByTestId('json-tab'));
    const blocks = screen.getAllByTestId('json-item');
    expect(blocks.map((b) => JSON.parse(b.textContent.replace(/,$/, '')))).toEqual(ITEMS);
    const text = ['[', ...blocks.map((b) => b.textContent), ']'].join('\n');
    expect(text).toBe(JSON.stringify(ITEMS, null, 2));
  });

  it('says what a complete load left out', async () => {
    backend({
      authorize: () => null,
      credentials: () => ({ provider: 'hubspot', scopes: [] }),
      load: () => ({
        items: ITEMS,
        notes: {
          repeatedIds: 2,
          unreadableTitles: 0,
          unsafeLinks: 1,
          summary: "2 records were listed more than once (the newest copy of each is kept); 1 links were not the provider's own and were left out",
        },
      }),
    });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    fireEvent.click(screen.getByTestId('load-button'));
    const notice = (await screen.findByTestId('notice')).textContent;
    expect(notice).toContain('2 records were listed more than once');
    expect(notice).toContain("1 links were not the provider's own");
    expect(notice).not.toContain('titles');
  });

  it('keeps 100,000 items out of the page but the rows in view', async () => {
    const many = Array.from({ length: 100_000 }, (_, n) => ({ id: `c${n}`, type: 'contact', directory: false, name: `Contact ${n}`, children: [] }));
    backend({ authorize: () => null, credentials: () => ({ provider: 'hubspot', scopes: [] }), load: () => ({ items: many, notes: {} }) });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    fireEvent.click(screen.getByTestId('load-button'));
    expect((await screen.findByTestId('item-count')).textContent).toBe('100,000 items from HubSpot');
    const rendered = screen.getAllByTestId('item-row').length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(60);
    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'contact 99999' } });
    await waitFor(() => expect(screen.getAllByTestId('item-name').map((n) => n.textContent)).toEqual(['Contact 99999']));
    fireEvent.change(screen.getByTestId('search-input'), { target: { value: '' } });
    fireEvent.click(screen.getByTestId('json-tab'));
    const blocks = screen.getAllByTestId('json-item').length;
    expect(blocks).toBeGreaterThan(0);
    expect(blocks).toBeLessThan(20);
    fireEvent.click(screen.getByTestId('tree-tab'));
    expect(screen.getAllByTestId('tree-row').length).toBeLessThan(60);
  });

  it('shows a failed or cancelled load as nothing loaded', async () => {
    let failure = { kind: 'RateLimited', message: 'HubSpot kept answering 429; 1,200 of the items could not be loaded' };
    backend({
      authorize: () => null,
      credentials: () => ({ provider: 'hubspot', scopes: [] }),
      load: () => {
        throw failure;
      },
    });
    await renderApp();
    await connect('hubspot', 'HubSpot');
    fireEvent.click(screen.getByTestId('load-button'));
    expect((await screen.findByTestId('load-error')).textContent).toContain('could not be loaded');
    expect(screen.queryByTestId('item-count')).toBeNull();
    failure = { kind: 'Cancelled', message: 'cancelled' };
    fireEvent.click(screen.getByTestId('load-button'));
    expect((await screen.findByTestId('notice')).textContent).toContain('nothing was loaded');
  });

  it('opens on the last sync from the library and keeps it when a reload fails', async () => {
    const SYNCED = '2026-11-30T08:00:00Z';
    backend({
      saved_connections: () => ({ accounts: [{ accountId: '', account: null, summary: { provider: 'hubspot', accountId: '', scopes: [] }, reconnectNeeded: false }], kept: true }),
      stored_items: () => ({ items: ITEMS, syncedAt: SYNCED, notes: null }),
      load: () => {
        throw { kind: 'Network', message: 'could not reach HubSpot (GET /crm/objects/2026-09/contacts): timed out' };
      },
    });
    await renderApp();
    await pick('HubSpot');
    await waitFor(() => expect(screen.getByTestId('item-count').textContent).toContain('3'));
    expect(screen.getByTestId('synced-at').textContent).toContain('Last sync');
    fireEvent.click(screen.getByTestId('load-button'));
    expect((await screen.findByTestId('load-error')).textContent).toContain('from the last sync');
    expect(screen.getByTestId('item-count').textContent).toContain('3', 'the last good items stay');
  });
});

describe('jsonLines', () => {
  it('counts the lines JSON.stringify(value, null, 2) writes', () => {
    const values = [
      null, 1, 'text', [], {}, [1, [2, []], {}], { a: undefined, b: null, c: { d: [] } }, { gone: undefined },
      [undefined, null], ...ITEMS, ITEMS,
    ];
    for (const value of values) expect(jsonLines(value)).toBe(JSON.stringify(value, null, 2).split('\n').length);
  });
});

describe('LibraryView', () => {
  // A library of `n` items answered as the Rust side does: filtered, sorted and paged.
  function library(n) {
    const all = Array.from({ length: n }, (_, i) => ({
      provider: i % 2 ? 'notion' : 'hubspot',
      orgId: 'TestOrg',
      userId: 'TestUser',
      item: { ...ITEMS[1], id: `item-${i}`, name: `Item ${String(i).padStart(5, '0')}` },
    }));
    return (args) => {
      const { text, sort, descending, offset, limit } = args.request;
      let rows = all.filter((r) => !text || r.item.name.toLowerCase().includes(text.toLowerCase()));
      if (sort === 'name') rows = [...rows].sort((a, b) => a.item.name.localeCompare(b.item.name));
      if (descending) rows = [...rows].reverse();
      return { total: rows.length, offset, rows: rows.slice(offset, offset + limit) };
    };
  }

  it('opens on every connection\'s items, asking the library only for the pages in view', async () => {
    const calls = backend({ library_rows: library(5000) });
    await renderApp();
    expect((await screen.findByTestId('library-count')).textContent).toContain('5,000 items');
    await waitFor(() => expect(screen.getAllByTestId('library-name')[0].textContent).toBe('Item 00000'));
    expect(screen.getAllByTestId('library-row').length).toBeLessThan(200);
    const asked = calls.filter((c) => c.cmd === 'library_rows').map((c) => c.args.request);
    expect(asked.every((q) => q.limit === 100 && q.connections.length === 0)).toBe(true);
    expect(Math.max(...asked.map((q) => q.offset))).toBeLessThan(5000 - 100);
  });

  it('opens the library on the first page asked for ahead of it, asked once', async () => {
    const calls = backend({ library_rows: library(300) });
    askAhead(FIRST_QUERY);
    await new Promise((arrived) => setTimeout(arrived, 10));
    render(<App />);
    // Both answers were in before the first render, so it shows them: no empty render first.
    expect(screen.getAllByTestId('library-name')[0].textContent).toBe('Item 00000');
    expect(screen.getByTestId('app-subtitle').textContent).toBe('HubSpot · Airtable · Notion');
    await screen.findByTestId('user-input');
    const firstPages = calls.filter((c) => c.cmd === 'library_rows' && c.args.request.offset === 0);
    expect(firstPages).toEqual([{ cmd: 'library_rows', args: { request: FIRST_QUERY } }]);
    expect(calls.filter((c) => c.cmd === 'list_providers').length).toBe(1);
  });

  it('keeps the rows shown until the new search has its answer', async () => {
    const answer = library(300);
    let release;
    const held = new Promise((resolve) => (release = resolve));
    backend({ library_rows: (args) => (args.request.text ? held.then(() => answer(args)) : answer(args)) });
    await renderApp();
    await waitFor(() => expect(screen.getAllByTestId('library-name')[0].textContent).toBe('Item 00000'));
    fireEvent.change(screen.getByTestId('library-search'), { target: { value: '00042' } });
    await new Promise((later) => setTimeout(later, 50));
    expect(screen.getAllByTestId('library-name')[0].textContent).toBe('Item 00000');
    expect(screen.getByTestId('library-count').textContent).toContain('300 items kept');
    release();
    await waitFor(() => expect(screen.getAllByTestId('library-name').map((n) => n.textContent)).toEqual(['Item 00042']));
    expect(screen.getByTestId('library-count').textContent).toContain('1 item kept from every connection\'s last sync, matching “00042”');
  });

  it('searches and sorts in the library, with the column saying its order', async () => {
    const calls = backend({ library_rows: library(300) });
    await renderApp();
    await screen.findByTestId('library-count');
    fireEvent.change(screen.getByTestId('library-search'), { target: { value: '00029' } });
    await waitFor(() => expect(screen.getByTestId('library-count').textContent).toContain('1 item kept'));
    expect(screen.getAllByTestId('library-name').map((n) => n.textContent)).toEqual(['Item 00029']);
    fireEvent.change(screen.getByTestId('library-search'), { target: { value: '' } });
    const name = screen.getByTestId('library-sort-name');
    fireEvent.click(name);
    fireEvent.click(name);
    await waitFor(() => expect(screen.getAllByTestId('library-name')[0].textContent).toBe('Item 00299'));
    expect(name.closest('[role=columnheader]').getAttribute('aria-sort')).toBe('descending');
    const last = calls.filter((c) => c.cmd === 'library_rows').pop().args.request;
    expect(last).toMatchObject({ sort: 'name', descending: true, text: '', field: 'any' });
  });
});
