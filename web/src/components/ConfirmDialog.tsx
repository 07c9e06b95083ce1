// One confirmation dialog for every action that cannot simply be taken back (remove working hours,
// revoke a partner, remove a role, leave a waiting list, move an appointment): it says what will happen
// and who is affected, focuses "Cancel" so Enter never destroys by accident, and returns focus to the
// button that opened it. `const [confirm, dialog] = useConfirm(); if (await confirm({...})) …`.
import { useCallback, useRef, useState, type ReactNode } from 'react';
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle } from '@mui/material';
import { useTranslation } from 'react-i18next';

export interface ConfirmOptions {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** Red confirm button for destructive actions. */
  danger?: boolean;
}

export function useConfirm(): [(options: ConfirmOptions) => Promise<boolean>, ReactNode] {
  const { t } = useTranslation();
  const [open, setOpen] = useState<ConfirmOptions | null>(null);
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const confirm = useCallback((options: ConfirmOptions) => {
    resolver.current?.(false);
    setOpen(options);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);
  const close = (ok: boolean) => {
    resolver.current?.(ok);
    resolver.current = null;
    setOpen(null);
  };
  const dialog = (
    <Dialog open={Boolean(open)} onClose={() => close(false)} aria-labelledby="confirm-title" aria-describedby="confirm-body">
      <DialogTitle id="confirm-title">{open?.title}</DialogTitle>
      <DialogContent>
        <DialogContentText id="confirm-body" component="div">
          {open?.body}
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={() => close(false)} autoFocus>
          {t('common.cancel')}
        </Button>
        <Button onClick={() => close(true)} variant="contained" color={open?.danger ? 'error' : 'primary'}>
          {open?.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
  return [confirm, dialog];
}
