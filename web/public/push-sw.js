// The clinic's service worker for browser push: shows each push message as a system notification and opens
// the app at the message's link when it is clicked. The payload is what the notifications service encrypts:
// { title, body, link, id }.
self.addEventListener('push', (event) => {
  let message = { title: 'Clinic', body: '', link: '/notifications', id: undefined };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    if (event.data) message.body = event.data.text();
  }
  event.waitUntil(self.registration.showNotification(message.title, { body: message.body, tag: message.id, data: { link: message.link } }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const link = new URL(event.notification.data?.link || '/', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => w.url.startsWith(self.location.origin));
      if (open) return open.navigate(link).then((w) => (w ?? open).focus());
      return self.clients.openWindow(link);
    }),
  );
});
