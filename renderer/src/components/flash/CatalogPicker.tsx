/**
 * The image catalog in the image step: pick a board (BoardPicker: Raspberry Pi first), see the
 * images that fit it (flavor, version, arch, description, size; the catalog's checkFit decides,
 * partition table included), choose one. Choosing downloads it into the cache and checks it
 * (size, SHA-256, signature) in the backend; the verified local file then becomes the image to
 * flash. An entry that cannot be fetched (e.g. "not published yet") shows the catalog's reason.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { CatalogImageView, CatalogListing, UserError } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import { bytesText } from '../../state/format.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { BoardPicker } from './BoardPicker.js';

function sizeText(i: CatalogImageView): string {
  if (!i.published) return 'not published yet';
  const dl = i.downloadSize === undefined ? '' : `${bytesText(i.downloadSize)} download`;
  const raw = i.decodedSize === undefined ? '' : `${bytesText(i.decodedSize)} on disk`;
  return [dl, raw].filter((x) => x !== '').join(', ');
}

function boardName(l: CatalogListing, id: string): string {
  return l.boards.find((b) => b.id === id)?.name ?? 'this board';
}

export function CatalogPicker({ onChosen }: { readonly onChosen: (localFile: string) => void }): ReactNode {
  const api = useApi();
  const [board, setBoard] = useState('');
  const [listing, setListing] = useState<CatalogListing | undefined>();
  const [listError, setListError] = useState<UserError | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [fetchError, setFetchError] = useState<UserError | undefined>();
  const [fetched, setFetched] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    api.listCatalog(board === '' ? {} : { board }).then(
      (l) => {
        if (!live) return;
        setListing(l);
        setListError(undefined);
      },
      (e: unknown) => live && setListError(userErrorOf(e)),
    );
    return () => {
      live = false;
    };
  }, [api, board]);

  const choose = (img: CatalogImageView): void => {
    setBusy(img.id);
    setFetchError(undefined);
    setFetched(undefined);
    api.fetchCatalogImage(board === '' ? { id: img.id } : { id: img.id, board }).then(
      (r) => {
        setBusy(undefined);
        setFetched(`${img.name} ${img.version}: ${r.downloaded ? 'downloaded' : 'taken from the cache'}, checked (${r.trust}).`);
        onChosen(r.image);
      },
      (e: unknown) => {
        setBusy(undefined);
        setFetchError(userErrorOf(e));
      },
    );
  };

  if (listError !== undefined) return <ErrorBox error={listError} />;
  if (listing === undefined) return <p className="note">Loading the image catalog…</p>;
  return (
    <div className="catalog" aria-label="Image catalog" role="group">
      <BoardPicker boards={listing.boards} value={board} onChange={setBoard} />
      {listing.images.length === 0 ? (
        <p className="note">No catalog image fits {boardName(listing, board)} yet.</p>
      ) : (
        <ul className="catalog-list" aria-label="Catalog images">
          {listing.images.map((i) => (
            <li key={i.id} className="card catalog-item" data-testid="catalog-image">
              <div>
                <strong>{i.name}</strong>
                <p className="facts-line">
                  {i.flavor} · {i.version} · {i.arch} · {sizeText(i)}
                </p>
                {i.description !== '' && <p className="note">{i.description}</p>}
              </div>
              <button type="button" className="secondary" onClick={() => choose(i)} disabled={busy !== undefined} aria-label={`Use ${i.name}`}>
                {busy === i.id ? 'Downloading and checking…' : 'Use this image'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {busy !== undefined && (
        <p className="note" role="status">
          Downloading and checking the image (size, SHA-256, signature) before anything is written…
        </p>
      )}
      {fetched !== undefined && (
        <p className="note" role="status">
          {fetched}
        </p>
      )}
      {fetchError !== undefined && (
        <>
          <ErrorBox error={fetchError} />
          <p className="note" data-testid="catalog-error-detail">
            {fetchError.detail}
          </p>
        </>
      )}
    </div>
  );
}
