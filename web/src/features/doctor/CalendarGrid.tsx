// The calendar grid (ARIA grid): one tab stop (roving tabindex); arrow keys move between cells, Home/End
// to the row's first/last day, Page Up/Down by four rows; Shift+Up/Down (or dragging, or Shift+click)
// extends a selection within a day; Enter or Space on a booked or break cell opens it, on other time
// selects it; Escape clears the selection.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Box } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { formatClock, formatLocalDay } from '../../lib/zoned.ts';
import type { CalendarGridModel, Cell, CellKind } from './calendar-model.ts';

export interface Selection {
  col: number;
  anchor: number;
  focus: number;
}

const COLORS: Record<CellKind, { bg: string; fg: string }> = {
  booked: { bg: '#0d47a1', fg: '#fff' },
  break: { bg: '#fff3e0', fg: '#5d4037' },
  blocked: { bg: '#eeeeee', fg: '#424242' },
  free: { bg: '#e8f5e9', fg: '#1b5e20' },
  working: { bg: '#f5f5f5', fg: '#424242' },
  off: { bg: '#fff', fg: '#616161' },
};

export function CalendarGrid(props: {
  model: CalendarGridModel;
  labelledBy: string;
  selection: Selection | null;
  onSelect: (s: Selection | null) => void;
  onOpen: (cell: Cell) => void;
  /** A cell to focus when the grid (re)appears, e.g. after a panel closes. */
  focusRequest?: { row: number; col: number; n: number } | null;
}) {
  const { model, selection, onSelect, onOpen } = props;
  const { t, i18n } = useTranslation();
  const [focus, setFocus] = useState({ row: 0, col: 0 });
  const table = useRef<HTMLTableElement>(null);
  const dragging = useRef(false);
  const rows = model.rows.length;
  const cols = model.days.length;
  const at = { row: Math.min(focus.row, rows - 1), col: Math.min(focus.col, cols - 1) };

  const moveTo = (row: number, col: number) => {
    const next = { row: Math.max(0, Math.min(rows - 1, row)), col: Math.max(0, Math.min(cols - 1, col)) };
    setFocus(next);
    table.current?.querySelector<HTMLElement>(`[data-cell="${next.row}-${next.col}"]`)?.focus();
    return next;
  };
  useEffect(() => {
    if (props.focusRequest) moveTo(props.focusRequest.row, props.focusRequest.col);
    // Only when a new request arrives (its counter changes), not on every render.
  }, [props.focusRequest?.n]);

  const activate = (cell: Cell) => {
    if (cell.kind === 'booked' || cell.kind === 'break' || cell.kind === 'blocked') onOpen(cell);
    else onSelect({ col: cell.col, anchor: cell.row, focus: cell.row });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const { row, col } = at;
    const extend = (to: number) => {
      const next = moveTo(to, col);
      const base = selection && selection.col === col ? selection.anchor : row;
      onSelect({ col, anchor: base, focus: next.row });
    };
    switch (e.key) {
      case 'ArrowUp':
        if (e.shiftKey) extend(row - 1);
        else moveTo(row - 1, col);
        break;
      case 'ArrowDown':
        if (e.shiftKey) extend(row + 1);
        else moveTo(row + 1, col);
        break;
      case 'ArrowLeft':
        moveTo(row, col - 1);
        break;
      case 'ArrowRight':
        moveTo(row, col + 1);
        break;
      case 'Home':
        moveTo(e.ctrlKey ? 0 : row, 0);
        break;
      case 'End':
        moveTo(e.ctrlKey ? rows - 1 : row, cols - 1);
        break;
      case 'PageUp':
        moveTo(row - 4, col);
        break;
      case 'PageDown':
        moveTo(row + 4, col);
        break;
      case 'Enter':
      case ' ':
        activate(model.cells[row]![col]!);
        break;
      case 'Escape':
        if (!selection) return;
        onSelect(null);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const inSelection = (cell: Cell) =>
    !!selection && selection.col === cell.col && cell.row >= Math.min(selection.anchor, selection.focus) && cell.row <= Math.max(selection.anchor, selection.focus);

  const describe = (cell: Cell) => {
    const when = `${formatLocalDay(cell.date, i18n.language)}, ${formatClock(cell.start, i18n.language)}–${formatClock(cell.end, i18n.language)}`;
    const what =
      cell.kind === 'booked'
        ? t('calendar.cell.booked', { name: cell.appointment!.patient.displayName, status: t(`status.${cell.appointment!.status}`) })
        : cell.kind === 'break' || cell.kind === 'blocked'
          ? `${t(`calendar.cell.${cell.kind}`)}${cell.exception?.label ? ` (${cell.exception.label})` : ''}`
          : t(`calendar.cell.${cell.kind}`);
    return `${when}: ${what}`;
  };

  return (
    <Box sx={{ width: '100%', overflowX: 'hidden' }}>
      <Box
        component="table"
        ref={table}
        role="grid"
        aria-labelledby={props.labelledBy}
        aria-multiselectable="true"
        aria-rowcount={rows + 1}
        onKeyDown={onKeyDown}
        onMouseUp={() => (dragging.current = false)}
        onMouseLeave={() => (dragging.current = false)}
        sx={{ width: '100%', tableLayout: 'fixed', borderCollapse: 'collapse', fontSize: '0.8rem', userSelect: 'none' }}
      >
        <thead>
          <tr>
            <Box component="th" scope="col" sx={{ width: { xs: 66, sm: 72 } }}>
              <span className="visually-hidden" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
                {t('calendar.time')}
              </span>
            </Box>
            {model.days.map((d) => (
              <Box component="th" scope="col" key={d} sx={{ p: 0.5, fontWeight: 600, overflowWrap: 'anywhere' }}>
                {formatLocalDay(d, i18n.language)}
              </Box>
            ))}
          </tr>
        </thead>
        <tbody>
          {model.cells.map((cells, row) => (
            <tr key={model.rows[row]}>
              <Box component="th" scope="row" sx={{ p: 0.5, fontWeight: 400, textAlign: 'right', verticalAlign: 'top', whiteSpace: 'nowrap' }}>
                {formatClock(model.rows[row]!, i18n.language)}
              </Box>
              {cells.map((cell) => {
                const selected = inSelection(cell);
                const focused = at.row === cell.row && at.col === cell.col;
                const color = COLORS[cell.kind];
                const first = cell.kind === 'booked' && (cell.row === 0 || model.cells[cell.row - 1]![cell.col]!.appointment?.id !== cell.appointment!.id);
                return (
                  <Box
                    component="td"
                    key={cell.col}
                    role="gridcell"
                    data-cell={`${cell.row}-${cell.col}`}
                    data-kind={cell.kind}
                    tabIndex={focused ? 0 : -1}
                    aria-selected={selected}
                    aria-label={describe(cell)}
                    onFocus={() => setFocus({ row: cell.row, col: cell.col })}
                    onMouseDown={(e) => {
                      if (e.button !== 0) return;
                      setFocus({ row: cell.row, col: cell.col });
                      if (e.shiftKey && selection && selection.col === cell.col) onSelect({ ...selection, focus: cell.row });
                      else if (cell.kind !== 'booked' && cell.kind !== 'break' && cell.kind !== 'blocked') {
                        dragging.current = true;
                        onSelect({ col: cell.col, anchor: cell.row, focus: cell.row });
                      }
                    }}
                    onMouseEnter={() => {
                      if (dragging.current && selection && selection.col === cell.col) onSelect({ ...selection, focus: cell.row });
                    }}
                    onClick={(e) => {
                      if (!e.shiftKey && (cell.kind === 'booked' || cell.kind === 'break' || cell.kind === 'blocked')) onOpen(cell);
                    }}
                    sx={{
                      height: 28,
                      p: '2px 4px',
                      border: '1px solid #e0e0e0',
                      bgcolor: selected ? '#fff59d' : color.bg,
                      color: selected ? '#212121' : color.fg,
                      cursor: 'pointer',
                      overflow: 'hidden',
                      textOverflow: 'ellipsis',
                      whiteSpace: 'nowrap',
                      '&:focus-visible': { outline: '3px solid #ff6f00', outlineOffset: '-3px' },
                    }}
                  >
                    <span aria-hidden="true">
                      {cell.kind === 'booked' ? (first ? cell.appointment!.patient.displayName : '⋮') : cell.kind === 'off' ? '' : t(`calendar.short.${cell.kind}`)}
                    </span>
                  </Box>
                );
              })}
            </tr>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}
