// The pre-appointment form (/appointments/:id/intake): the questions of the appointment's consultation
// type, in the viewer's language, rendered from the form's JSON Schema; checked before sending (each
// problem said beside its field, focus moved to the first), then sent; the PDF made from the answers is
// shown with its thumbnail and a download button.
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Box, Button, Checkbox, FormControl, FormControlLabel, FormHelperText, Link as MuiLink, Paper, Stack, TextField, Typography } from '@mui/material';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { DocumentPreviewDocument, IntakeFormDocument, SubmitIntakeFormDocument } from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { viewerTimeZone } from '../../lib/dates.ts';
import { answersOf, fieldsOf, languageOf, problemsOf, type FieldProblem, type IntakeField, type Values } from './intake-schema.ts';
import { saveFile, Thumbnail } from './files.tsx';

export function IntakeFormPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { accessToken } = useSession();
  const language = languageOf(i18n.language);
  const [form, refetch] = useQuery({ query: IntakeFormDocument, variables: { appointmentId: id, language } });
  const [submitted, submit] = useMutation(SubmitIntakeFormDocument);
  const fields = useMemo(() => fieldsOf(form.data?.intakeForm.schema), [form.data]);
  const [values, setValues] = useState<Values>({});
  const [problems, setProblems] = useState<Record<string, FieldProblem>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const pdf = submitted.data?.submitIntakeForm;
  const previewUrl = useEventualPreview(pdf?.id, pdf?.previewUrl);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const found = problemsOf(fields, values);
    setProblems(found);
    const first = fields.find((f) => found[f.key]);
    if (first) {
      formRef.current?.querySelector<HTMLElement>(`[name="${first.key}"]`)?.focus();
      return;
    }
    await submit({ appointmentId: id, language, answers: answersOf(fields, values), timeZone: viewerTimeZone() });
  };

  const set = (key: string, value: string | boolean) => {
    setValues((v) => ({ ...v, [key]: value }));
    setProblems(({ [key]: _gone, ...rest }) => rest);
  };

  return (
    <Box sx={{ maxWidth: 640 }}>
      <MuiLink component={Link} to={`/appointments/${id}`}>
        {t('intake.back')}
      </MuiLink>
      <PageTitle>{t('intake.title')}</PageTitle>
      <ErrorNotice error={form.error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      {form.fetching && !form.data ? <Loading /> : null}
      {pdf ? (
        <Paper variant="outlined" sx={{ p: 2 }} role="status" data-intake-pdf={pdf.id}>
          <Typography variant="h6" component="h2">
            {t('intake.sent')}
          </Typography>
          <Stack direction="row" spacing={2} sx={{ alignItems: 'center', mt: 1, flexWrap: 'wrap' }}>
            <Thumbnail url={previewUrl} alt={t('documents.previewOf', { name: pdf.fileName })} />
            <Box>
              <Typography sx={{ overflowWrap: 'anywhere' }}>{pdf.fileName}</Typography>
              {accessToken ? (
                <Button variant="outlined" sx={{ mt: 1 }} onClick={() => void saveFile(pdf.downloadUrl, accessToken, pdf.fileName)}>
                  {t('intake.downloadPdf')}
                </Button>
              ) : null}
            </Box>
          </Stack>
        </Paper>
      ) : form.data ? (
        <Box component="form" ref={formRef} noValidate onSubmit={onSubmit} aria-describedby="intake-intro" sx={{ display: 'grid', gap: 2 }}>
          <Typography id="intake-intro" color="text.secondary">
            {t('intake.intro')}
          </Typography>
          {fields.map((f) => (
            <IntakeInput key={f.key} field={f} value={values[f.key]} problem={problems[f.key]} onChange={(v) => set(f.key, v)} />
          ))}
          <ErrorNotice error={submitted.error} />
          <Box>
            <Button type="submit" variant="contained" disabled={submitted.fetching}>
              {t('intake.submit')}
            </Button>
          </Box>
        </Box>
      ) : null}
    </Box>
  );
}

/** The document's thumbnail URL; when it was still being made, asked again a few times until it is there. */
function useEventualPreview(documentId: string | undefined, initial: string | null | undefined): string | null {
  const missing = !!documentId && !initial;
  const [asked, reask] = useQuery({ query: DocumentPreviewDocument, variables: { id: documentId ?? '' }, pause: !missing, requestPolicy: 'network-only' });
  const found = asked.data?.document?.previewUrl ?? null;
  const [tries, setTries] = useState(0);
  useEffect(() => {
    if (!missing || found || asked.fetching || tries >= 10) return;
    const timer = setTimeout(() => {
      setTries((n) => n + 1);
      reask({ requestPolicy: 'network-only' });
    }, 1500);
    return () => clearTimeout(timer);
  }, [missing, found, asked.fetching, tries, reask]);
  return initial ?? found;
}

function IntakeInput({ field, value, problem, onChange }: { field: IntakeField; value: string | boolean | undefined; problem: FieldProblem | undefined; onChange: (value: string | boolean) => void }) {
  const { t } = useTranslation();
  const helpId = `intake-${field.key}-help`;
  const problemText = problem ? t(`intake.problems.${problem}`, { min: field.minimum, max: field.maximum, length: field.maxLength }) : null;
  if (field.kind === 'boolean') {
    return (
      <FormControl error={!!problem}>
        <FormControlLabel
          control={<Checkbox name={field.key} checked={value === true} onChange={(e) => onChange(e.target.checked)} slotProps={{ input: { 'aria-describedby': problemText ? helpId : undefined } }} />}
          label={field.title}
        />
        {problemText ? <FormHelperText id={helpId}>{problemText}</FormHelperText> : null}
      </FormControl>
    );
  }
  const hint = field.kind === 'integer' && field.minimum !== undefined && field.maximum !== undefined ? t('intake.rangeHint', { min: field.minimum, max: field.maximum }) : null;
  return (
    <TextField
      name={field.key}
      label={field.title}
      required={field.required}
      value={typeof value === 'string' ? value : ''}
      onChange={(e) => onChange(e.target.value)}
      type={field.kind === 'date' ? 'date' : 'text'}
      multiline={field.kind === 'longText'}
      minRows={field.kind === 'longText' ? 3 : undefined}
      error={!!problem}
      helperText={problemText ?? hint}
      fullWidth
      slotProps={{
        inputLabel: field.kind === 'date' ? { shrink: true } : undefined,
        htmlInput: { inputMode: field.kind === 'integer' ? 'numeric' : undefined, maxLength: field.maxLength },
        formHelperText: { id: helpId },
      }}
    />
  );
}
