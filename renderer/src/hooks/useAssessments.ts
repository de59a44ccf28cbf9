/** The safety verdict (refusals, warnings) of every listed drive for the chosen image. */
import { useEffect, useState } from 'react';
import type { TargetView } from '../../../main/ipc/contract-types.js';
import { useApi } from '../api/context.js';

export function useAssessments(image: string | undefined, devices: readonly string[]): ReadonlyMap<string, TargetView> {
  const api = useApi();
  const [map, setMap] = useState<ReadonlyMap<string, TargetView>>(new Map());
  const key = devices.join('\n');
  useEffect(() => {
    let live = true;
    const targets = key === '' ? [] : key.split('\n');
    api.assessTargets({ image, targets }).then(
      (views) => live && setMap(new Map(views.map((v) => [v.target, v]))),
      () => live && setMap(new Map()),
    );
    return () => {
      live = false;
    };
  }, [api, image, key]);
  return map;
}
