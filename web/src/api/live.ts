// Whether live updates are flowing, for the small indicator in the header: "on" while the WebSocket
// is connected, "paused" while some screen wants live updates but the socket is down, nothing when no
// screen subscribes.
import { useSyncExternalStore } from 'react';

export type LiveState = 'idle' | 'on' | 'paused';

let connected = false;
let active = 0;
let state: LiveState = 'idle';
const listeners = new Set<() => void>();

function update() {
  const next: LiveState = active === 0 ? 'idle' : connected ? 'on' : 'paused';
  if (next === state) return;
  state = next;
  listeners.forEach((l) => l());
}

export const liveStatus = {
  get: (): LiveState => state,
  set: (value: boolean) => {
    connected = value;
    update();
  },
  subscribed: () => {
    active++;
    update();
    return () => {
      active--;
      update();
    };
  },
  subscribe: (l: () => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

export function useLive(): LiveState {
  return useSyncExternalStore(liveStatus.subscribe, liveStatus.get, liveStatus.get);
}
