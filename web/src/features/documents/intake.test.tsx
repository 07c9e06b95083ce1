// The pre-appointment form on the component level: fields come from the form's JSON Schema; problems are
// said beside their field (and focus goes to the first) before anything is sent; the answers go out typed;
// the PDF made from them is shown with its thumbnail. The appointment page's "Download confirmation (PDF)"
// generates the confirmation in the viewer's language and saves it. Attachments in a chat thread show
// their thumbnails.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { IntakeFormPage } from './IntakeFormPage.tsx';
import { ConfirmationButton } from './ConfirmationButton.tsx';
import { answersOf, fieldsOf, languageOf, problemsOf } from './intake-schema.ts';
import { AttachmentPreview } from '../chat/AttachmentPreview.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const SCHEMA = {
  $id: 'cardiology-v1',
  type: 'object',
  required: ['reason'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 2000, title: 'What brings you in?' },
    symptomsSince: { type: 'string', format: 'date', title: 'Since when?' },
    smoker: { type: 'boolean', title: 'Do you smoke?' },
    chestPain: { type: 'integer', minimum: 0, maximum: 10, title: 'Chest pain (0–10)' },
    bloodPressure: { type: 'string', pattern: '^\\d{2,3}/\\d{2,3}$', title: 'Last blood pressure (e.g. 120/80)' },
  },
};

beforeEach(() => {
  // Thumbnails and downloads are fetched with the token and shown through object URLs.
  vi.stubGlobal('fetch', vi.fn(async () => ({ ok: true, status: 200, blob: async () => new Blob(['png']), text: async () => '' })));
  URL.createObjectURL = vi.fn(() => 'blob:thumbnail');
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => vi.unstubAllGlobals());

describe('intake form from its JSON Schema', () => {
  test('fields, problems and typed answers', () => {
    const fields = fieldsOf(SCHEMA);
    expect(fields.map((f) => [f.key, f.kind, f.required])).toEqual([
      ['reason', 'longText', true],
      ['symptomsSince', 'date', false],
      ['smoker', 'boolean', false],
      ['chestPain', 'integer', false],
      ['bloodPressure', 'text', false],
    ]);
    expect(problemsOf(fields, { chestPain: '11', bloodPressure: '120-80' })).toEqual({ reason: 'required', chestPain: 'range', bloodPressure: 'pattern' });
    expect(problemsOf(fields, { reason: 'x', chestPain: '2.5' })).toEqual({ chestPain: 'integer' });
    expect(answersOf(fields, { reason: ' Palpitații ', chestPain: '3', smoker: false, bloodPressure: '' })).toEqual({ reason: 'Palpitații', chestPain: 3, smoker: false });
    expect(languageOf('ro')).toBe('RO');
    expect(languageOf('en-GB')).toBe('EN');
  });

  test('says what is wrong beside each field, then sends typed answers and shows the PDF', async () => {
    const api = fixedClient({
      IntakeForm: () => ({ data: { intakeForm: { __typename: 'IntakeForm', id: 'cardiology-v1', consultationType: 'CARDIOLOGY', schema: SCHEMA } } }),
      SubmitIntakeForm: () => ({
        data: { submitIntakeForm: { __typename: 'Document', id: 'doc-9', fileName: 'Pre-appointment form.pdf', previewUrl: '/files/preview?t=p', downloadUrl: '/files/download?t=d' } },
      }),
    });
    renderWith(<Routes><Route path="/appointments/:id/intake" element={<IntakeFormPage />} /></Routes>, { client: api.client, path: '/appointments/a1/intake' });
    const reason = await screen.findByRole('textbox', { name: /What brings you in\?/ });
    expect(api.calls.find((c) => c.name === 'IntakeForm')?.variables).toEqual({ appointmentId: 'a1', language: 'EN' });

    fireEvent.change(screen.getByRole('textbox', { name: 'Chest pain (0–10)' }), { target: { value: '42' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send the form' }));
    expect(await screen.findByText('Please answer this question.')).toBeTruthy();
    expect(screen.getByText('Enter a number from 0 to 10.')).toBeTruthy();
    expect(reason.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(reason);
    expect(api.calls.some((c) => c.name === 'SubmitIntakeForm')).toBe(false);

    fireEvent.change(reason, { target: { value: 'Palpitații după efort' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Chest pain (0–10)' }), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Do you smoke?' }));
    fireEvent.click(screen.getByRole('button', { name: 'Send the form' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'SubmitIntakeForm')).toBeTruthy());
    const sent = api.calls.find((c) => c.name === 'SubmitIntakeForm')!.variables;
    expect(sent).toMatchObject({ appointmentId: 'a1', language: 'EN', answers: { reason: 'Palpitații după efort', chestPain: 3, smoker: true } });
    expect(typeof sent.timeZone).toBe('string');

    expect(await screen.findByText('Thank you: your answers are attached to the appointment.')).toBeTruthy();
    expect(await screen.findByRole('img', { name: 'Preview of Pre-appointment form.pdf' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Download the PDF' })).toBeTruthy();
  }, 60_000);

  test('a thumbnail still being made is asked for again until it is there', async () => {
    let asked = 0;
    const api = fixedClient({
      IntakeForm: () => ({ data: { intakeForm: { __typename: 'IntakeForm', id: 'general-v1', consultationType: 'IN_PERSON', schema: { type: 'object', required: [], properties: { allergies: { type: 'string', maxLength: 1000, title: 'Allergies' } } } } } }),
      SubmitIntakeForm: () => ({ data: { submitIntakeForm: { __typename: 'Document', id: 'doc-9', fileName: 'Form.pdf', previewUrl: null, downloadUrl: '/files/download?t=d' } } }),
      DocumentPreview: () => ({ data: { document: { __typename: 'Document', id: 'doc-9', previewUrl: ++asked > 1 ? '/files/preview?t=p' : null } } }),
    });
    renderWith(<Routes><Route path="/appointments/:id/intake" element={<IntakeFormPage />} /></Routes>, { client: api.client, path: '/appointments/a1/intake' });
    fireEvent.click(await screen.findByRole('button', { name: 'Send the form' }));
    expect(await screen.findByRole('img', { name: 'Preview of Form.pdf' }, { timeout: 10_000 })).toBeTruthy();
    expect(asked).toBeGreaterThan(1);
  });

  test('a refusal from the server is shown, not hidden', async () => {
    const api = fixedClient({
      IntakeForm: () => ({ data: { intakeForm: { __typename: 'IntakeForm', id: 'general-v1', consultationType: 'IN_PERSON', schema: { type: 'object', required: [], properties: { allergies: { type: 'string', maxLength: 1000, title: 'Allergies' } } } } } }),
      SubmitIntakeForm: () => ({ errorCode: 'NOT_FOUND' }),
    });
    renderWith(<Routes><Route path="/appointments/:id/intake" element={<IntakeFormPage />} /></Routes>, { client: api.client, path: '/appointments/a1/intake' });
    fireEvent.click(await screen.findByRole('button', { name: 'Send the form' }));
    expect(await screen.findByRole('alert')).toBeTruthy();
  });
});

describe('confirmation PDF', () => {
  test('generates the confirmation in the viewer’s language and time zone, then saves it', async () => {
    const api = fixedClient({
      GenerateConfirmation: () => ({ data: { generateAppointmentConfirmation: { __typename: 'Document', id: 'doc-1', fileName: 'Appointment confirmation.pdf', downloadUrl: '/files/download?t=c' } } }),
    });
    const save = vi.fn(async () => undefined);
    renderWith(<ConfirmationButton appointmentId="a1" save={save} />, { client: api.client });
    fireEvent.click(screen.getByRole('button', { name: 'Download confirmation (PDF)' }));
    await waitFor(() => expect(save).toHaveBeenCalledWith('/files/download?t=c', expect.any(String), 'Appointment confirmation.pdf'));
    expect(api.calls.find((c) => c.name === 'GenerateConfirmation')?.variables).toMatchObject({ appointmentId: 'a1', language: 'EN' });
  });
});

describe('attachments in a thread', () => {
  test('a document the viewer may read shows its thumbnail and downloads by name; otherwise the name alone', async () => {
    const api = fixedClient({});
    renderWith(
      <>
        <AttachmentPreview attachment={{ documentId: 'd1', name: 'analize.pdf', document: { id: 'd1', fileName: 'analize.pdf', previewUrl: '/files/preview?t=1', downloadUrl: '/files/download?t=1' } }} />
        <AttachmentPreview attachment={{ documentId: 'd2', name: 'old.pdf', document: null }} />
      </>,
      { client: api.client },
    );
    expect(await screen.findByRole('img', { name: 'Preview of analize.pdf' })).toBeTruthy();
    expect(screen.getByRole('button', { name: /analize\.pdf/ })).toBeTruthy();
    expect(screen.getByText('📎 old.pdf')).toBeTruthy();
    expect(vi.mocked(fetch).mock.calls[0]![0]).toBe('/files/preview?t=1');
  });
});
