/** Benchmark (e): time our grow of a 3os-layout disk on a 256 GiB sparse file. */
export async function benchGrow(_dir: string): Promise<number> {
  return Promise.resolve(Number.NaN);
}
