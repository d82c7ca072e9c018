// Attacks the metrics endpoint on 127.0.0.1:PORT (argv[2]) until killed, in a process of its own
// so that the attacker's CPU is not the measurer's: slowloris, 1 MB headers, garbage bytes and
// bursts of 1,000 silent connections, each kind in a loop of its own.
import {connect} from 'node:net'

const port = Number(process.argv[2])
const client = (send) =>
  new Promise((resolve) => {
    const socket = connect({host: '127.0.0.1', port})
    socket.on('error', () => {})
    // Read what the server answers, or its end is never seen.
    socket.resume()
    socket.on('close', () => resolve())
    socket.on('connect', () => send(socket))
  })
const loop = async (once) => {
  for (;;) await once()
}
const big = `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`
void loop(() => client((socket) => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ')))
void loop(() => client((socket) => socket.write(big)))
void loop(() => client((socket) => socket.write(Buffer.from(Array.from({length: 4096}, () => Math.floor(Math.random() * 256))))))
void loop(() => Promise.all(Array.from({length: 1000}, () => client(() => {}))))
