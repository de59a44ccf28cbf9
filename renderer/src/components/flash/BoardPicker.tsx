/**
 * The board choice of the image step: the catalog's boards as cards, grouped by family with the
 * Raspberry Pi first (the makers this app is for), each with a drawing, its SoC and arch, and
 * badges for what matters when flashing and provisioning it (Wi-Fi, USB boot, rpiboot, a USB
 * console over one cable, MBR-only firmware). Radio buttons underneath, so keyboard and screen
 * readers work as with any form field; "Any board" lists every image.
 */
import type { ReactNode } from 'react';
import type { CatalogBoardView } from '../../../../main/ipc/contract-types.js';
import { BoardIcon, boardIconKind } from './BoardIcon.js';

export interface BoardGroup {
  readonly title: string;
  readonly boards: readonly CatalogBoardView[];
}

const GROUPS: readonly { readonly firmware: string; readonly title: string }[] = [
  { firmware: 'rpi', title: 'Raspberry Pi' },
  { firmware: 'uefi', title: 'PCs and UEFI boards' },
  { firmware: 'uboot', title: 'U-Boot boards' },
];

/** Boards by family, Raspberry Pi first; catalog order within a family; empty families left out. */
export function boardGroups(boards: readonly CatalogBoardView[]): BoardGroup[] {
  const known = new Set(GROUPS.map((g) => g.firmware));
  const groups = GROUPS.map((g) => ({ title: g.title, boards: boards.filter((b) => b.firmware === g.firmware) }));
  groups.push({ title: 'Other boards', boards: boards.filter((b) => !known.has(b.firmware)) });
  return groups.filter((g) => g.boards.length > 0);
}

/** The badges of a board, in a fixed order. */
export function boardBadges(b: CatalogBoardView): string[] {
  const out: string[] = [];
  if (b.wifi === true) out.push('Wi-Fi');
  else if (b.wifi === 'model-dependent') out.push('Wi-Fi on some models');
  if (b.usbBoot === true) out.push('USB boot');
  if (b.rpiboot === true) out.push('rpiboot (eMMC over USB)');
  if (b.usbGadget === true) out.push('USB console');
  else if (b.usbGadget === 'model-dependent') out.push('USB console (by carrier)');
  if (b.partitionTables.length === 1 && b.partitionTables[0] === 'mbr') out.push('MBR only');
  return out;
}

function BoardCard({ board, checked, onChange }: { readonly board: CatalogBoardView; readonly checked: boolean; readonly onChange: (id: string) => void }): ReactNode {
  const factsId = `board-facts-${board.id}`;
  const badges = boardBadges(board);
  return (
    <label className={`board-card${checked ? ' selected' : ''}`} data-testid="board-card" title={board.description}>
      <input type="radio" name="board" value={board.id} checked={checked} onChange={() => onChange(board.id)} aria-label={board.name} aria-describedby={factsId} />
      <BoardIcon kind={boardIconKind(board)} />
      <span className="board-text">
        <strong>{board.name}</strong>
        <span id={factsId} className="board-facts">
          <span className="facts-line">{[board.arch, board.soc?.toUpperCase()].filter((x) => x !== undefined).join(' · ')}</span>
          {badges.length > 0 && (
            <span className="badges">
              {badges.map((t) => (
                <span key={t} className="badge">
                  {t}
                </span>
              ))}
            </span>
          )}
        </span>
      </span>
    </label>
  );
}

export function BoardPicker({ boards, value, onChange }: { readonly boards: readonly CatalogBoardView[]; readonly value: string; readonly onChange: (id: string) => void }): ReactNode {
  return (
    <fieldset className="board-picker">
      <legend>Board</legend>
      <label className={`board-any${value === '' ? ' selected' : ''}`}>
        <input type="radio" name="board" value="" checked={value === ''} onChange={() => onChange('')} aria-label="Any board" />
        Any board (every image)
      </label>
      {boardGroups(boards).map((g) => (
        <div key={g.title} className="board-group" role="group" aria-label={g.title}>
          <h3>{g.title}</h3>
          <div className="board-grid">
            {g.boards.map((b) => (
              <BoardCard key={b.id} board={b} checked={value === b.id} onChange={onChange} />
            ))}
          </div>
        </div>
      ))}
    </fieldset>
  );
}
