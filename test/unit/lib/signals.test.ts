import {afterEach, describe, expect, it} from 'vitest'

import {signalAbort, STOP_SIGNALS, untilStopSignal} from '../../../src/lib/signals.js'

const listenerCounts = () => STOP_SIGNALS.map((name) => process.listenerCount(name))

const before = listenerCounts()
afterEach(() => {
  expect(listenerCounts()).toEqual(before)
})

describe('signalAbort', () => {
  it('handles nothing until armed: before that a signal keeps its default', () => {
    const interrupt = signalAbort(['SIGINT'])
    expect(listenerCounts()).toEqual(before)
    expect(interrupt.signal.aborted).toBe(false)
  })

  it('once armed, aborts on its signal only, and disarm hands the signal back', () => {
    const interrupt = signalAbort(['SIGINT'])
    interrupt.arm()
    interrupt.arm()
    expect(listenerCounts()).toEqual([before[0]! + 1, before[1]])
    process.emit('SIGINT')
    expect(interrupt.signal.aborted).toBe(true)
    expect(interrupt.signal.reason).toBe('SIGINT')
    interrupt.disarm()
  })

  it('disarmed before any signal, it never aborts', () => {
    const interrupt = signalAbort()
    interrupt.arm()
    interrupt.disarm()
    expect(listenerCounts()).toEqual(before)
    expect(interrupt.signal.aborted).toBe(false)
  })
})

describe('untilStopSignal', () => {

  for (const name of STOP_SIGNALS) {
    it(`aborts the work's signal on ${name}, with the signal's name as the reason`, async () => {
      const reason = await untilStopSignal(
        (signal) =>
          new Promise<unknown>((resolve) => {
            expect(signal.aborted).toBe(false)
            signal.addEventListener('abort', () => resolve(signal.reason), {once: true})
            process.emit(name)
          }),
      )
      expect(reason).toBe(name)
    })
  }

  it('handles SIGINT and SIGTERM while the work runs, and neither once it has returned', async () => {
    let seen: number[] = []
    const result = await untilStopSignal(async () => {
      seen = listenerCounts()
      return 'done'
    })
    expect(result).toBe('done')
    expect(seen).toEqual(before.map((count) => count + 1))
  })

  it('removes its handlers when the work fails, and passes the failure on', async () => {
    await expect(untilStopSignal(async () => Promise.reject(new Error('broken')))).rejects.toThrow('broken')
  })

  it('a second signal during the wind-down does not abort again', async () => {
    const reasons: unknown[] = []
    await untilStopSignal(async (signal) => {
      signal.addEventListener('abort', () => reasons.push(signal.reason))
      process.emit('SIGTERM')
      // once: the handler for SIGTERM is gone; SIGINT's is still there but the signal is already aborted.
      process.emit('SIGINT')
    })
    expect(reasons).toEqual(['SIGTERM'])
  })
})
