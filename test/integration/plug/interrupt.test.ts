import {afterEach, describe, expect, it} from 'vitest'

import {ExitCode} from '../../../src/lib/exit-codes.js'
import {run} from '../../../src/sandbox/daemon.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'
import {renderScreen, TerminalCli} from '../../helpers/terminal.js'

describe('SIGINT during plug --wait, against real OVN servers', () => {
  // hv1 is registered, but no interface ever appears for the ports: the wait never ends by itself.
  const sandbox = useSandbox({chassis: ['hv1'], controller: true})
  const running: Array<{stop(): unknown}> = []
  afterEach(async () => {
    for (const process of running.splice(0)) await process.stop()
  })

  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const plugArgs = (...lsps: string[]) => ['plug', ...lsps, '--chassis', 'hv1', '--type', 'dummy', '--wait', 'plugged', '--timeout', '0', `--nb-db=${sandbox().nbDb}`, `--sb-db=${sandbox().sbDb}`]

  it('exits 130 saying the requests were written and naming the ports still pending', async () => {
    await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'int1', '--', 'lsp-add', 'sw0', 'int2')
    const plug = new CliProcess(plugArgs('int1', 'int2'))
    running.push(plug)
    await plug.waitForLine(/^Wrote 2 ports in one transaction\.$/)
    plug.kill('SIGINT')
    expect(await plug.exited).toBe(ExitCode.Interrupted)
    expect(plug.lines.at(-1)).toBe('ovn-vif-ctl: interrupted: the requests are written, but 2 of 2 ports are not there yet: int1 (not claimed yet by hv1), int2 (not claimed yet by hv1)')
    expect(await nbctl('get', 'Logical_Switch_Port', 'int2', 'options:vif-plug-type')).toBe('dummy\n')
  })

  it('on a terminal, clears the spinner line before saying so', async () => {
    await nbctl('lsp-add', 'sw0', 'tty1')
    const plug = new TerminalCli(plugArgs('tty1'))
    running.push(plug)
    await plug.waitForText('Waiting for the ports to be plugged')
    plug.pressCtrlC()
    expect(await plug.exited).toBe(ExitCode.Interrupted)
    const screen = plug.screen()
    expect(screen.filter((line) => line.includes('Waiting'))).toEqual([])
    expect(screen.at(-1)).toBe('ovn-vif-ctl: interrupted: the requests are written, but 1 of 1 port is not there yet: tty1 (not claimed yet by hv1)')
    expect(screen).toContain('Wrote 1 port in one transaction.')
  })
})

describe('renderScreen', () => {
  it('applies what a spinner writes: a redrawn line, then the line erased', () => {
    expect(renderScreen('a\r\nWaiting... \u280B\n\u001B[G\u001B[1A\u001B[JWaiting... \u2819 0/1\n')).toEqual(['a', 'Waiting... \u2819 0/1'])
    expect(renderScreen('a\r\nWaiting... \u280B\n\u001B[G\u001B[1A\u001B[Jdone\r\n')).toEqual(['a', 'done'])
    expect(renderScreen('abc\r\u001B[Kx\u001B[2Ky')).toEqual([' y'])
  })
})
