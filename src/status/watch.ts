import type {StatusReport} from './model.js'
import type {StatusSource} from './gather.js'

export interface StatusWatchOptions {
  /** Changes arriving within this window make one redraw. */
  batchMs: number
  signal: AbortSignal
  render(report: StatusReport): void
}

/**
 * Renders the status now and again after every burst of database or provider changes,
 * until the signal aborts. A 10,000-row initial monitor fill is one burst, not 10,000 redraws.
 */
export async function watchStatus(source: StatusSource, options: StatusWatchOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const redraw = () => {
    timer = undefined
    options.render(source.report())
  }

  const onChange = () => {
    timer ??= setTimeout(redraw, options.batchMs)
  }

  source.on('changed', onChange)
  redraw()
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve()
    else options.signal.addEventListener('abort', () => resolve(), {once: true})
  })
  clearTimeout(timer)
  source.off('changed', onChange)
}
