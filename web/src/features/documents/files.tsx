// Thumbnails and downloads of documents. Their URLs work only with the session's bearer token, so the
// bytes are fetched with it and shown (or saved) through a local object URL.
import { useEffect, useState } from 'react';
import { Box } from '@mui/material';
import { useSession } from '../../api/session-react.tsx';
import { fetchObjectUrl } from './transfer.ts';

export function Thumbnail({ url, alt, size = 96 }: { url: string | null | undefined; alt: string; size?: number }) {
  const { accessToken } = useSession();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!url || !accessToken) return;
    let objectUrl: string | null = null;
    fetchObjectUrl(url, accessToken).then((u) => setSrc((objectUrl = u)), () => setSrc(null));
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url, accessToken]);
  return src ? <Box component="img" src={src} alt={alt} sx={{ width: size, height: size, objectFit: 'contain', bgcolor: 'grey.100', borderRadius: 1 }} /> : null;
}

/** Downloads a file URL with the token and saves it under its name. */
export async function saveFile(url: string, token: string, fileName: string) {
  const objectUrl = await fetchObjectUrl(url, token);
  const a = document.createElement('a');
  a.href = objectUrl;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
}
