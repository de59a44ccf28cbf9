/**
 * Small line drawings for the board picker, one per board family as the eye tells them apart: a
 * Pi-sized board with its GPIO header, the long Zero, the keyboard-shaped Pi 400, a Compute Module
 * with its connector, a PC and a virtual machine. Drawn here (no logos) in the theme's colours.
 */
import type { ReactNode } from 'react';

export type BoardIconKind = 'pi' | 'pi-zero' | 'pi-keyboard' | 'compute-module' | 'pc' | 'vm';

/** Which drawing a catalog board gets: Raspberry Pi form factors by their ids, everything else by firmware. */
export function boardIconKind(b: { readonly id: string; readonly firmware: string }): BoardIconKind {
  if (b.firmware === 'rpi') {
    if (/^cm\d/.test(b.id)) return 'compute-module';
    if (b.id.includes('zero')) return 'pi-zero';
    if (/-(4|5)00$/.test(b.id)) return 'pi-keyboard';
    return 'pi';
  }
  return /qemu|virt/.test(b.id) ? 'vm' : 'pc';
}

const common = { fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, strokeLinejoin: 'round' as const, strokeLinecap: 'round' as const };

function header(x: number, y: number, n: number): ReactNode {
  return Array.from({ length: n }, (_, i) => <circle key={i} cx={x + i * 3} cy={y} r={0.8} fill="currentColor" stroke="none" />);
}

export function BoardIcon({ kind }: { readonly kind: BoardIconKind }): ReactNode {
  let body: ReactNode;
  switch (kind) {
    case 'pi':
      body = (
        <>
          <rect x={4} y={9} width={32} height={22} rx={2} {...common} />
          {header(8, 12, 9)}
          <rect x={26} y={18} width={8} height={7} {...common} />
          <rect x={13} y={18} width={8} height={8} rx={1} {...common} />
        </>
      );
      break;
    case 'pi-zero':
      body = (
        <>
          <rect x={3} y={14} width={34} height={13} rx={2} {...common} />
          {header(7, 17, 10)}
          <rect x={16} y={20} width={7} height={5} rx={1} {...common} />
        </>
      );
      break;
    case 'pi-keyboard':
      body = (
        <>
          <path d="M4 27 L8 12 H32 L36 27 Z" {...common} />
          <path d="M10 17 H30 M9 21 H31 M14 25 H26" {...common} />
        </>
      );
      break;
    case 'compute-module':
      body = (
        <>
          <rect x={5} y={10} width={30} height={18} rx={1.5} {...common} />
          <path d="M9 28 V31 M13 28 V31 M17 28 V31 M23 28 V31 M27 28 V31 M31 28 V31" {...common} />
          <rect x={11} y={14} width={9} height={9} rx={1} {...common} />
          <rect x={23} y={14} width={8} height={5} {...common} />
        </>
      );
      break;
    case 'pc':
      body = (
        <>
          <rect x={5} y={8} width={30} height={19} rx={2} {...common} />
          <path d="M15 32 H25 M20 27 V32" {...common} />
        </>
      );
      break;
    case 'vm':
      body = (
        <>
          <rect x={5} y={8} width={30} height={22} rx={2} {...common} />
          <path d="M5 13 H35" {...common} />
          <path d="M14 19 L11 22 L14 25 M26 19 L29 22 L26 25 M22 18 L18 26" {...common} />
        </>
      );
      break;
  }
  return (
    <svg className="board-icon" viewBox="0 0 40 40" width={36} height={36} aria-hidden="true" focusable="false">
      {body}
    </svg>
  );
}
