// Documents on the component level: a dropped file is announced to the API with its type, name and
// size, its progress shows while it is sent, a refused format says why, and versions can be restored.
import { describe, expect, test, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { UploadZone } from './UploadZone.tsx';
import { DocumentsPage } from './DocumentsPage.tsx';
import { TransferError, type Sender } from './transfer.ts';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const grant = { data: { createUpload: { __typename: 'UploadGrant', documentId: 'doc-1', url: '/files/upload?t=abc', expiresAt: '2026-12-01T08:00:00.000Z' } } };

function drop(file: File) {
  fireEvent.drop(screen.getByTestId('drop-zone'), { dataTransfer: { files: [file] } });
}

describe('upload', () => {
  test('a dropped file is announced, shows its progress, and is reported when done', async () => {
    const api = fixedClient({ CreateUpload: () => grant });
    let finish: () => void = () => undefined;
    const send = vi.fn<Sender>((_url, _file, _token, onProgress) => {
      onProgress(0.5);
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const onUploaded = vi.fn();
    renderWith(<UploadZone appointmentId="appt-1" onUploaded={onUploaded} send={send} />, { client: api.client });
    drop(new File(['%PDF-1.7 hello'], 'blood test.pdf', { type: 'application/pdf' }));

    expect(await screen.findByText('Uploading… 50%')).toBeTruthy();
    expect(api.calls.find((c) => c.name === 'CreateUpload')?.variables).toEqual({ type: 'LAB_RESULT', fileName: 'blood test.pdf', size: 14, appointmentId: 'appt-1' });
    expect(send.mock.calls[0]![0]).toBe('/files/upload?t=abc');
    finish();
    await waitFor(() => expect(onUploaded).toHaveBeenCalledWith('doc-1'));
    expect(screen.queryByText(/Uploading…/)).toBeNull();
  });

  test('a file the type does not accept is refused with a sentence saying so', async () => {
    const api = fixedClient({ CreateUpload: () => grant });
    const send: Sender = () => Promise.reject(new TransferError(415, 'UNSUPPORTED_MEDIA_TYPE'));
    renderWith(<UploadZone onUploaded={() => undefined} send={send} />, { client: api.client });
    drop(new File(['not a picture'], 'x.png'));
    expect((await screen.findByRole('alert')).textContent).toBe('This file is not in a format this document type accepts.');
  });
});

describe('documents page', () => {
  test('lists every version and restores an older one', async () => {
    const version = (n: number, restoredFrom: number | null = null) => ({
      __typename: 'DocumentVersion',
      version: n,
      fileName: `scan-${n}.pdf`,
      size: 2048,
      uploadedAt: '2026-11-20T10:00:00.000Z',
      restoredFrom,
      downloadUrl: `/files/download?t=${n}`,
    });
    const api = fixedClient({
      MyDocuments: () => ({
        data: {
          myDocuments: [
            {
              __typename: 'Document',
              id: 'doc-1',
              type: 'LAB_RESULT',
              fileName: 'scan-2.pdf',
              contentType: 'application/pdf',
              size: 2048,
              updatedAt: '2026-11-20T10:00:00.000Z',
              downloadUrl: '/files/download?t=2',
              previewUrl: null,
              versions: [version(2), version(1)],
            },
          ],
        },
      }),
      RestoreDocumentVersion: () => ({ data: { restoreDocumentVersion: { __typename: 'Document', id: 'doc-1' } } }),
    });
    renderWith(<DocumentsPage />, { client: api.client });
    expect(await screen.findByRole('heading', { name: 'scan-2.pdf' })).toBeTruthy();
    expect(screen.getByText('scan-1.pdf')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Download' })).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: 'Make current' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'RestoreDocumentVersion')?.variables).toEqual({ documentId: 'doc-1', version: 1 }));
  });
});
