/**
 * Like Promise.all, but waits for every promise to settle before failing with the first
 * failure, so that a connection one of them opens is never left behind unseen.
 */
export async function settleAll<T extends readonly unknown[]>(promises: {[K in keyof T]: Promise<T[K]>}): Promise<T> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}
