// "Enable browser notifications": registers the push service worker, asks the browser for permission,
// subscribes with the server's VAPID key (PushManager) and registers the subscription as a push device;
// turning it off unsubscribes and removes the device. Browsers without push get a short explanation.
import { Alert, FormControlLabel, Switch } from '@mui/material';
import { useEffect, useState } from 'react';
import { useClient, useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { PushPublicKeyDocument, RegisterPushDeviceDocument, UnregisterPushDeviceDocument } from '../../gql/graphql.ts';

const DEVICE_KEY = 'clinic.pushDeviceId';
export const PUSH_WORKER_URL = '/push-sw.js';

const supported = () => typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** applicationServerKey wants the raw key bytes; the server hands it out base64url-encoded. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function BrowserPushToggle() {
  const { t } = useTranslation();
  const client = useClient();
  const [, register] = useMutation(RegisterPushDeviceDocument);
  const [, unregister] = useMutation(UnregisterPushDeviceDocument);
  const [on, setOn] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!supported()) return;
    void navigator.serviceWorker.getRegistration(PUSH_WORKER_URL).then(async (reg) => setOn(!!(await reg?.pushManager.getSubscription()) && !!localStorage.getItem(DEVICE_KEY)));
  }, []);

  if (!supported()) return <Alert severity="info">{t('notifications.push.unsupported')}</Alert>;

  const enable = async () => {
    if ((await Notification.requestPermission()) !== 'granted') throw new Error(t('notifications.push.denied'));
    const key = (await client.query(PushPublicKeyDocument, {}, { requestPolicy: 'network-only' }).toPromise()).data?.pushPublicKey;
    if (!key) throw new Error(t('notifications.push.off'));
    const reg = await navigator.serviceWorker.register(PUSH_WORKER_URL);
    await navigator.serviceWorker.ready;
    const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
    const json = sub.toJSON();
    const res = await register({ input: { platform: 'WEB', endpoint: sub.endpoint, p256dh: json.keys?.p256dh, auth: json.keys?.auth, label: navigator.userAgent.slice(0, 100) } });
    if (!res.data) throw new Error(res.error?.message ?? t('notifications.push.failed'));
    localStorage.setItem(DEVICE_KEY, res.data.registerPushDevice.id);
  };

  const disable = async () => {
    const reg = await navigator.serviceWorker.getRegistration(PUSH_WORKER_URL);
    await (await reg?.pushManager.getSubscription())?.unsubscribe();
    const id = localStorage.getItem(DEVICE_KEY);
    localStorage.removeItem(DEVICE_KEY);
    if (id) await unregister({ id });
  };

  return (
    <>
      <FormControlLabel
        control={
          <Switch
            checked={on}
            disabled={busy}
            onChange={async (e) => {
              const wanted = e.target.checked;
              setBusy(true);
              setProblem(null);
              try {
                await (wanted ? enable() : disable());
                setOn(wanted);
              } catch (error) {
                setProblem((error as Error).message);
              } finally {
                setBusy(false);
              }
            }}
          />
        }
        label={t('notifications.push.enable')}
      />
      {problem ? <Alert severity="warning">{problem}</Alert> : null}
    </>
  );
}
