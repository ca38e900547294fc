import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { randomFillSync } from 'node:crypto';
import App from './App.jsx';

beforeAll(() => {
  // The Tauri IPC mocks need WebCrypto's getRandomValues, which jsdom lacks.
  Object.defineProperty(window, 'crypto', { value: { getRandomValues: (b) => randomFillSync(b) } });
});

afterEach(() => {
  cleanup();
  clearMocks();
});

async function pick(name) {
  const input = screen.getByTestId('integration-select');
  fireEvent.mouseDown(input);
  fireEvent.change(input, { target: { value: name } });
  fireEvent.click(await screen.findByText(name, { selector: 'li' }));
}

describe('IntegrationForm', () => {
  it('starts with the seed defaults and no integration', () => {
    render(<App />);
    expect(screen.getByTestId('user-input').value).toBe('TestUser');
    expect(screen.getByTestId('org-input').value).toBe('TestOrg');
    expect(screen.queryByTestId('connect-button')).toBeNull();
  });

  it('connects through the authorize command and shows Connected', async () => {
    const calls = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'authorize') return { provider: 'airtable', account: 'Sandbox workspace' };
      throw new Error(`unexpected ${cmd}`);
    });
    render(<App />);
    await pick('Airtable');
    fireEvent.click(screen.getByTestId('connect-button'));
    await waitFor(() => expect(screen.getByTestId('connect-button').textContent).toBe('Connected to Airtable'));
    expect(calls).toEqual([{ cmd: 'authorize', args: { provider: 'airtable', userId: 'TestUser', orgId: 'TestOrg' } }]);
    expect(screen.getByTestId('connection-account').textContent).toBe('Sandbox workspace');
    expect(screen.getByTestId('load-button')).toBeTruthy();
  });

  it('shows a command error and lets the user try again', async () => {
    mockIPC(() => {
      throw { kind: 'AccessDenied', message: 'You declined access in the browser.' };
    });
    render(<App />);
    await pick('Notion');
    fireEvent.click(screen.getByTestId('connect-button'));
    expect((await screen.findByTestId('error-alert')).textContent).toContain('You declined access in the browser.');
    expect(screen.getByTestId('connect-button').disabled).toBe(false);
  });

  it('loads items into the data panel and clears them', async () => {
    mockIPC((cmd) => {
      if (cmd === 'authorize') return { provider: 'hubspot' };
      if (cmd === 'load') return [{ id: '1', type: 'contact', name: 'Ada Okafor' }];
      throw new Error(cmd);
    });
    render(<App />);
    await pick('HubSpot');
    fireEvent.click(screen.getByTestId('connect-button'));
    fireEvent.click(await screen.findByTestId('load-button'));
    await waitFor(() => expect(screen.getByTestId('data-output').value).toContain('Ada Okafor'));
    fireEvent.click(screen.getByTestId('clear-button'));
    expect(screen.getByTestId('data-output').value).toBe('');
  });
});
