/**
 * Step 1: choose the image. A local file path or an http(s) URL (typed, or picked with the
 * system dialog in the desktop app), or an image from the catalog for a chosen board (downloaded
 * and checked first; the verified local file is what gets flashed).
 */
import { useEffect, type Dispatch, type ReactNode } from 'react';
import type { AppInfo } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import { stepBlocker, type FlowAction, type FlowState } from '../../state/flow.js';
import { TextField } from '../common/TextField.js';
import { CatalogPicker } from './CatalogPicker.js';
import { ImageCard } from './ImageCard.js';
import { StepNav } from './StepNav.js';

export function ImageStep({ state, dispatch, info }: { readonly state: FlowState; readonly dispatch: Dispatch<FlowAction>; readonly info: AppInfo }): ReactNode {
  const api = useApi();
  const input = state.imageInput.trim();
  useEffect(() => {
    if (input === '') return undefined;
    let live = true;
    const t = setTimeout(() => {
      api.describeImage({ image: input }).then(
        (image) => live && dispatch({ type: 'imageDescribed', image }),
        (e: unknown) =>
          live &&
          dispatch({
            type: 'imageDescribed',
            image: { image: input, kind: 'file', name: input, exists: false, fileSize: undefined, format: undefined, decodedSize: undefined, threeOs: undefined, problem: userErrorOf(e) },
          }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, dispatch, input]);
  const browse = (): void => {
    void api.pickImageFile({}).then((r) => {
      if (r.path !== undefined) dispatch({ type: 'imageInput', value: r.path });
    });
  };
  return (
    <section aria-labelledby="image-h" className="step">
      <h2 id="image-h">Choose an image</h2>
      {info.features.catalog ? (
        <>
          <h3>From the catalog</h3>
          <CatalogPicker onChosen={(value) => dispatch({ type: 'imageInput', value })} />
          <h3>Or a local file or URL</h3>
        </>
      ) : (
        <p className="note">The image catalog is not available in this build: give a local image file or a download URL.</p>
      )}
      <div className="row">
        <TextField
          label="Image file or URL"
          name="image"
          value={state.imageInput}
          onChange={(value) => dispatch({ type: 'imageInput', value })}
          placeholder="/home/me/3os-debian-generic.img.xz or https://…"
          hint="Raw .img, or compressed .xz, .gz, .zst, .bz2, .zip"
          autoFocus
          wide
        />
        {info.features.filePicker && (
          <button type="button" className="secondary" onClick={browse}>
            Browse…
          </button>
        )}
      </div>
      {state.image !== undefined && state.image.image === input && <ImageCard image={state.image} />}
      <StepNav onNext={() => dispatch({ type: 'goto', step: 'targets' })} blocker={stepBlocker({ ...state, image: state.image?.image === input ? state.image : undefined }, 'image')} />
    </section>
  );
}
