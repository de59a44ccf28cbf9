/** The flash flow page: the stepper and the current step. */
import type { Dispatch, ReactNode } from 'react';
import type { AppInfo, Drive } from '../../../../main/ipc/contract-types.js';
import type { DriveList } from '../../hooks/useDrives.js';
import type { FlowAction, FlowState } from '../../state/flow.js';
import { CustomiseStep } from './CustomiseStep.js';
import { FlashStep } from './FlashStep.js';
import { ImageStep } from './ImageStep.js';
import { Stepper } from './Stepper.js';
import { TargetsStep } from './TargetsStep.js';

export function FlashPage({ state, dispatch, info, drives }: { readonly state: FlowState; readonly dispatch: Dispatch<FlowAction>; readonly info: AppInfo; readonly drives: DriveList }): ReactNode {
  const disks = drives.entries.filter((e): e is Drive => e.kind !== 'usbboot');
  return (
    <>
      <Stepper current={state.step} />
      {state.step === 'image' && <ImageStep state={state} dispatch={dispatch} info={info} />}
      {state.step === 'targets' && <TargetsStep state={state} dispatch={dispatch} drives={drives} />}
      {state.step === 'customise' && <CustomiseStep state={state} dispatch={dispatch} info={info} drives={disks} />}
      {state.step === 'flash' && <FlashStep state={state} dispatch={dispatch} />}
    </>
  );
}
