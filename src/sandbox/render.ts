import type {Sandbox} from './sandbox.js'

export function shellQuote(value: string): string {
  return /^[\w./:,=@+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}

export function renderSandbox(sandbox: Sandbox): string {
  const lines = [
    `sandbox:     ${sandbox.dir}`,
    `northbound:  ${sandbox.nbDb}`,
    `southbound:  ${sandbox.sbDb}`,
  ]
  for (const chassis of sandbox.chassis) {
    const notes = [
      `encap ${chassis.encapIp}`,
      chassis.controller ? 'ovn-controller' : 'no ovn-controller',
      ...(chassis.vifPlug ? ['--enable-dummy-vif-plug'] : []),
    ]
    lines.push(`chassis ${chassis.name}: ${chassis.db} (${notes.join(', ')})`)
  }

  lines.push('', `Use it:  eval "$(ovn-vif-ctl sandbox env --dir ${shellQuote(sandbox.dir)})"`)
  lines.push(`Stop it: ovn-vif-ctl sandbox stop --dir ${shellQuote(sandbox.dir)}`)
  return lines.join('\n')
}
