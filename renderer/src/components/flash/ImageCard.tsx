/** What the chosen image is: name, format, sizes, and the 3os build it carries. */
import type { ReactNode } from 'react';
import type { ImageInfo } from '../../../../main/ipc/contract-types.js';
import { bytesText } from '../../state/format.js';
import { ErrorBox } from '../common/ErrorBox.js';

export function ImageCard({ image }: { readonly image: ImageInfo }): ReactNode {
  if (image.problem !== undefined) return <ErrorBox error={image.problem} />;
  return (
    <dl className="card facts" aria-label="Chosen image">
      <dt>Image</dt>
      <dd>{image.name}</dd>
      <dt>Source</dt>
      <dd>{image.kind === 'url' ? 'Downloaded while writing' : 'Local file'}</dd>
      {image.format !== undefined && (
        <>
          <dt>Format</dt>
          <dd>{image.format === 'raw' ? 'raw disk image' : `${image.format} compressed`}</dd>
        </>
      )}
      {image.fileSize !== undefined && (
        <>
          <dt>File size</dt>
          <dd>{bytesText(image.fileSize)}</dd>
        </>
      )}
      <dt>Needs</dt>
      <dd>{image.decodedSize === undefined ? 'unknown until decompressed' : bytesText(image.decodedSize)}</dd>
      <dt>3os</dt>
      <dd>
        {image.threeOs === undefined
          ? image.format === 'raw'
            ? 'not a 3os image: settings cannot be written into it'
            : 'checked after writing'
          : `${image.threeOs.version ?? '3os'}${image.threeOs.board === undefined ? '' : ` for ${image.threeOs.board}`}`}
      </dd>
    </dl>
  );
}
