import type {StatusSource} from './gather.js'
import type {DataHealth, StatusReport} from './model.js'

export interface StatusWatchOptions {
  /** Changes arriving within this window make one redraw. */
  batchMs: number
  signal: AbortSignal
  render(report: StatusReport, health: DataHealth): void
}

/**
 * Renders the status now and again after every burst of database or provider changes, and
 * when a database connection is lost or back, until the signal aborts. A 10,000-row initial monitor fill is one burst, not 10,000 redraws.
 */
export async function watchStatus(source: StatusSource, options: StatusWatchOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const redraw = () => {
    timer = undefined
    options.render(source.report(), source.health())
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
