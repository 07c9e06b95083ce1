// The "enable browser notifications" switch on the component level, with the browser's push APIs played by
// stand-ins: turning it on asks for permission, registers the service worker, subscribes with the server's
// VAPID key (as bytes) and registers exactly that subscription; turning it off unsubscribes and removes the
// device. A browser without push gets an explanation instead of a switch.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { BrowserPushToggle, PUSH_WORKER_URL } from './BrowserPushToggle.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const KEY = 'BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function fakeBrowser() {
  const unsubscribe = vi.fn(async () => true);
  const subscription = { endpoint: 'https://push.example/sub/1', toJSON: () => ({ endpoint: 'https://push.example/sub/1', keys: { p256dh: 'BPk', auth: 'au' } }), unsubscribe };
  let current: typeof subscription | null = null;
  const subscribe = vi.fn(async () => (current = subscription));
  const registration = { pushManager: { getSubscription: async () => current, subscribe } };
  const register = vi.fn(async () => registration);
  vi.stubGlobal('navigator', { ...navigator, userAgent: 'TestBrowser', serviceWorker: { register, ready: Promise.resolve(registration), getRegistration: async () => (current ? registration : undefined) } });
  vi.stubGlobal('PushManager', class {});
  vi.stubGlobal('Notification', { requestPermission: vi.fn(async () => 'granted') });
  return { register, subscribe, unsubscribe };
}

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('browser notifications switch', () => {
  test('on: subscribes with the VAPID key and registers that subscription; off: unsubscribes and removes it', async () => {
    const browser = fakeBrowser();
    const api = fixedClient({
      PushPublicKey: () => ({ data: { pushPublicKey: KEY } }),
      RegisterPushDevice: () => ({ data: { registerPushDevice: { __typename: 'PushDevice', id: 'd1', platform: 'WEB', label: 'TestBrowser' } } }),
      UnregisterPushDevice: () => ({ data: { unregisterPushDevice: true } }),
    });
    renderWith(<BrowserPushToggle />, { client: api.client });
    const toggle = await screen.findByLabelText('Enable browser notifications');
    fireEvent.click(toggle);
    await waitFor(() => expect((toggle as HTMLInputElement).checked).toBe(true));
    expect(browser.register).toHaveBeenCalledWith(PUSH_WORKER_URL);
    const options = (browser.subscribe.mock.calls[0] as unknown[])[0] as { userVisibleOnly: boolean; applicationServerKey: Uint8Array };
    expect(options.userVisibleOnly).toBe(true);
    expect(options.applicationServerKey).toHaveLength(65);
    expect(options.applicationServerKey[0]).toBe(4);
    expect(api.calls.find((c) => c.name === 'RegisterPushDevice')?.variables).toEqual({
      input: { platform: 'WEB', endpoint: 'https://push.example/sub/1', p256dh: 'BPk', auth: 'au', label: 'TestBrowser' },
    });
    fireEvent.click(toggle);
    await waitFor(() => expect(api.calls.find((c) => c.name === 'UnregisterPushDevice')?.variables).toEqual({ id: 'd1' }));
    expect(browser.unsubscribe).toHaveBeenCalled();
    expect((toggle as HTMLInputElement).checked).toBe(false);
  });

  test('a browser without push is told so', async () => {
    renderWith(<BrowserPushToggle />, { client: fixedClient({}).client });
    expect(await screen.findByText('This browser cannot show notifications from the clinic.')).toBeTruthy();
  });
});
