// "Done — Undo": the pattern after a change that can be taken back (a removed rule, a removed or moved
// break). The notice is a status message (announced, not focus-stealing); Undo runs the inverse change.
import { useState } from 'react';
import { Alert, Button } from '@mui/material';
import { useTranslation } from 'react-i18next';

export interface Undoable {
  message: string;
  /** The inverse change; resolves true when it worked. */
  undo: () => Promise<boolean>;
}

export function UndoNotice({ value, onDone }: { value: Undoable | null; onDone: (undone: boolean) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  if (!value) return null;
  return (
    <Alert
      severity="info"
      role="status"
      sx={{ my: 1 }}
      onClose={() => onDone(false)}
      action={
        <Button
          color="inherit"
          size="small"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              if (await value.undo()) onDone(true);
            } finally {
              setBusy(false);
            }
          }}
        >
          {t('common.undo')}
        </Button>
      }
    >
      {value.message}
    </Alert>
  );
}
