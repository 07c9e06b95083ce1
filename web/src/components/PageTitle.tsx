// The one h1 of a screen (screen readers jump by headings; every screen has exactly one).
import type { ReactNode } from 'react';
import { Typography } from '@mui/material';

export function PageTitle({ children }: { children: ReactNode }) {
  return (
    <Typography variant="h4" component="h1" gutterBottom>
      {children}
    </Typography>
  );
}
