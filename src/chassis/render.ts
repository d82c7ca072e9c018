import type {ChalkInstance} from 'chalk'

import type {Card} from '../dpu/card-serial.js'
import {resultLabel} from '../doctor/report.js'
import type {ChassisReport} from './show.js'

function unset(value: string | null): string {
  return value ?? '(unset)'
}

function cardLines(card: Card): string[] {
  const what = card.serial === undefined ? '(no serial)' : `${card.serial}  from ${card.source}`
  const product = card.product ? `  ${card.product}` : ''
  return [`  ${what}  PCI ${card.functions.map((fn) => fn.address).join(', ')}${product}`, ...card.notes.map((note) => `    note: ${note}`)]
}

/** `chassis show` as aligned "label  value" lines, a line per NIC, and the card serial verdict. */
export function renderChassisReport(report: ChassisReport, chalk: ChalkInstance): string {
  const {southbound} = report
  const sbChassis = southbound.chassis
    ? `${southbound.chassis.name}, hostname ${southbound.chassis.hostname}, card-serial-number ${unset(southbound.chassis.cmsOptions.cardSerialNumber)}`
    : `none: ${southbound.reason}`
  const fields: Array<[string, string]> = [
    ['system-id', unset(report.systemId)],
    ['hostname', `${report.hostname.value} (${report.hostname.from})`],
    ['ovn-remote', unset(report.ovnRemote)],
    ['integration bridge', report.integrationBridge],
    ['encap', `${unset(report.encap.type)} ${unset(report.encap.ip)}`],
    ['ovn-cms-options', unset(report.cmsOptions.value)],
    ['  card-serial-number', unset(report.cmsOptions.cardSerialNumber)],
    ['  other entries', report.cmsOptions.otherEntries.join(',') || '(none)'],
    ['Southbound DB', southbound.remote],
    ['  Chassis row', sbChassis],
  ]
  const width = Math.max(...fields.map(([label]) => label.length))
  const nics = report.nics.cards.length === 0 ? ['  (none read)'] : report.nics.cards.flatMap(cardLines)
  const verdict = report.cardSerial
  return [
    ...fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    'NIC serials',
    ...nics,
    ...report.nics.notes.map((note) => `  note: ${note}`),
    `card serial: ${resultLabel(verdict.result, chalk)} ${verdict.detail}`,
    ...(verdict.fix ? [`  fix: ${verdict.fix}`] : []),
  ].join('\n')
}
