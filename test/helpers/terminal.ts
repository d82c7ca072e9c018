import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const runJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.cjs')

/** Quotes a word for the shell line script(1) runs. */
function shellWord(word: string): string {
  return `'${word.replaceAll("'", String.raw`'\''`)}'`
}

/**
 * The CLI on a pseudo-terminal, as an operator runs it: script(1) gives it one, so stdout and
 * stderr are a TTY (oclif draws its spinner) and a Ctrl-C typed on stdin reaches it as SIGINT
 * from the terminal driver. Output is the raw byte stream; screen() renders what stays visible.
 */
export class TerminalCli {
  output = ''
  readonly exited: Promise<number | null>
  private readonly child: ChildProcessWithoutNullStreams

  constructor(args: readonly string[]) {
    const line = [process.execPath, runJs, ...args].map((word) => shellWord(word)).join(' ')
    // oclif draws a spinner only on a TTY, outside CI, and for a TERM that can move the cursor.
    const {CI: _ci, ...env} = process.env
    this.child = spawn('script', ['--quiet', '--flush', '--return', '--command', line, '/dev/null'], {env: {...env, TERM: 'xterm', NO_COLOR: '1'}})
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8')
    })
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)))
  }

  /** Resolves once the output holds `text` (not timing: it waits on the output events). */
  async waitForText(text: string): Promise<void> {
    while (!this.output.includes(text)) {
      await new Promise<void>((resolve, reject) => {
        const onData = () => finish(resolve)
        const onClose = () => finish(() => reject(new Error(`exited before printing ${JSON.stringify(text)}; output:\n${this.output}`)))
        const finish = (then: () => void) => {
          this.child.stdout.off('data', onData)
          this.child.off('close', onClose)
          then()
        }

        this.child.stdout.on('data', onData)
        this.child.on('close', onClose)
      })
    }
  }

  /** Types Ctrl-C: the terminal sends SIGINT to the foreground process. */
  pressCtrlC(): void {
    this.child.stdin.write('\u0003')
  }

  /** Ends it if a test failed before it did. */
  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }

  /** The lines left on the screen: \r, \n and the cursor and erase sequences oclif's spinner uses, applied. */
  screen(): string[] {
    return renderScreen(this.output)
  }
}

/** Applies carriage return, newline, cursor up (CSI n A), cursor to column (CSI n G) and erase (CSI K, CSI J); drops other sequences. */
export function renderScreen(output: string): string[] {
  const lines = ['']
  let row = 0
  let column = 0
  // eslint-disable-next-line no-control-regex -- ESC starts the terminal sequences this parses
  for (const [token, parameter = '', command = ''] of output.matchAll(/\u001B\[\??([\d;]*)([A-Za-z])|\r|\n|[^\u001B\r\n]+/g)) {
    const count = Number(parameter || '1')
    if (token === '\r') column = 0
    else if (token === '\n') {
      row++
      lines[row] ??= ''
    } else if (command === 'A') row = Math.max(0, row - count)
    else if (command === 'G') column = count - 1
    else if (command === 'K') lines[row] = parameter === '2' ? '' : lines[row]!.slice(0, column)
    else if (command === 'J') {
      lines[row] = lines[row]!.slice(0, column)
      lines.length = row + 1
    } else if (!command) {
      const current = lines[row]!.padEnd(column)
      lines[row] = current.slice(0, column) + token + current.slice(column + token.length)
      column += token.length
    }
  }

  while (lines.length > 0 && lines.at(-1) === '') lines.pop()
  return lines
}
