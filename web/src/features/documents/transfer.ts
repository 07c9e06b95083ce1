// Moving bytes to and from the signed /files URLs. Uploads use XMLHttpRequest for its progress events;
// both directions send the session's bearer token (the URLs work only for the user they were issued to).
export type Sender = (url: string, file: Blob, token: string, onProgress: (fraction: number) => void) => Promise<void>;

export class TransferError extends Error {
  constructor(readonly status: number, readonly code: string | null) {
    super(`transfer failed (${status}${code ? ` ${code}` : ''})`);
  }
}

function codeOf(text: string): string | null {
  try {
    return (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? null;
  } catch {
    return null;
  }
}

export const sendFile: Sender = (url, file, token, onProgress) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => (xhr.status === 201 ? resolve() : reject(new TransferError(xhr.status, codeOf(xhr.responseText))));
    xhr.onerror = () => reject(new TransferError(0, null));
    xhr.send(file);
  });

/** Fetches a download or thumbnail URL with the token and hands back a local object URL. */
export async function fetchObjectUrl(url: string, token: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new TransferError(res.status, codeOf(await res.text()));
  return URL.createObjectURL(await res.blob());
}
